"""The About dialog: what deskready is, its version, and the Qt it runs on."""

from __future__ import annotations

import platform

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from deskready import __version__
from deskready.checks.i18n import _
from deskready.gui.icons import app_icon


class AboutDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("About deskready"))
        self.setAccessibleName(self.windowTitle())
        logo = QLabel()
        logo.setPixmap(app_icon().pixmap(72, 72))
        logo.setAccessibleName(_("deskready logo"))
        text = QLabel(
            "<h2>deskready {version}</h2><p>{what}</p><p><small>{tech}</small></p>".format(
                version=__version__,
                what=_(
                    "Checks whether your home office meets your employer's requirements for work-at-home contact-center agents, and writes a report you can send them."
                ),
                tech=_("Python {python}, Qt for Python {qt}").format(
                    python=platform.python_version(), qt=pyside_version
                ),
            )
        )
        text.setWordWrap(True)
        text.setTextFormat(Qt.TextFormat.RichText)
        text.setAccessibleName(_("About deskready"))
        text.setMinimumWidth(360)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        buttons.button(QDialogButtonBox.StandardButton.Close).setAccessibleName(_("Close"))
        top = QHBoxLayout()
        top.addWidget(logo, 0, Qt.AlignmentFlag.AlignTop)
        top.addWidget(text, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(buttons)
