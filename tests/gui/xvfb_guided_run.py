"""A guided run of the real audio checks in a real X11 window, driven by the keyboard alone.

Run by ``test_xvfb_audio.py`` in its own process (Qt's platform is chosen once per process;
the other GUI tests use offscreen), with ``DISPLAY`` set to an Xvfb server and the
PulseAudio variables pointing at a private server with the ``vsink`` null sink (its monitor
is the default source, i.e. "the microphone"). The "agent" here is this script: it types
Tab / Space / Enter, reads the sentence aloud (espeak-ng speech played into the sink while
the microphone step records), keeps the room quiet (faint noise), and counts the beeps it
records from the sink's monitor. It writes what it saw as JSON to ``argv[1]``.

    python tests/gui/xvfb_guided_run.py OUT.json SHOTS_DIR
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from PySide6.QtCore import QSettings, Qt, QTimer  # noqa: E402
from PySide6.QtGui import QGuiApplication  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from deskready.checks.audio import levels  # noqa: E402
from deskready.gui.main import create_app  # noqa: E402
from deskready.gui.questions import AskDialog  # noqa: E402
from deskready.gui.theme import apply_theme  # noqa: E402
from deskready.gui.window import MainWindow  # noqa: E402
from deskready.registry import discover_checks  # noqa: E402
from tests.checks.audio.fakes import count_beeps  # noqa: E402
from tests.checks.audio.pulse_server import RATE, SENTENCE, espeak  # noqa: E402

SPEC = """
[employer]
name = "Audio in a real window"

[rules."microphone.speech_dbfs"]
min = -40

[rules."room.noise_dbfs"]
max = -35

[rules."speaker.confirmed"]
equals = true
"""


def pacat(samples: np.ndarray, path: Path) -> subprocess.Popen[bytes]:
    path.write_bytes(np.asarray(samples, dtype="<f4").tobytes())
    return subprocess.Popen(
        ["pacat", "--playback", "--raw", "--format=float32le", f"--rate={RATE}",
         "--channels=1", "--device=vsink", "--latency-msec=20", str(path)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip


class BeepCounter:
    """Records the sink's monitor from a ``parec`` process and counts the beeps in it."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            ["parec", "--raw", "--format=float32le", f"--rate={RATE}", "--channels=1",
             "--device=vsink.monitor", "--latency-msec=20"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        self.chunks: list[bytes] = []
        self.thread = threading.Thread(target=self._drain, daemon=True)
        self.thread.start()

    def _drain(self) -> None:
        assert self.proc.stdout is not None
        while chunk := self.proc.stdout.read1(65536):
            self.chunks.append(chunk)

    def count(self) -> int:
        self.proc.terminate()
        self.thread.join(5)
        return count_beeps(np.frombuffer(b"".join(self.chunks), dtype="<f4"), RATE)


