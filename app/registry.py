"""Discovers checks through the one entry-point group, built-ins included (pluggy style).

There is no registration by import side effect and no global registry: each call to
:func:`discover_checks` returns a fresh :class:`CheckRegistry`. A plugin that fails to
import or fails validation is kept as a :class:`BrokenPlugin` with the reason, so the
front-ends can list it while every other check still runs.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from importlib.metadata import EntryPoint, entry_points

from deskready.checks.api import Check, Metric, validate_check_class
from deskready.checks.i18n import register_domain

ENTRY_POINT_GROUP = "deskready.checks"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BrokenPlugin:
    """A plugin that could not be used, and why (shown by ``deskready checks``)."""

    name: str
    target: str
    reason: str


@dataclass
class CheckRegistry:
    """The checks available in this process, by id, with metric and question indexes."""

    checks: dict[str, type[Check]] = field(default_factory=dict)
    broken: list[BrokenPlugin] = field(default_factory=list)

    def __iter__(self) -> Iterator[type[Check]]:
        return iter(self.checks.values())

    def get(self, check_id: str) -> type[Check] | None:
        """The check with this id, or None."""
        return self.checks.get(check_id)

    def metrics(self) -> dict[str, tuple[type[Check], Metric]]:
        """Every declared metric id -> (its check, its declaration)."""
        return {m.id: (c, m) for c in self.checks.values() for m in c.metrics}

    def check_for_metric(self, metric_id: str) -> type[Check] | None:
        """The check that produces ``metric_id``, if any."""
        found = self.metrics().get(metric_id)
        return found[0] if found else None

    def add(self, name: str, target: str, obj: object) -> None:
        """Validate ``obj`` and add it, or record it as broken with every reason."""
        problems = validate_check_class(obj)
        if problems:
            self.broken.append(BrokenPlugin(name, target, "; ".join(problems)))
            return
        assert isinstance(obj, type)
        assert issubclass(obj, Check)
        if obj.id in self.checks:
            # pluggy skips duplicates: the first registration wins and the clash is visible.
            self.broken.append(
                BrokenPlugin(name, target, f"check id {obj.id!r} is already provided")
            )
            return
        known = self.metrics()
        clashes = [m.id for m in obj.metrics if m.id in known]
        if clashes:
            owner = known[clashes[0]][0].id
            self.broken.append(
                BrokenPlugin(
                    name, target, f"metric {clashes[0]!r} is already produced by {owner!r}"
                )
            )
            return
        self.checks[obj.id] = obj
        if obj.translations is not None:
            register_domain(obj.translations)


def discover_checks(points: Iterable[EntryPoint] | None = None) -> CheckRegistry:
    """Load every check of the ``deskready.checks`` entry-point group.

    Args:
        points: the entry points to load; defaults to the installed ones (tests pass
            their own).
    """
    registry = CheckRegistry()
    if points is None:
        points = entry_points(group=ENTRY_POINT_GROUP)
    seen: set[str] = set()
    for point in sorted(points, key=lambda p: p.name):
        if point.name in seen:  # the same distribution seen twice on sys.path
            continue
        seen.add(point.name)
        try:
            obj = point.load()
        except Exception as exc:  # a broken plugin must not take the app down
            # the reason is shown in one line; the traceback only with --debug
            log.debug("check plugin %s failed to load", point.name, exc_info=True)
            registry.broken.append(
                BrokenPlugin(point.name, point.value, f"failed to import: {exc}")
            )
            continue
        registry.add(point.name, point.value, obj)
    return registry
