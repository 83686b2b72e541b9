"""The signing keys: algorithms and key ids, storage, the one reader, the per-process cache."""
