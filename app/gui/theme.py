"""Light and dark: follow the system's colour scheme, and colours that read on both.

Qt 6.5+ reports the system scheme (``styleHints().colorScheme()``). Native styles on
Windows and macOS repaint by themselves; where the platform theme does not follow (some
Linux desktops, the offscreen platform used by tests) Fusion gets a matching palette.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, Signal, SignalInstance
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

#: Verdict banner (background, text) per theme.
_BANNER = {
    "ready": (("#dafbe1", "#0f5323"), ("#12361f", "#7ee787")),
    "not_ready": (("#ffebe9", "#82071e"), ("#3d1214", "#ffa198")),
    "incomplete": (("#fff8c5", "#6b4500"), ("#3a2d08", "#f2cc60")),
    "idle": (("#eaeef2", "#24292f"), ("#21262d", "#c9d1d9")),
    "running": (("#ddf4ff", "#0a3069"), ("#0c2d4f", "#a5d6ff")),
}


class _ThemeNotifier(QObject):
    changed = Signal()


_notifier: _ThemeNotifier | None = None


def theme_changed() -> SignalInstance:
    """Emitted after the light/dark palette switched. Widgets that colour things
    themselves (banner, outcomes) connect to it: a style sheet on a widget stops it
    from receiving the application's palette-change event reliably."""
    global _notifier
    if _notifier is None:
        _notifier = _ThemeNotifier()
    changed: SignalInstance = _notifier.changed
    return changed


def is_dark(palette: QPalette | None = None) -> bool:
    """True when the palette in use is a dark one."""
    palette = palette or QGuiApplication.palette()
    return palette.color(QPalette.ColorRole.Window).lightness() < 128


def status_color(status: str) -> QColor:
    """Foreground colour for an outcome or status in the current theme."""
    from deskready.outcomes import outcome_look

    look = outcome_look(status)
    return QColor(look.dark_ink if is_dark() else look.ink)


def banner_colors(kind: str) -> tuple[QColor, QColor]:
    """(background, text) of the verdict banner in the current theme."""
    light, dark = _BANNER.get(kind, _BANNER["idle"])
    bg, fg = dark if is_dark() else light
    return QColor(bg), QColor(fg)


def dark_palette() -> QPalette:
    """A dark palette for Fusion, for platforms whose theme does not provide one."""
    p = QPalette()
    window, base, text = QColor("#1f2328"), QColor("#16191d"), QColor("#e6edf3")
    roles = {
        QPalette.ColorRole.Window: window,
        QPalette.ColorRole.WindowText: text,
        QPalette.ColorRole.Base: base,
        QPalette.ColorRole.AlternateBase: QColor("#22272e"),
        QPalette.ColorRole.Text: text,
        QPalette.ColorRole.Button: QColor("#2d333b"),
        QPalette.ColorRole.ButtonText: text,
        QPalette.ColorRole.ToolTipBase: QColor("#2d333b"),
        QPalette.ColorRole.ToolTipText: text,
        QPalette.ColorRole.PlaceholderText: QColor("#8b949e"),
        QPalette.ColorRole.Highlight: QColor("#2f81f7"),
        QPalette.ColorRole.HighlightedText: QColor("#ffffff"),
        QPalette.ColorRole.Link: QColor("#58a6ff"),
        QPalette.ColorRole.Light: QColor("#3d444d"),
        QPalette.ColorRole.Midlight: QColor("#30363d"),
        QPalette.ColorRole.Mid: QColor("#2a3038"),
        QPalette.ColorRole.Dark: QColor("#0d1117"),
        QPalette.ColorRole.Shadow: QColor("#010409"),
    }
    for role, color in roles.items():
        p.setColor(role, color)
    muted = QColor("#6e7681")
    for role in (
        QPalette.ColorRole.WindowText,
        QPalette.ColorRole.Text,
        QPalette.ColorRole.ButtonText,
    ):
        p.setColor(QPalette.ColorGroup.Disabled, role, muted)
    return p


def apply_theme(app: QApplication, choice: str = "system") -> None:
    """Use ``choice`` ("system", "light" or "dark"); with "system", keep following it."""
    hints = app.styleHints()
    app.setProperty("deskready_theme", choice)
    if choice in ("light", "dark"):
        want_dark = choice == "dark"
        # Qt 6.8+: tells native styles too; platforms that cannot switch ignore it.
        hints.setColorScheme(Qt.ColorScheme.Dark if want_dark else Qt.ColorScheme.Light)
    else:
        hints.unsetColorScheme()
        want_dark = hints.colorScheme() == Qt.ColorScheme.Dark
    if is_dark(app.palette()) != want_dark:
        app.setStyle("Fusion")
        app.setPalette(dark_palette() if want_dark else app.style().standardPalette())
        theme_changed().emit()
    if not app.property("deskready_theme_hooked"):
        app.setProperty("deskready_theme_hooked", True)
        hints.colorSchemeChanged.connect(
            lambda _scheme: apply_theme(app, str(app.property("deskready_theme") or "system"))
        )
