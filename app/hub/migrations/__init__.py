"""Alembic migrations of the hub's schema (run by :func:`deskready.hub.db.migrate`)."""
