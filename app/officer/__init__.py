"""The officers' views: what the council reads across schools, from the facts table and typed
tables (never submissions' JSON per request)."""
