"""What a rebuilt window takes from the one it replaces (after a language switch).

Widgets keep the texts they were given, so a language switch builds a new window
(:mod:`deskready.gui.windows`). The new one continues the old one's run: the same plan
(when the spec is the same), answers, asked questions, typed name and ID, the last saved
file, and the results, judged again so the report reads in the new language.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from deskready.gui.window import MainWindow


def take_over(new: MainWindow, old: MainWindow) -> None:
    """Carry ``old``'s answers and results into ``new``; nothing if the plans differ."""
    mine, theirs = new.controller.session, old.controller.session
    if mine is None or theirs is None or mine.spec.sha256 != theirs.spec.sha256:
        return
    mine.answers.update(theirs.answers)
    new.questions.take_over(old.questions)
    new.saver.take_over(old.saver)
    new.profile_bar.take_over(old.profile_bar)
    new.controller.take_over(old.controller.outcome)
