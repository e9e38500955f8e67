"""The first page: who the employer is, who the agent is, and one *Start* button.

It holds the :class:`~deskready.gui.profile_bar.ProfileBar` (a bundled profile, a spec
file, or the employer's hub code or link; name and agent ID) and says what the run will
do, step by step, before the agent starts it.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QPushButton, QSizePolicy, QVBoxLayout, QWidget

from deskready.checks.i18n import _, ngettext
from deskready.format import join_sentences, list_separator
from deskready.gui.plain_label import plain_label
from deskready.gui.profile_bar import ProfileBar
from deskready.gui.steps import Step


class StartPage(QWidget):
    """Heading, what happens, the profile bar and *Start* (the window's run button)."""

    def __init__(
        self, profile_bar: ProfileBar, start_button: QPushButton, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.heading = plain_label(_("Is your home office ready for work?"), bold=True, scale=1.6)
        self.intro = plain_label(
            _(
                "deskready checks your computer, internet connection and headset against "
                "your employer's requirements. Choose your employer, then press Start; "
                "the check tells you at each step what to do."
            )
        )
        self.plan = plain_label()  # step names come from checks
        self.plan.setAccessibleName(_("The steps of the check"))
        self.start_button = start_button
        start_button.setAutoDefault(True)  # Enter on the focused button starts, as Space does
        start_button.setMinimumHeight(40)
        start_button.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        font = QFont(start_button.font())
        font.setPointSizeF(font.pointSizeF() * 1.2)
        font.setBold(True)
        start_button.setFont(font)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        layout.setSpacing(10)
        layout.addWidget(self.heading)
        layout.addWidget(self.intro)
        layout.addSpacing(6)
        layout.addWidget(profile_bar)
        layout.addSpacing(6)
        layout.addWidget(self.plan)
        layout.addWidget(start_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addStretch(1)

    def show_steps(self, steps: Sequence[Step]) -> None:
        """Say which steps a run of this plan goes through."""
        names = list_separator().join(step.title() for step in steps)
        text = ngettext(
            "The check goes through {n} step: {names}, then your results.",
            "The check goes through {n} steps: {names}, then your results.",
            len(steps),
        ).format(n=len(steps), names=names)
        if any(step.gate for step in steps):
            text = join_sentences([text, _("Keep your headset at hand: one step needs it.")])
        self.plan.setText(text)
