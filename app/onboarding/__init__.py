"""Accepting invitations and resetting forgotten passwords: pages for people who are not signed in."""
