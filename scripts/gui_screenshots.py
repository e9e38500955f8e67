"""Screenshots of the guided run for docs/gui.md: every page, three languages, two themes.

Each (language, theme, scale) is one fresh process (Qt's scale factor and language are set
before the application exists) under Xvfb when it is installed (a real X11 window: dialogs
are composited over the window as the agent sees them), else offscreen. The checks are
*showcase* stand-ins with the real checks' ids, metrics, titles and messages, so every text
is the translated one, but they finish in seconds and always find the same things: a slow
download (fails), a busy-line delay (a recommendation), no headset (could not check).

    .venv/bin/python scripts/gui_screenshots.py [--out build/gui-screenshots] [--docs]

``--docs`` also copies the set docs/gui.md shows into docs/images/.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from deskready.registry import CheckRegistry

ROOT = Path(__file__).resolve().parents[1]

#: (language, theme, scale) -> the pages copied into docs/images (all are written to --out)
FULL = ("start", "step-computer", "step-network", "step-gate", "step-microphone", "beeps")
FULL += ("results", "checks")
DOCS: dict[tuple[str, str, int], tuple[str, ...]] = {
    ("en", "light", 1): FULL,
    ("en", "dark", 1): ("start", "results"),
    ("de", "light", 1): FULL,
    ("de", "dark", 1): ("start", "step-gate", "results"),
    ("ja", "light", 1): FULL,
    ("ja", "dark", 1): ("start", "step-gate", "results"),
    ("en", "light", 2): ("results",),
}

SPEC = """
[employer]
name = "Example Contact Center"
contact = "it-support@example.com"
spec_version = "2026.1"

[rules."memory.total_gb"]
min = 2

[rules."cpu.logical_cores"]
min = 1

[rules."network.download_mbps"]
min = 10

[rules."network.upload_mbps"]
min = 3

[rules."network.loaded_rtt_ms"]
max = 100
severity = "recommended"

[rules."headset.present"]
equals = true

[rules."microphone.speech_dbfs"]
min = -40

[rules."speaker.confirmed"]
equals = true

