"""The guided run on screen: where the run is, and what the agent should do right now.

Left, the steps with their state (done, now, to come); right, "Step 3 of 5 — Audio", the
instruction for this moment in large type (the running check's own message, e.g. the
sentence to read aloud), the live level meter or speed, and the progress. A step with a
gate shows what to do first and an *I'm ready* button; after it a short countdown gives
the agent time to be ready before the microphone records. The view only shows what the
controller reports; the worker waits on the gate, never the GUI thread.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from deskready.checks.i18n import _, ngettext
from deskready.format import format_number
from deskready.gui.live import LevelMeter
from deskready.gui.plain_label import plain_label
from deskready.gui.steps import Step, StepGate

if TYPE_CHECKING:
    from deskready.gui.bridge import Progress

#: Seconds between "I'm ready" and the step's start (time to sit up and face the mic).
COUNTDOWN_S = 3


class GuidedView(QWidget):
    """The page shown while a run goes on."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.countdown_s = COUNTDOWN_S
        self.steps: list[Step] = []
        self.titles: dict[str, str] = {}
        self.current = -1
        self.gate: StepGate | None = None
        self._left = 0
        self._tick = QTimer(self)
        self._tick.setInterval(1000)
        self._tick.timeout.connect(self._count_down)
        self._watch = QTimer(self)  # closes a gate the worker gave up on (Cancel)
        self._watch.setInterval(200)
        self._watch.timeout.connect(self._check_gate)

        self.step_list = QListWidget()
        self.step_list.setAccessibleName(_("Steps of the check"))
        self.step_list.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # an overview, not a control
        self.step_list.setSelectionMode(QListWidget.SelectionMode.NoSelection)
        self.step_list.setMaximumWidth(240)
        self.step_list.setSpacing(3)
        self.step_list.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Expanding)
        self.heading = plain_label(scale=1.5, bold=True)
        self.heading.setAccessibleName(_("Current step"))
        self.note = plain_label()
        self.check_title = plain_label(bold=True)
        self.instruction = plain_label(scale=1.35)
        self.instruction.setAccessibleName(_("What to do now"))
        self.instruction.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.meter = LevelMeter()
        self.meter.setMinimumHeight(22)
        self.meter.hide()
        #: says what the bar is (it looks like the progress bar below it otherwise)
        self.meter_caption = plain_label(_("Your voice level (aim for the middle):"))
        self.meter_caption.setWordWrap(False)  # one short line; wrapping left a gap below it
        self.meter_caption.hide()
        self.live = plain_label(scale=1.2, bold=True)
        self.live.setAccessibleName(_("Live value"))
        self.live.hide()
        self.progress = QProgressBar()
        self.progress.setAccessibleName(_("Progress of this step"))
        self.progress.setTextVisible(False)
        self.ready_button = QPushButton(_("I'm &ready"))
        self.ready_button.setAccessibleName(_("I'm ready: start this step"))
        self.ready_button.setAutoDefault(True)  # Enter presses it, as Space does
        self.ready_button.setMinimumHeight(36)
        bold = QFont(self.ready_button.font())
        bold.setBold(True)
        self.ready_button.setFont(bold)
        self.ready_button.clicked.connect(self._on_ready)
        self.ready_button.hide()
        self.countdown = plain_label(scale=1.35, bold=True)
        self.countdown.setAccessibleName(_("Countdown"))
        # One short line beside the button: wrapping in the row's narrow width hint broke
        # "Start in 1 / Sekunde…" over two lines with the whole row free beside it.
        self.countdown.setWordWrap(False)
        self.countdown.hide()

        card = QVBoxLayout()
        card.setSpacing(10)
        card.addWidget(self.heading)
        card.addWidget(self.note)
        card.addSpacing(8)
        card.addWidget(self.check_title)
        card.addWidget(self.instruction)
        level = QVBoxLayout()  # the caption right above its meter
        level.setSpacing(2)
        level.addWidget(self.meter_caption)
        level.addWidget(self.meter)
        card.addLayout(level)
        card.addWidget(self.live)
        card.addWidget(self.progress)
        buttons = QHBoxLayout()
        buttons.addWidget(self.ready_button)
        buttons.addWidget(self.countdown)
        buttons.addStretch(1)  # the button keeps its size whether the countdown shows or not
        card.addLayout(buttons)
        card.addStretch(1)
        layout = QHBoxLayout(self)
        layout.addWidget(self.step_list)
        layout.addSpacing(12)
        layout.addLayout(card, 1)

    # -- the plan ------------------------------------------------------------------------
    def show_steps(self, steps: Sequence[Step], titles: Mapping[str, str]) -> None:
        """A new run: every step to come, none started."""
        self._end_gate()
        self.steps, self.titles, self.current = list(steps), dict(titles), -1
        self.step_list.clear()
        for _index in range(self.total()):  # the steps, then the results
            self.step_list.addItem(QListWidgetItem())
        self._label_steps()
        self.heading.setText(_("Getting ready…"))
        self.note.setText("")
        self._clear_check()

    def total(self) -> int:
        """Steps shown, the results included."""
        return len(self.steps) + 1

    def step_text(self, index: int) -> str:
        """ "Step 3 of 5 — Audio" for the step at ``index`` (0-based)."""
        name = self.steps[index].title() if index < len(self.steps) else _("Results")
        return _("Step {n} of {total} — {name}").format(n=index + 1, total=self.total(), name=name)

    def _label_steps(self) -> None:
        for index in range(self.step_list.count()):
            item = self.step_list.item(index)
            name = self.steps[index].title() if index < len(self.steps) else _("Results")
            if index < self.current:
                mark, state = "✓", _("done")
            elif index == self.current:
                mark, state = "▶", _("now")
            else:
                mark, state = "○", _("to come")
            item.setText(f"{mark}  {index + 1}. {name}")
            item.setData(Qt.ItemDataRole.AccessibleTextRole, f"{index + 1}. {name}: {state}")
            font = QFont(self.step_list.font())
            font.setBold(index == self.current)
            item.setFont(font)

    def step_started(self, index: int) -> None:
        self._end_gate()
        self.current = index
        self._label_steps()
        step = self.steps[index]
        self.heading.setText(self.step_text(index))
        self.note.setText(step.note())
        self._clear_check()

    def _clear_check(self) -> None:
        self.progress.show()
        self.check_title.setText("")
        self.check_title.hide()  # no empty line above the instruction
        self.instruction.setText("")
        self.meter_caption.hide()
        self.meter.hide()
        self.live.hide()
        self.progress.setRange(0, 0)

    # -- the running check ---------------------------------------------------------------
    def check_started(self, check_id: str) -> None:
        self.check_title.setText(self.titles.get(check_id, check_id))
        self.check_title.show()
        self.instruction.setText(_("Running…"))
        self.meter_caption.hide()
        self.meter.hide()
        self.live.hide()
        self.progress.setRange(0, 0)

    def check_progressed(self, check_id: str, progress: Progress) -> None:
        if self.gate is not None:
            return
        self.check_title.setText(self.titles.get(check_id, check_id))
        self.check_title.show()
        if progress.message:
            self.instruction.setText(progress.message)
        if progress.fraction is None:
            self.progress.setRange(0, 0)
        else:
            self.progress.setRange(0, 1000)
            self.progress.setValue(round(progress.fraction * 1000))
        if not progress.live:
            return
        latest = progress.live[-1]
        if "dbfs" in latest:
            self.meter_caption.show()
            self.meter.show()
            self.meter.set_level(latest["dbfs"])
        if "mbps" in latest:
            self.live.setText(f"{format_number(round(latest['mbps'], 1))} Mbps")
            self.live.show()
        elif "rtt_ms" in latest:
            self.live.setText(_("{ms} ms").format(ms=round(latest["rtt_ms"])))
            self.live.show()

    def run_over(self) -> None:
        """The run ended (judged, failed or cancelled): the results are the step now."""
        self._end_gate()
        self.current = len(self.steps)
        self._label_steps()

    # -- the gate ------------------------------------------------------------------------
    def show_gate(self, gate: StepGate) -> None:
        """A step waits for the agent: say what to do, offer *I'm ready*."""
        self._end_gate()
        self.gate = gate
        self.current = gate.index
        self._label_steps()
        self.heading.setText(self.step_text(gate.index))
        self.note.setText(_("Before this step:"))
        self._clear_check()
        self.progress.hide()  # nothing runs until the agent is ready
        self.instruction.setText(_(gate.step.gate) if gate.step.gate else "")
        self.ready_button.show()
        self.ready_button.setEnabled(True)
        self.ready_button.setFocus(Qt.FocusReason.OtherFocusReason)
        self._watch.start()

    def _on_ready(self) -> None:
        if self.gate is None:
            return
        self.ready_button.setEnabled(False)
        self._left = self.countdown_s
        if self._left <= 0:
            self._release(True)
            return
        self._show_count()
        self.countdown.show()
        self._tick.start()

    def _count_down(self) -> None:
        self._left -= 1
        if self._left <= 0:
            self._release(True)
        else:
            self._show_count()

    def _show_count(self) -> None:
        self.countdown.setText(
            ngettext("Starting in {n} second…", "Starting in {n} seconds…", self._left).format(
                n=self._left
            )
        )

    def _release(self, go: bool) -> None:
        gate = self.gate
        self._end_gate()
        if gate is not None and not gate.done.is_set():
            gate.release(go)

    def _check_gate(self) -> None:
        if self.gate is not None and self.gate.done.is_set():
            self._end_gate()

    def _end_gate(self) -> None:
        self.gate = None
        self._tick.stop()
        self._watch.stop()
        self.ready_button.hide()
        self.countdown.hide()
