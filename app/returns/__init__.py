"""The return types: one package each, listed in the RETURN_TYPES setting. Each fills in the
engine's contract (app/engine/registry.py) and never imports another type."""
