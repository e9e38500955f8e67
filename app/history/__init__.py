"""The agent's local run history: every finished run kept, listed, compared and deleted
(docs/history.md). Free of Qt and click; the CLI and the GUI are views of it."""
