"""The return engine: every kind of return declares itself here and shares windows, lifecycle and review."""
