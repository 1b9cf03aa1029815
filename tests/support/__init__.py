"""Helpers shared by the gates: a real gunicorn server on loopback, readiness waits."""
