"""Tokens (minting, verification) and their keys (algorithms, storage, rotation, JWK Set)."""
