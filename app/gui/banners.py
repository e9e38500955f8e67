"""The verdict banner (ready / not ready / incomplete) and the message bar for errors.

Errors a user can act on (a bad spec file, no microphone, offline) are shown here in
plain words — never as a dialog full of traceback, never as a crash.
"""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt
from PySide6.QtGui import QAccessible, QAccessibleAnnouncementEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

from deskready.checks.i18n import _
from deskready.format import join_sentences
from deskready.gui.theme import banner_colors, status_color, theme_changed


class VerdictBanner(QFrame):
    """A coloured strip with the one sentence the agent came for."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("verdict")
        self.kind = "idle"
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setTextFormat(Qt.TextFormat.RichText)
        self.label.setAccessibleName(_("Overall result"))
        self.setAccessibleName(_("Overall result"))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(14, 10, 14, 10)
        layout.addWidget(self.label)
        self.show_idle(_("Choose your employer, then press Start."))
        theme_changed().connect(self._restyle)

    def show_idle(self, text: str) -> None:
        self._show("idle", text)

    def show_running(self, text: str) -> None:
        self._show("running", text)

    def show_verdict(self, verdict: str, interrupted: bool = False, partial: bool = False) -> None:
        from deskready.outcomes import partial_notice, verdict_sentence

        text = verdict_sentence(verdict, partial=partial)
        if partial:
            text = join_sentences([text, partial_notice()])
        if interrupted:
            text = join_sentences(
                [text, _("The run was cancelled; this covers only what finished.")]
            )
        self._show(verdict, text)
        announce(self.label, text)

    def _show(self, kind: str, text: str) -> None:
        self.kind = kind
        self._text = text
        self._restyle()

    def _restyle(self) -> None:
        bg, fg = banner_colors(self.kind)
        self.setStyleSheet(
            f"QFrame#verdict {{ background: {bg.name()}; border-radius: 6px; }}"
            f" QFrame#verdict QLabel {{ color: {fg.name()}; }}"
        )
        weight = "600" if self.kind in ("ready", "not_ready", "incomplete") else "400"
        # Rich text for the size and weight only: the sentence may carry an employer's
        # name from the spec, which is data (escaped), never markup.
        self.label.setText(
            f'<span style="font-size: 12pt; font-weight: {weight}">{escape(self._text)}</span>'
        )
        self.label.setAccessibleDescription(self._text)

    def text(self) -> str:
        return self._text


def announce(widget: QWidget, text: str) -> None:
    """Tell screen readers about ``text`` now (the verdict the agent waited for).

    The name change alone is read only when the label has focus; the announcement event
    (Qt 6.8+, assertive) makes assistive technology speak it wherever focus is.
    """
    widget.setAccessibleName(_("Overall result: {verdict}").format(verdict=text))
    event = QAccessibleAnnouncementEvent(widget, text)
    event.setPoliteness(QAccessible.AnnouncementPoliteness.Assertive)
    QAccessible.updateAccessibility(event)


class MessageBar(QFrame):
    """A dismissable message above the checks (errors and notices)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("message")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.label = QLabel()
        self.label.setWordWrap(True)
        # Messages quote file names, spec texts and error reasons: plain text, so a "<b>"
        # in them is shown as written, not rendered.
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.label.setAccessibleName(_("Message"))
        self.close_button = QPushButton(_("Dismiss"))
        self.close_button.setAccessibleName(_("Dismiss this message"))
        self.close_button.clicked.connect(self.hide)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 8, 8, 8)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.close_button, 0, Qt.AlignmentFlag.AlignTop)
        self.hide()

    def show_message(self, text: str, kind: str = "fail") -> None:
        color = status_color(kind).name()
        self.setStyleSheet(f"QFrame#message {{ border: 2px solid {color}; border-radius: 6px; }}")
        self.label.setText(text)
        self.label.setAccessibleDescription(text)
        self.show()

    def text(self) -> str:
        return self.label.text()
