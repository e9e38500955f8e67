from __future__ import annotations

from typing import Any

import pytest

from deskready.checks.api import Check, CheckContext, Measurements
from deskready.checks.system.host import SystemFacts


@pytest.fixture
def run_check():
    """Run a check class against a fake SystemFacts and return its measurements."""

    def run(check: type[Check], facts: SystemFacts, **settings: Any) -> Measurements:
        ctx = CheckContext(adapters={SystemFacts: facts}, settings=settings)
        return check().run(ctx)

    return run
