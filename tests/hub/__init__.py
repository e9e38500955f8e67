"""Tests of the employer hub (deskready.hub)."""
