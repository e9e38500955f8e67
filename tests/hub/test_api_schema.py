"""Schemathesis fuzzes every API operation of the OpenAPI document: no 5xx, and every
response (problem details included) conforms to the document. Bounded: a few examples per
operation, a deadline, so the whole file runs in well under a minute."""

from __future__ import annotations

import itertools
from dataclasses import replace
from typing import Any

import pytest

schemathesis = pytest.importorskip("schemathesis")

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis.errors import Unsatisfiable  # noqa: E402
from schemathesis import checks  # noqa: E402

from tests.hub.api_helpers import make_hub  # noqa: E402
from tests.hub.conftest import HubEnv  # noqa: E402

#: a few examples per operation keep the run short; the generated bodies are random anyway
MAX_EXAMPLES = 25
CHECKS = (
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
    checks.response_headers_conformance,
)


@pytest.fixture
def fuzzed(tmp_path: Any) -> Any:
    from deskready.hub import admin
    from deskready.hub.config import load_config
    from deskready.hub.db import make_engine, session_factory
    from tests.hub.conftest import ADMIN_EMAIL, ADMIN_PASSWORD

    folder = tmp_path / "hub"
    admin.init_hub(
        folder,
        admin_email=ADMIN_EMAIL,
        admin_password=ADMIN_PASSWORD,
        public_url="https://hub.example",
    )
    config = load_config(folder)
    config = replace(
        config,
        limits=replace(
            config.limits,
            rate_per_address_per_minute=1_000_000,
            rate_per_invite_per_minute=1_000_000,
        ),
    )
    engine = make_engine(config.database_url)
    env = HubEnv("sqlite", config, engine, session_factory(engine))
    hub = make_hub(env, config)
    hub.invite(uses=1000)
    yield hub
    engine.dispose()


def test_every_api_operation_survives_fuzzing(fuzzed: Any) -> None:
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", fuzzed.app)
    operations = [result.ok() for result in schema.get_all_operations()]
    paths = {op.path for op in operations}
    assert {
        "/api/v1/info",
        "/api/v1/sessions",
        "/api/v1/specs/{name}/{sha256}",
        "/api/v1/sessions/{session}/report",
    } <= paths
    seen: set[tuple[str, int]] = set()
    for operation, mode in itertools.product(operations, schemathesis.GenerationMode):
        strategy = operation.as_strategy(generation_mode=mode)

        @settings(
            max_examples=MAX_EXAMPLES,
            deadline=2000,
            suppress_health_check=list(HealthCheck),
            database=None,
        )
        @given(case=strategy)
        def run(case: Any) -> None:
            response = case.call_and_validate(checks=CHECKS)
            seen.add((case.operation.path, response.status_code))

        try:
            run()
        except Unsatisfiable:  # nothing to make invalid (GET /api/v1/info has no input)
            assert mode is schemathesis.GenerationMode.NEGATIVE, operation.path
    assert len(seen) >= 5, seen  # every operation was called, with several outcomes
    assert ("/api/v1/info", 200) in seen
