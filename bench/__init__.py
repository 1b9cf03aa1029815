"""Benchmark of the users API against a bare-WSGI ceiling (a script, not a test): bench/run.py."""
