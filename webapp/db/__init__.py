"""The service's PostgreSQL backend: Django's, with a bound on every wait for the database.

``ENGINE = "webapp.db"`` (settings.py sets it for a postgres:// DATABASE_URL).
"""
