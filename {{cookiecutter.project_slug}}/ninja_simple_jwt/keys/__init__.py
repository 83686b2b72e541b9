"""The signing keys: algorithms and JWKs, storage and rotation, the per-process cache, checks."""
