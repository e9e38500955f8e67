"""The readiness report: one model, written as JSON (machines) and PDF (people)."""

SCHEMA = "deskready-report/1"
