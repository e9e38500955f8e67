"""Accessibility: names in the accessibility tree, the verdict announced, text contrast."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from PySide6.QtGui import QAccessible, QAccessibleInterface, QColor, QPalette
from PySide6.QtWidgets import QApplication, QWidget

from deskready.gui.questions import AskDialog
from deskready.gui.theme import apply_theme, banner_colors, status_color
from deskready.outcomes import OUTCOME_LOOKS
from tests.gui.conftest import wait_report
from tests.gui.helpers import answer_dialog, auto_answer, preanswer

Role = QAccessible.Role
#: Roles a person operates (the tree's other nodes are text, groups and panes).
INTERACTIVE = {
    Role.PushButton,
    Role.CheckBox,
    Role.RadioButton,
    Role.ComboBox,
    Role.EditableText,
    Role.PageTab,
    Role.PageTabList,
    Role.List,
    Role.Tree,
    Role.ProgressBar,
    Role.Slider,
    Role.SpinBox,
    Role.MenuItem,
    Role.ScrollBar,
}


def walk(iface: QAccessibleInterface, depth: int = 0) -> Iterator[QAccessibleInterface]:
    """Every visible node of the accessibility tree under ``iface`` (bounded depth)."""
    if depth > 40 or not iface.isValid() or iface.state().invisible:
        return
    yield iface
    for index in range(min(iface.childCount(), 500)):
        child = iface.child(index)
        if child is not None:
            yield from walk(child, depth + 1)


def unnamed(widget: QWidget) -> list[str]:
    """Interactive nodes without a name, described for the failure message."""
    root = QAccessible.queryAccessibleInterface(widget)
    assert root is not None
    found = []
    for node in walk(root):
        if node.role() in INTERACTIVE or node.state().focusable:
            if node.role() == Role.ScrollBar and not node.state().focusable:
                continue  # Qt names scroll bars by orientation; they take no focus
            cell = node.tableCellInterface()
            if cell is not None and cell.columnIndex() > 0:
                continue  # a blank value or note cell of a row named by its first cell
            if not node.text(QAccessible.Text.Name).strip():
                obj = node.object()
                where = f"{type(obj).__name__} {obj.objectName()!r}" if obj else "(no object)"
                parent = node.parent()
                owner = parent.text(QAccessible.Text.Name) if parent is not None else ""
                found.append(f"{node.role().name} {where} in {owner!r}")
    return found


def test_every_interactive_node_of_every_page_has_a_name(qtbot, make_window):
    window = make_window()
    window.profile_combo.setFocus()
    pages: dict[str, list[str]] = {"start": unnamed(window)}
    preanswer(window)
    window.run_all()
    qtbot.waitUntil(lambda: window.guided.gate is not None, timeout=5000)
    pages["gate"] = unnamed(window)
    window.guided.ready_button.click()
    qtbot.waitUntil(lambda: isinstance(window._question_dialog, AskDialog), timeout=10000)
    dialog = window._question_dialog
    pages["running"] = unnamed(window)
    pages["question"] = unnamed(dialog)
    answer_dialog(dialog, {"fake.beeps": "3"})
    wait_report(qtbot, window)
    qtbot.wait(20)
    pages["results"] = unnamed(window)
    for index in (1, 2):
        window.tabs.setCurrentIndex(index)
        qtbot.wait(20)
        pages[f"tab {index}"] = unnamed(window)
    assert pages == {name: [] for name in pages}


def test_the_verdict_is_announced_to_screen_readers(qtbot, make_window, monkeypatch):
    events: list[tuple[QAccessible.Event, str]] = []
    original = QAccessible.updateAccessibility

    def spy(event):  # records, then lets Qt deliver it as usual
        message = event.message() if hasattr(event, "message") else ""
        events.append((event.type(), message))
        original(event)

    monkeypatch.setattr(QAccessible, "updateAccessibility", spy)
    window = make_window()
    preanswer(window)
    auto_answer(window, {"fake.beeps": "3"})
    window.run_all()
    report = wait_report(qtbot, window)
    assert report["verdict"] == "not_ready"
    said = [m for kind, m in events if kind == QAccessible.Event.Announcement]
    assert said == [window.banner.text()]
    assert said[0].startswith("NOT READY")
    label = QAccessible.queryAccessibleInterface(window.banner.label)
    assert label is not None
    assert window.banner.text() in label.text(QAccessible.Text.Name)


def contrast(a: QColor, b: QColor) -> float:
    """WCAG 2.x contrast ratio (https://www.w3.org/TR/WCAG21/#dfn-contrast-ratio)."""

    def luminance(c: QColor) -> float:
        def channel(v: float) -> float:
            return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4

        return (
            0.2126 * channel(c.redF()) + 0.7152 * channel(c.greenF()) + 0.0722 * channel(c.blueF())
        )

    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_text_contrast_is_at_least_4_5_to_1(qapp, theme):
    apply_theme(qapp, theme)
    pal = QApplication.palette()
    R = QPalette.ColorRole
    pairs = {
        "window text": (pal.color(R.WindowText), pal.color(R.Window)),
        "text on base": (pal.color(R.Text), pal.color(R.Base)),
        "button text": (pal.color(R.ButtonText), pal.color(R.Button)),
        "selected text": (pal.color(R.HighlightedText), pal.color(R.Highlight)),
    }
    # Outcome words and the "what to do" lines are drawn in the status inks on the window
    # and on the list's base; the banner in its own pair per verdict.
    for outcome in OUTCOME_LOOKS:
        for role in (R.Window, R.Base):
            pairs[f"{outcome} ink on {role.name}"] = (status_color(outcome), pal.color(role))
    for kind in ("ready", "not_ready", "incomplete", "idle", "running"):
        bg, fg = banner_colors(kind)
        pairs[f"banner {kind}"] = (fg, bg)
    low = {
        name: round(contrast(fg, bg), 2)
        for name, (fg, bg) in pairs.items()
        if contrast(fg, bg) < 4.5
    }
    assert low == {}
