"""A signed-in person's own account: details, recent sign-ins, password and two-step verification."""
