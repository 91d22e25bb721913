"""Domain rules, free of Flask request objects. Services flush; the request commits."""
