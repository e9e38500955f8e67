"""The documented metric id rule (docs/plugins.md "Metric ids") holds for the built-ins."""

from __future__ import annotations

from pathlib import Path

from deskready.registry import discover_checks

PLUGINS_DOC = Path(__file__).resolve().parents[2] / "docs" / "plugins.md"
#: Groups shared by a family of checks, or not named after their check (docs/plugins.md).
FAMILY_GROUPS = {
    "network": {"connection", "bandwidth", "call_quality", "upstream", "responsiveness"},
    "room": {"room_noise"},
}


def test_every_metric_group_is_its_check_id_or_a_documented_family() -> None:
    doc = PLUGINS_DOC.read_text(encoding="utf-8")
    for check in discover_checks().checks.values():
        for metric in check.metrics:
            group = metric.id.split(".", 1)[0]
            if group != check.id:
                assert check.id in FAMILY_GROUPS.get(group, set()), metric.id
            assert f"`{group}`" in doc, f"group {group!r} is not in docs/plugins.md"


def test_no_two_built_in_checks_share_a_metric_or_use_the_declaration_group() -> None:
    owners: dict[str, str] = {}
    for check in discover_checks().checks.values():
        for metric in check.metrics:
            assert metric.id not in owners, (metric.id, owners.get(metric.id), check.id)
            assert not metric.id.startswith("declaration.")
            owners[metric.id] = check.id
    assert owners
