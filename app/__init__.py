"""deskready application layer: spec, evaluator, runner, report, CLI and GUI front-ends."""

__version__ = "0.1.0"
