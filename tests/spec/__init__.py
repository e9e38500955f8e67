"""Tests of app/spec (deskready.spec)."""
