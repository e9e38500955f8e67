"""The readiness report: one model, written as JSON (machines) and PDF (people)."""

#: Version 2 adds the run's scope, the "not_checked" outcome, display texts per value,
#: declared chart series and the machine summary as a list of facts.
SCHEMA = "deskready-report/2"
#: Every schema this version reads (older reports are shown and verified as written).
READABLE_SCHEMAS = ("deskready-report/1", SCHEMA)