[rules."phone.kind"]
one_of = ["corded", "usb_handset", "softphone_only"]
"""


def showcase_registry() -> CheckRegistry:
    """Real system and phone checks; stand-ins for network and audio (see the docstring)."""
    import time as clock

    from deskready.checks.api import CheckContext, CheckFailed, Measurements
    from deskready.checks.audio.headset_check import HeadsetCheck
    from deskready.checks.audio.microphone_check import SENTENCE, MicrophoneCheck
    from deskready.checks.audio.speaker_check import QUESTION, SpeakerCheck
    from deskready.checks.i18n import _
    from deskready.checks.network.bandwidth_check import BandwidthCheck
    from deskready.checks.phone.phone_check import PhoneCheck
    from deskready.checks.system.cpu_check import CpuCheck
    from deskready.checks.system.memory_check import MemoryCheck
    from deskready.registry import CheckRegistry

    class Bandwidth(BandwidthCheck):
        def run(self, ctx: CheckContext) -> Measurements:
            for i in range(40):
                ctx.raise_if_cancelled()
                ctx.progress((i + 1) / 40, _("Download"), mbps=6.0 + i * 0.06)
                clock.sleep(0.05)
            return Measurements(
                {
                    "network.download_mbps": 8.4,
                    "network.upload_mbps": 4.8,
                    "network.loaded_rtt_ms": 180.0,
                }
            )

    class Memory(MemoryCheck):  # the real check, slowed so the step can be seen
        def run(self, ctx: CheckContext) -> Measurements:
            clock.sleep(1.2)
            return super().run(ctx)

    class Headset(HeadsetCheck):
        def run(self, ctx: CheckContext) -> Measurements:
            raise CheckFailed(
                _(
                    "No headset was found. Plug in the headset your employer asked for and "
                    "choose it as the microphone in your sound settings."
                )
            )

    class Microphone(MicrophoneCheck):
        def run(self, ctx: CheckContext) -> Measurements:
            prompt = _("Please read aloud: \u201c{sentence}\u201d").format(sentence=_(SENTENCE))
            for i in range(60):
                ctx.raise_if_cancelled()
                ctx.progress((i + 1) / 60, prompt, dbfs=-30 + 8 * ((i % 7) / 7))
                clock.sleep(0.05)
            return Measurements(
                {
                    "microphone.speech_dbfs": -23.0,
                    "microphone.peak_dbfs": -6.0,
                    "microphone.clipping_pct": 0.0,
                    "microphone.snr_db": 31.0,
                }
            )

    class Speaker(SpeakerCheck):
        def run(self, ctx: CheckContext) -> Measurements:
            ctx.progress(None, _("Listen: we are playing some short beeps in your headset."))
            clock.sleep(0.5)
            answer = ctx.ask(QUESTION)
            heard = None if answer is None else answer.value
            return Measurements({"speaker.confirmed": heard == 3})

    registry = CheckRegistry()
    for check in (CpuCheck, Memory, Bandwidth, Headset, Microphone, Speaker, PhoneCheck):
        registry.add(check.id, f"showcase:{check.__name__}", check)
    return registry


def shoot_one(language: str, theme: str, out: Path) -> None:
    """In this process: run the showcase in ``language`` / ``theme`` and save each page."""
    from PySide6.QtCore import QSettings, QTimer
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtWidgets import QApplication, QWidget

    from deskready.gui.language import apply_language
    from deskready.gui.main import create_app
    from deskready.gui.theme import apply_theme
    from deskready.gui.window import MainWindow

    app = create_app([])
    apply_language(language)
    apply_theme(app, theme)
    tmp = Path(tempfile.mkdtemp(prefix="deskready-shots-"))
    spec = tmp / "example-contact-center.toml"
    spec.write_text(SPEC, encoding="utf-8")
    settings = QSettings(str(tmp / "s.ini"), QSettings.Format.IniFormat)
    window = MainWindow(registry=showcase_registry(), settings=settings)
    window.guided.countdown_s = 2
    window.resize(1000, 720)
    window.show()
    assert window.open_spec_file(str(spec))
    window.agent_name.setText("Alex Example")
    window.agent_id.setText("A-1042")
    out.mkdir(parents=True, exist_ok=True)
    taken: set[str] = set()
    xcb = QGuiApplication.platformName() == "xcb"

    def save(name: str, widget: QWidget | None = None) -> None:
        if name in taken:
            return
        taken.add(name)
        QApplication.processEvents()
        target = widget or window
        if xcb and widget is None:  # the screen: dialogs over the window included
            screen = window.screen()
            geo = window.frameGeometry()
            pixmap = screen.grabWindow(0, geo.x(), geo.y(), geo.width(), geo.height())
        else:
            pixmap = target.grab()
        pixmap.save(str(out / f"gui-{language}-{theme}-{name}.png"))

    def later(ms: int, name: str) -> None:
        QTimer.singleShot(ms, lambda: save(name))

    step_shots = {0: (500, "step-computer"), 1: (700, "step-network")}
    window.controller.step_started.connect(
        lambda i: later(*step_shots[i]) if i in step_shots else None
    )

    def on_gate(_gate: object) -> None:
        later(150, "step-gate")
        QTimer.singleShot(400, window.guided.ready_button.click)
        QTimer.singleShot(1500, lambda: save("step-gate-countdown"))

    window.controller.gate_reached.connect(on_gate)

    def on_progress(check_id: str, _progress: object) -> None:
        if check_id == "microphone" and window.guided.meter.isVisible():
            later(300, "step-microphone")

    window.controller.check_progressed.connect(on_progress)

    def on_question(_request: object) -> None:
        def answer() -> None:
            save("beeps")
            dialog = window._question_dialog
            if dialog is not None:
                dialog.fields[0].set_raw("3")
                dialog.buttons.accepted.emit()

        QTimer.singleShot(400, answer)

    window.controller.question_asked.connect(on_question)

    def on_report(_report: object) -> None:
        def finish() -> None:
            save("results")
            window.tabs.setCurrentIndex(1)
            window.rows["bandwidth"].setFocus()
            QTimer.singleShot(200, lambda: (save("checks"), app.quit()))

        QTimer.singleShot(400, finish)

    window.controller.report_ready.connect(on_report)

    def start() -> None:
        save("start")
        window.run_all()  # the phone question comes first, in its dialog

        def before() -> None:
            dialog = window._question_dialog
            if dialog is None:
                return
            save("questions")
            for field in dialog.fields:
                field.set_raw({"phone.kind": "corded"}.get(field.question.id, "landline"))
            dialog.buttons.accepted.emit()

        QTimer.singleShot(500, before)

    QTimer.singleShot(600, start)
    QTimer.singleShot(60000, app.quit)  # bounded, whatever happens
    app.exec()


@contextlib.contextmanager
def display() -> Iterator[dict[str, str]]:
    """An Xvfb display for the children when Xvfb is installed, else offscreen."""
    env = dict(os.environ)
    if not shutil.which("Xvfb"):
        env["QT_QPA_PLATFORM"] = "offscreen"
        yield env
        return
    number = 90 + os.getpid() % 9
    server = subprocess.Popen(
        ["Xvfb", f":{number}", "-screen", "0", "2200x1600x24", "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        time.sleep(0.8)
        env.update(DISPLAY=f":{number}", QT_QPA_PLATFORM="xcb")
        yield env
    finally:
        server.terminate()
        server.wait(5)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "gui-screenshots")
    parser.add_argument("--docs", action="store_true", help="copy the docs set to docs/images")
    parser.add_argument("--one", nargs=2, metavar=("LANG", "THEME"), help=argparse.SUPPRESS)
    parser.add_argument("--only", help="only this language (e.g. en)")
    args = parser.parse_args()
    if args.one:
        shoot_one(args.one[0], args.one[1], args.out)
        return 0
    with display() as env:
        for language, theme, scale in DOCS:
            if args.only and language != args.only:
                continue
            out = args.out / (f"x{scale}" if scale != 1 else "")
            child = dict(env, QT_SCALE_FACTOR=str(scale), XDG_CONFIG_HOME=str(args.out / "cfg"))
            subprocess.run(
                [sys.executable, __file__, "--one", language, theme, "--out", str(out)],
                env=child,
                cwd=ROOT,
                timeout=120,
                check=True,
            )
            print(f"{language} {theme} x{scale}: {out}", flush=True)
            if args.docs:
                suffix = "" if scale == 1 else f"-{scale}x"
                for page in DOCS[(language, theme, scale)]:
                    name = f"gui-{language}-{theme}-{page}.png"
                    target = ROOT / "docs" / "images" / name.replace(".png", f"{suffix}.png")
                    shutil.copyfile(out / name, target)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    raise SystemExit(main())
