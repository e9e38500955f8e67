"""The guided run's steps: the plan cut into what the agent sees one at a time.

A run of every check is long and some of it needs the agent (a headset on, a sentence read
aloud, beeps counted). The window therefore runs the plan *step by step*, one category at
a time in plan order, and says at each step what is happening and what to do. A step
whose checks need the agent's hands first has a *gate*: the run waits (the worker thread,
never the GUI) until the agent says they are ready. This module only decides the steps; it
has no widgets, so it is tested without a window.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass, field

from deskready.checks.api import Category, Check
from deskready.checks.i18n import N_, _

#: What the agent must do before a step's checks can start; the run waits for "I'm ready".
#: Only audio needs it: the headset must be on before beeps play and the voice is recorded.
GATES: dict[Category, str] = {
    Category.AUDIO: N_(
        "Put on your headset now and plug it in. The next checks play beeps in it, "
        "record you reading a sentence aloud and listen to your room."
    ),
}

#: What happens during a step, shown until a check says something more precise.
NOTES: dict[Category, str] = {
    Category.SYSTEM: N_("Looking at your computer. Nothing to do for you."),
    Category.NETWORK: N_(
        "Measuring your internet connection. Please pause downloads, streaming and "
        "video calls until this step is done."
    ),
    Category.AUDIO: N_("Follow the instructions below as they appear."),
    Category.PHONE: N_("Recording what you told us about your phone."),
    Category.WORKSPACE: N_("Recording what you told us about your workspace."),
    Category.DISPLAY: N_("Counting your screens and their resolution."),
}

#: A gate nobody answers is given up after this long (the run then counts as cancelled).
GATE_TIMEOUT_S = 600.0


@dataclass(frozen=True)
class Step:
    """One step: a category's checks, in plan order."""

    category: Category
    check_ids: tuple[str, ...]
    #: what to do before the step starts (N_-marked), None when nothing is needed
    gate: str | None = None

    def title(self) -> str:
        """The step's name as the agent reads it ("Network")."""
        return self.category.label()

    def note(self) -> str:
        """What happens during the step, translated."""
        text = NOTES.get(self.category)
        return _(text) if text else ""


def plan_steps(checks: Iterable[type[Check]], *, gates: bool = True) -> list[Step]:
    """The steps for running ``checks``: one per category, in the order categories first
    appear; with ``gates`` False (a re-run after a fix) no step waits for the agent."""
    order: list[Category] = []
    members: dict[Category, list[str]] = {}
    for check in checks:
        if check.category not in members:
            order.append(check.category)
            members[check.category] = []
        members[check.category].append(check.id)
    return [
        Step(category, tuple(members[category]), GATES.get(category) if gates else None)
        for category in order
    ]


@dataclass
class StepGate:
    """A step waiting for the agent; the worker thread waits on ``done``.

    ``go`` is True once the agent said they are ready; released without ``go`` (Cancel,
    the window closing, nobody answering) the run stops there.
    """

    index: int
    step: Step
    done: threading.Event = field(default_factory=threading.Event)
    go: bool = False

    def release(self, go: bool) -> None:
        """Called on the GUI thread: go on (True) or stop the run (False)."""
        self.go = go
        self.done.set()

    def wait(self, cancelled: threading.Event, timeout_s: float = GATE_TIMEOUT_S) -> bool:
        """Worker thread: wait (bounded) for the agent; True to go on."""
        waited = 0.0
        while not self.done.wait(0.1):
            waited += 0.1
            if cancelled.is_set() or waited >= timeout_s:
                self.release(False)
        return self.go and not cancelled.is_set()
