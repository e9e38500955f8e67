"""Every test here may switch language; each starts and ends in English."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from deskready.checks.i18n import set_language


@pytest.fixture(autouse=True)
def english_around() -> Iterator[None]:
    set_language("en")
    yield
    set_language("en")
