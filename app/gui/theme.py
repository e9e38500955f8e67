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


#: WCAG 2.x minimum contrast for normal text (https://www.w3.org/TR/WCAG21/#contrast-minimum).
MIN_CONTRAST = 4.5


def contrast(a: QColor, b: QColor) -> float:
    """WCAG contrast ratio of two colours (1 to 21)."""

    def luminance(c: QColor) -> float:
        def channel(v: float) -> float:
            return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4

        r, g, b = channel(c.redF()), channel(c.greenF()), channel(c.blueF())
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def readable(ink: QColor, background: QColor, minimum: float = MIN_CONTRAST) -> QColor:
    """``ink``, darkened (on a light background) or lightened (on a dark one) just enough
    to read at ``minimum`` contrast. The status inks are chosen for white and for our dark
    palette; a platform's window grey (Fusion's #efefef, Windows' #f0f0f0) is darker than
    white, so a few would fall just short of 4.5:1 there."""
    color = QColor(ink)
    lighten = background.lightness() < 128
    for _step in range(40):  # bounded: 40 steps of 3 % reach black or white from anywhere
        if contrast(color, background) >= minimum:
            break
        color = color.lighter(103) if lighten else color.darker(103)
        if lighten and color.lightness() >= 250:
            color = QColor("#ffffff")
    return color


def status_color(status: str, background: QColor | None = None) -> QColor:
    """Foreground colour for an outcome or status in the current theme, readable on
    ``background`` (default: the window's)."""
    from deskready.outcomes import outcome_look

    look = outcome_look(status)
    palette = QGuiApplication.palette()
    ink = QColor(look.dark_ink if is_dark(palette) else look.ink)
    return readable(ink, background or palette.color(QPalette.ColorRole.Window))


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
        QPalette.ColorRole.Highlight: QColor("#1f6feb"),  # 4.6:1 with white text
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


def _readable_selection(app: QApplication) -> None:
    """Selected text must read on the selection colour too (Fusion's light #308cc6 with
    white is 3.7:1): darken the highlight where the platform's is too light."""
    palette = app.palette()
    role, text = QPalette.ColorRole.Highlight, QPalette.ColorRole.HighlightedText
    highlight, selected = palette.color(role), palette.color(text)
    if contrast(selected, highlight) >= MIN_CONTRAST:
        return
    better = QColor(highlight)
    for _step in range(40):
        if contrast(selected, better) >= MIN_CONTRAST:
            break
        better = better.darker(104) if selected.lightness() >= 128 else better.lighter(104)
    palette.setColor(role, better)
    app.setPalette(palette)


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
    _readable_selection(app)
    if not app.property("deskready_theme_hooked"):
        app.setProperty("deskready_theme_hooked", True)
        hints.colorSchemeChanged.connect(
            lambda _scheme: apply_theme(app, str(app.property("deskready_theme") or "system"))
        )
