"""The employer spec: what the employer requires, loaded and validated from TOML."""

from deskready.spec.errors import SpecError, SpecProblem
from deskready.spec.loader import load_spec, load_spec_text
from deskready.spec.model import Declaration, Employer, Rule, Severity, Spec

__all__ = [
    "Declaration",
    "Employer",
    "Rule",
    "Severity",
    "Spec",
    "SpecError",
    "SpecProblem",
    "load_spec",
    "load_spec_text",
]