def main(out: Path, shots: Path) -> int:
    tmp = Path(tempfile.mkdtemp(prefix="deskready-xvfb-"))
    spec = tmp / "audio.toml"
    spec.write_text(SPEC, encoding="utf-8")
    sentence = espeak(SENTENCE)
    gain = 10 ** ((-22 - levels.active_level_dbfs(levels.block_powers(sentence, RATE))) / 20)
    pause = np.zeros(round(0.3 * RATE), dtype=np.float32)
    speech = np.tile(np.concatenate([sentence * gain, pause]), 3).astype(np.float32)
    rng = np.random.default_rng(3)
    # A quiet room for the whole run, not only once the room check has begun: the check's
    # start reaches this GUI thread as a signal, and under load a player started from it
    # could begin after the recording ended (digital zero reads as a dead microphone).
    room = (rng.standard_normal(90 * RATE) * 10 ** (-55 / 20)).astype(np.float32)

    app = create_app([])
    apply_theme(app, "light")
    window = MainWindow(
        registry=discover_checks(),
        settings=QSettings(str(tmp / "s.ini"), QSettings.Format.IniFormat),
    )
    window.guided.countdown_s = 1
    window.resize(1000, 720)
    window.show()
    seen: dict[str, Any] = {
        "platform": QGuiApplication.platformName(),
        "headings": [],
        "instructions": [],
        "gate": "",
        "countdown": "",
        "meter_levels": [],
        "keys": [],
    }
    players: list[subprocess.Popen[bytes]] = []
    counter: list[BeepCounter] = []

    def key(k: Qt.Key, text: str = "") -> None:
        widget = QApplication.focusWidget()
        seen["keys"].append(f"{k.name} -> {type(widget).__name__}")
        assert widget is not None, "nothing has keyboard focus"
        if text:
            QTest.keyClicks(widget, text)
        QTest.keyClick(widget, k)

    def stop_players() -> None:
        for p in players:
            if p.poll() is None:
                p.terminate()

    def on_check_started(check_id: str) -> None:
        stop_players()
        if check_id == "microphone":
            players.append(pacat(speech, tmp / "speech.raw"))  # the agent reads aloud
        elif check_id == "speaker":
            counter.append(BeepCounter())

    def on_progress(check_id: str, _progress: object) -> None:
        text = window.guided.instruction.text()
        if text and text not in seen["instructions"]:
            seen["instructions"].append(text)
        if check_id == "microphone" and window.guided.meter.isVisible():
            seen["meter_levels"].append(round(window.guided.meter._dbfs, 1))
            if len(seen["meter_levels"]) == 25:
                geo = window.frameGeometry()
                window.screen().grabWindow(0, geo.x(), geo.y(), geo.width(), geo.height()).save(
                    str(shots / "gui-xvfb-microphone.png")
                )

    def on_gate(_gate: object) -> None:
        def ready() -> None:
            seen["gate"] = window.guided.instruction.text()
            key(Qt.Key.Key_Return)  # I'm ready has focus
            QTimer.singleShot(300, lambda: seen.update(countdown=window.guided.countdown.text()))

        QTimer.singleShot(200, ready)

    def on_question(_request: object) -> None:
        def answer() -> None:
            dialog = window._question_dialog
            if not isinstance(dialog, AskDialog) or not counter:
                return
            key(Qt.Key.Key_Return, str(counter[0].count()))

        QTimer.singleShot(600, answer)  # the last beep has reached the monitor by then

    def on_report(_report: object) -> None:
        stop_players()

        def finish() -> None:
            seen["focus_after"] = type(QApplication.focusWidget()).__name__
            seen["focus_on_first_fix"] = bool(
                window.results_page.items
                and QApplication.focusWidget() is window.results_page.items[0].button
            )
            seen["report"] = window.report
            seen["banner"] = window.banner.text()
            app.quit()

        QTimer.singleShot(300, finish)

    c = window.controller
    c.step_started.connect(lambda _i: seen["headings"].append(window.guided.heading.text()))
    c.check_started.connect(on_check_started)
    c.check_progressed.connect(on_progress)
    c.gate_reached.connect(on_gate)
    c.question_asked.connect(on_question)
    c.report_ready.connect(on_report)
    c.run_failed.connect(lambda m: (seen.update(failed=m), app.quit()))

    tries = [0]

    def start() -> None:
        # Without a window manager the X server gives focus only once asked and mapped.
        if not window.isActiveWindow() and tries[0] < 50:
            tries[0] += 1
            window.activateWindow()
            QTimer.singleShot(100, start)
            return
        window.profile_combo.setFocus()
        for _i in range(10):  # Tab to Start
            if QApplication.focusWidget() is window.run_button:
                break
            key(Qt.Key.Key_Tab)
        key(Qt.Key.Key_Space)

    def when_loaded() -> None:
        assert window.open_spec_file(str(spec))
        QTimer.singleShot(300, start)

    room_player = pacat(room, tmp / "room.raw")  # a quiet room, never digital zero
    QTimer.singleShot(300, when_loaded)
    QTimer.singleShot(80_000, app.quit)  # bounded, whatever happens
    app.exec()
    stop_players()
    room_player.terminate()
    for rec in counter:
        if rec.proc.poll() is None:
            rec.proc.kill()
    out.write_text(json.dumps(seen, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("QT_QPA_PLATFORM", "xcb")
    raise SystemExit(main(Path(sys.argv[1]), Path(sys.argv[2])))
