"""The top of the window: which employer profile to check against, and who the agent is.

The list holds the bundled profiles and the spec files opened recently
(:mod:`deskready.gui.recent`); :func:`plan_profile` turns a choice into a planned
:class:`~deskready.session.Session`. The *Employer code* field takes the code or link of an
employer's hub instead (:mod:`deskready.gui.hub_join` joins it); while a hub's spec is in
use the list is disabled and *Leave* returns to it. The bar only picks; the window decides
what a new plan means for the rest of it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QGridLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from deskready.checks.i18n import _
from deskready.gui.icons import icon
from deskready.gui.recent import recent_files, remember

if TYPE_CHECKING:
    from deskready.registry import CheckRegistry
    from deskready.session import Session


class ProfileError(Exception):
    """The profile could not be planned; the message lists every problem, for the agent."""


def plan_profile(name_or_path: str | None, registry: CheckRegistry) -> Session:
    """A session over the checks a bundled profile or spec file asks for.

    Raises:
        ProfileError: the spec has mistakes, does not exist, or names no installed check.
    """
    # Imported here: pydantic and the spec modules load after the window's first paint.
    from deskready.profiles import load_profile
    from deskready.session import PlanError, Session, select_checks
    from deskready.spec import SpecError

    try:
        spec = load_profile(name_or_path, registry)
        checks = select_checks(spec, registry)
    except (SpecError, PlanError) as exc:
        raise ProfileError(str(exc)) from None
    return Session(spec, registry, checks, agent=None)


class ProfileBar(QWidget):
    """Profile chooser, *Open spec file…*, and the optional name and agent ID."""

    #: the agent picked an entry of the list: a bundled profile's name or a recent spec's path
    chosen = Signal(str)
    #: the agent entered an employer code or link (Enter or Join)
    code_entered = Signal(str)
    #: the agent pressed Leave: back from the employer's hub to the profiles
    leave_requested = Signal()

    def __init__(self, settings: QSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.profile_combo = QComboBox()
        self.profile_combo.setAccessibleName(_("Employer profile"))
        self.profile_combo.setMinimumContentsLength(24)
        self.profile_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.profile_combo.activated.connect(self._on_activated)
        self.open_button = QPushButton(_("&Open spec file…"))
        self.open_button.setAccessibleName(_("Open an employer spec file"))
        self.agent_name = QLineEdit(str(settings.value("agent/name", "") or ""))
        self.agent_name.setAccessibleName(_("Your name (optional)"))
        self.agent_name.setPlaceholderText(_("optional"))
        self.agent_id = QLineEdit(str(settings.value("agent/id", "") or ""))
        self.agent_id.setAccessibleName(_("Agent ID (optional)"))
        self.agent_id.setPlaceholderText(_("optional"))
        self.code = QLineEdit()
        self.code.setAccessibleName(_("Employer code"))
        self.code.setPlaceholderText(_("Code or link from your employer"))
        self.code.returnPressed.connect(self._on_join_pressed)
        self.join_button = QPushButton(_("Join"))
        self.join_button.setAccessibleName(_("Join your employer's hub with this code"))
        self.join_button.clicked.connect(self._on_join_pressed)
        #: the employer's hub whose spec is in use (its name), None for a profile
        self.hub_name: str | None = None
        self._own_agent_id = ""  # what the ID field held before a hub's invite filled it

        top = QGridLayout(self)
        top.setContentsMargins(0, 0, 0, 0)  # the window's layout gives the margins
        profile_label = QLabel(_("Employer &profile:"))
        profile_label.setBuddy(self.profile_combo)
        top.addWidget(profile_label, 0, 0)
        top.addWidget(self.profile_combo, 0, 1, 1, 3)
        top.addWidget(self.open_button, 0, 4)
        code_label = QLabel(_("E&mployer code:"))
        code_label.setBuddy(self.code)
        top.addWidget(code_label, 1, 0)
        top.addWidget(self.code, 1, 1, 1, 3)
        top.addWidget(self.join_button, 1, 4)
        name_label = QLabel(_("Your &name:"))
        name_label.setBuddy(self.agent_name)
        id_label = QLabel(_("Agent &ID:"))
        id_label.setBuddy(self.agent_id)
        top.addWidget(name_label, 2, 0)
        top.addWidget(self.agent_name, 2, 1)
        top.addWidget(id_label, 2, 2)
        top.addWidget(self.agent_id, 2, 3, 1, 2)
        top.setColumnStretch(1, 2)
        top.setColumnStretch(3, 1)

    def fill(self) -> None:
        """List the bundled profiles, then the recent spec files that still exist."""
        from deskready.profiles import bundled_profiles

        combo = self.profile_combo
        combo.clear()
        for profile in bundled_profiles():
            combo.addItem(f"{profile.employer} ({profile.name})", profile.name)
        recent = recent_files(self.settings)
        if recent:
            combo.insertSeparator(combo.count())
            for path in recent:
                combo.addItem(icon("system"), Path(path).name, path)
                combo.setItemData(combo.count() - 1, path, Qt.ItemDataRole.ToolTipRole)

    def current(self) -> str | None:
        """The profile the list shows now (None before it is filled)."""
        value = self.profile_combo.currentData()
        return str(value) if value else None

    def show_chosen(self, name_or_path: str | None) -> None:
        """Show the planned profile as selected; a spec file also goes into the recent files."""
        if name_or_path and not Path(name_or_path).suffix:
            self._select(name_or_path)
        elif name_or_path:  # a spec file (e.g. from --profile): show it, remember it
            remember(self.settings, name_or_path)
            self.fill()
            self._select(str(Path(name_or_path).expanduser().resolve()))

    def ask_for_spec_file(self) -> str | None:
        """The spec file the agent picks in a file dialog (None: they cancelled)."""
        path, _filter = QFileDialog.getOpenFileName(
            self,
            _("Open employer spec file"),
            str(Path.home()),
            _("Employer spec (*.toml);;All files (*)"),
        )
        return path or None

    def agent(self) -> dict[str, str] | None:
        """Name and ID as typed (remembered for next time); None when both are empty."""
        name, agent_id = self.agent_name.text().strip(), self.agent_id.text().strip()
        self.settings.setValue("agent/name", name)
        self.settings.setValue("agent/id", agent_id)
        agent = {k: v for k, v in (("name", name), ("id", agent_id)) if v}
        return agent or None

    def agent_name_text(self) -> str | None:
        """The name as typed (remembered for next time); None when empty."""
        name = self.agent_name.text().strip()
        self.settings.setValue("agent/name", name)
        return name or None

    def take_over(self, old: ProfileBar) -> None:
        """Keep what the agent typed in the window this one replaces."""
        self.agent_name.setText(old.agent_name.text())
        if old.hub_name is None:
            self.agent_id.setText(old.agent_id.text())
            self.code.setText(old.code.text())

    def set_choosable(self, choosable: bool, *, joinable: bool | None = None) -> None:
        """No other profile while a run goes on, nor while a hub's spec is in use;
        Join / Leave while nothing runs (``joinable``, default ``choosable``)."""
        on_hub = self.hub_name is not None
        self.profile_combo.setEnabled(choosable and not on_hub)
        self.open_button.setEnabled(choosable and not on_hub)
        self.join_button.setEnabled(choosable if joinable is None else joinable)
        self.code.setReadOnly(on_hub or not (choosable if joinable is None else joinable))

    def show_hub(self, name: str | None, agent_id: str | None = None) -> None:
        """Show that the hub ``name``'s spec is in use (the invite's agent ID with it), or
        with None that the profiles are back."""
        if name is not None and self.hub_name is None:
            self._own_agent_id = self.agent_id.text()
        elif name is None and self.hub_name is not None:
            self.agent_id.setText(self._own_agent_id)
            self.code.clear()
        self.hub_name = name
        if name is not None:
            self.agent_id.setText(agent_id or "")
            self.join_button.setText(_("Lea&ve"))
            self.join_button.setAccessibleName(_("Leave the employer's hub and choose a profile"))
        else:
            self.join_button.setText(_("Join"))
            self.join_button.setAccessibleName(_("Join your employer's hub with this code"))
        # The invite carries the agent ID: it is shown, not typed.
        self.agent_id.setReadOnly(name is not None)

    def _on_join_pressed(self) -> None:
        if self.hub_name is not None:
            if self.sender() is self.join_button:
                self.leave_requested.emit()
            return
        text = self.code.text().strip()
        if text and self.join_button.isEnabled():
            self.code_entered.emit(text)

    def _select(self, value: str) -> None:
        index = self.profile_combo.findData(value)
        if index >= 0:
            self.profile_combo.setCurrentIndex(index)

    def _on_activated(self, index: int) -> None:
        value = self.profile_combo.itemData(index)
        if value:
            self.chosen.emit(str(value))
