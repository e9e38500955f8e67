"""Terminal output: live progress while checks run, and the results table after.

Everything is drawn from runner events and the report dict, never from check objects, so
the terminal shows exactly what the JSON and PDF say. Colour and live redraw on a TTY;
plain lines otherwise (logs, pipes, support scripts).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

from rich.console import Console, Group
from rich.live import Live
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from deskready.checks.api import Check
from deskready.checks.i18n import _
from deskready.format import format_number
from deskready.runner import CheckFinished, CheckProgress, CheckStarted, RunEvent

OUTCOME_STYLE = {
    "pass": ("✔", "green"),
    "warn": ("⚠", "yellow"),
    "fail": ("✘", "red"),
    "unknown": ("?", "magenta"),
    "error": ("!", "magenta"),
    "skipped": ("–", "dim"),
    "info": ("i", "cyan"),
}


def outcome_label(outcome: str) -> str:
    """Translated word for an outcome or status."""
    return {
        "pass": _("pass"),
        "warn": _("warning"),
        "fail": _("fail"),
        "unknown": _("not measured"),
        "error": _("could not check"),
        "skipped": _("skipped"),
        "info": _("info"),
    }.get(outcome, outcome)


def outcome_text(outcome: str) -> Text:
    symbol, style = OUTCOME_STYLE.get(outcome, ("·", ""))
    return Text(f"{symbol} {outcome_label(outcome)}", style=style)


VERDICT_TEXT = {
    "ready": ("✔", "bold white on green"),
    "not_ready": ("✘", "bold white on red"),
    "incomplete": ("?", "bold black on yellow"),
}


def verdict_word(verdict: str) -> str:
    """The verdict as the agent reads it (READY, NOT READY…), not its id."""
    return {
        "ready": _("READY"),
        "not_ready": _("NOT READY"),
        "incomplete": _("INCOMPLETE"),
    }.get(verdict, verdict)


def verdict_sentence(verdict: str) -> str:
    return {
        "ready": _("READY: this setup meets your employer's requirements."),
        "not_ready": _("NOT READY: some requirements are not met. See what to do below."),
        "incomplete": _("INCOMPLETE: some requirements could not be checked. See below."),
    }[verdict]


class ProgressView:
    """Shows each check's state while the run goes on; thread-safe (events come from workers)."""

    def __init__(self, console: Console, checks: Sequence[type[Check]]) -> None:
        self.console = console
        self.titles = {c.id: _(c.title) for c in checks}
        self.state: dict[str, str] = dict.fromkeys(self.titles, _("waiting"))
        self.live_values: dict[str, str] = {}
        self._lock = threading.RLock()
        self._live: Live | None = None

    def __enter__(self) -> ProgressView:
        if self.console.is_terminal:
            self._live = Live(
                self._render(), console=self.console, refresh_per_second=8, transient=True
            )
            self._live.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._live is not None:
            self._live.__exit__(None, None, None)
            self._live = None

    def pause(self) -> None:
        """Stop redrawing (a question is being asked on the terminal)."""
        with self._lock:
            if self._live is not None:
                self._live.stop()

    def resume(self) -> None:
        with self._lock:
            if self._live is not None:
                self._live.start()

    def handle(self, event: RunEvent) -> None:
        with self._lock:
            title = self.titles.get(event.check_id, event.check_id)
            if isinstance(event, CheckStarted):
                self.state[event.check_id] = _("running…")
            elif isinstance(event, CheckProgress):
                parts = []
                if event.fraction is not None:
                    parts.append(f"{round(event.fraction * 100)}%")
                if event.message:
                    parts.append(event.message)
                parts += [f"{k} {format_number(v)}" for k, v in event.live.items()]
                self.state[event.check_id] = "  ".join(parts) or _("running…")
            elif isinstance(event, CheckFinished):
                status = event.result.runner_status
                self.state[event.check_id] = outcome_label(status.value) if status else _("done")
                if self._live is None:
                    self.console.print(f"{title}: {self.state[event.check_id]}", highlight=False)
            if self._live is not None:
                self._live.update(self._render())

    def _render(self) -> Table:
        table = Table.grid(padding=(0, 2))
        for check_id, title in self.titles.items():
            table.add_row(Text(title, style="bold"), Text(self.state[check_id]))
        return table


def print_report(console: Console, report: dict[str, Any]) -> None:
    """The results table grouped by category, advice for what failed, then the verdict."""
    rules_by_check: dict[str, list[dict[str, Any]]] = {}
    for rule in report["rules"]:
        rules_by_check.setdefault(rule["check"], []).append(rule)
    table = Table(
        title=_("Readiness check for {employer}").format(
            employer=report["spec"]["employer"]["name"]
        ),
        show_lines=False,
        expand=False,
    )
    table.add_column(_("Check"), style="bold", overflow="fold")
    table.add_column(_("Requirement"), overflow="fold")
    table.add_column(_("Measured"), overflow="fold")
    table.add_column(_("Result"), no_wrap=True)
    for result in report["results"]:
        rules = rules_by_check.get(result["check"], [])
        title = result["title"]
        if result["status"] in ("error", "skipped") and not rules:
            table.add_row(
                title, "", escape(result.get("error") or ""), outcome_text(result["status"])
            )
            continue
        if not rules:
            table.add_row(
                title,
                Text(_("(not required)"), style="dim"),
                escape(_summarise(result)),
                outcome_text("info"),
            )
            continue
        for index, rule in enumerate(rules):
            measured = rule["actual_text"] + (" " + _("(declared)") if rule["declared"] else "")
            table.add_row(
                title if index == 0 else "",
                escape(f"{rule['label']}: {rule['expected_text']}"),
                escape(measured),
                outcome_text(rule["outcome"]),
            )
    console.print(table)
    advice = [r for r in report["rules"] if r["outcome"] != "pass" and r["advice"]]
    if advice:
        console.print(Text(_("What to do"), style="bold underline"))
        for rule in advice:
            symbol, style = OUTCOME_STYLE[rule["outcome"]]
            console.print(
                Text.assemble(
                    (f" {symbol} ", style), (rule["label"] + ": ", "bold"), rule["advice"]
                )
            )
    errors = [r for r in report["results"] if r.get("error")]
    for result in errors:
        if not rules_by_check.get(result["check"]):
            continue
        console.print(
            Text.assemble((" ! ", "magenta"), (result["title"] + ": ", "bold"), result["error"])
        )
    notes = [(r["title"], m) for r in report["results"] for m in r.get("messages", [])]
    if notes:
        console.print(Text(_("Notes"), style="bold underline"))
        for title, message in notes:
            console.print(Text.assemble(("  • ", "cyan"), (title + ": ", "bold"), message))
    symbol, style = VERDICT_TEXT[report["verdict"]]
    lines = [Text(f"{symbol} {verdict_sentence(report['verdict'])}", style=style)]
    if report.get("interrupted"):
        lines.append(Text(_("The run was interrupted; this report covers only what finished.")))
    console.print(Panel(Group(*lines), expand=False))


def _summarise(result: dict[str, Any]) -> str:
    values = [
        f"{v}" for v in result["measurements"].values() if v is not None and not isinstance(v, dict)
    ]
    return ", ".join(str(v) for v in values[:3])
