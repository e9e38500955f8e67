"""Terminal output: live progress while checks run; after, results first (the verdict,
what to fix, then the table of every check).

Everything is drawn from runner events and the report dict, never from check objects, so
the terminal shows exactly what the JSON and PDF say. Colour and live redraw on a TTY;
plain lines otherwise (logs, pipes, support scripts).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from rich.console import Console, Group
from rich.live import Live
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from deskready.checks.api import Check
from deskready.checks.i18n import _
from deskready.cli.linebreak import line_starts
from deskready.format import list_separator
from deskready.outcomes import outcome_look, partial_notice, verdict_look, verdict_sentence
from deskready.report.fixes import Fix, FixKind, what_to_fix
from deskready.report.view import category_label, is_partial, measured_text, not_checked_labels
from deskready.runner import CheckFinished, CheckProgress, CheckStarted, RunEvent


def plain_console(**options: Any) -> Console:
    """A console that never reads console markup: spec, answer and report texts are data.

    Styles are given with :class:`rich.text.Text` instead, so an employer name such as
    ``ACME [/] Calls`` prints as written. Emoji codes are off too: ``:thumbs_up:`` in a
    spec is text, not 👍.
    """
    options.setdefault("highlight", False)
    return Console(markup=False, emoji=False, **options)


def scope_lines(report: dict[str, Any]) -> list[Text]:
    """What a report covered, for ``report verify``: complete, or what it left out."""
    scope = report.get("scope")
    if not isinstance(scope, dict):
        return []
    if scope.get("complete"):
        return [Text(_("Scope: every requirement of the spec was checked."))]
    lines = [Text(partial_notice(), style="bold yellow")]
    titles = {
        r.get("check"): str(r.get("title", ""))
        for r in report.get("results", [])
        if isinstance(r, dict)
    }
    left_out = [titles.get(c) or str(c) for c in scope.get("left_out", []) if isinstance(c, str)]
    not_run = [titles.get(c) or str(c) for c in scope.get("not_run", []) if isinstance(c, str)]
    if left_out:
        lines.append(
            Text(_("Left out of the run: {checks}").format(checks=list_separator().join(left_out)))
        )
    if not_run:
        lines.append(Text(_("Did not run: {checks}").format(checks=list_separator().join(not_run))))
    missing = not_checked_labels(report)
    if missing:
        lines.append(
            Text(
                _("Not checked: {requirements}").format(requirements=list_separator().join(missing))
            )
        )
    return lines


def outcome_label(outcome: str) -> str:
    """Translated word for an outcome or status (the same word in every view)."""
    return outcome_look(outcome).label()


def outcome_text(outcome: str) -> Text:
    look = outcome_look(outcome)
    return Text(look.text(), style=look.style)


def verdict_word(verdict: str) -> str:
    """The verdict as the agent reads it (READY, NOT READY…), not its id."""
    return verdict_look(verdict).label()


class ProgressView:
    """Shows each check's state while the run goes on; thread-safe (events come from workers)."""

    def __init__(
        self, console: Console, checks: Sequence[type[Check]], *, quiet: bool = False
    ) -> None:
        self.console = console
        self.quiet = quiet  # --quiet: nothing until the verdict
        self.titles = {c.id: _(c.title) for c in checks}
        self.state: dict[str, str] = dict.fromkeys(self.titles, _("waiting"))
        self.live_values: dict[str, str] = {}
        self._lock = threading.RLock()
        self._live: Live | None = None

    def __enter__(self) -> ProgressView:
        if self.console.is_terminal and not self.quiet:
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
                    # The check's message carries its value with the unit ("Download:
                    # 48 Mbps"); the bare live numbers are for the GUI's meters and charts.
                    parts.append(event.message)
                self.state[event.check_id] = "  ".join(parts) or _("running…")
            elif isinstance(event, CheckFinished):
                status = event.result.runner_status
                self.state[event.check_id] = outcome_label(status.value) if status else _("done")
                if self._live is None and not self.quiet:
                    self.console.print(Text(f"{title}: {self.state[event.check_id]}"))
            if self._live is not None:
                self._live.update(self._render())

    def _render(self) -> Table:
        table = Table.grid(padding=(0, 2))
        for check_id, title in self.titles.items():
            table.add_row(Text(title, style="bold"), Text(self.state[check_id]))
        return table


def metric_labels(checks: Iterable[type[Check]]) -> dict[str, str]:
    """What each metric is, in the current language, to name an unjudged value by."""
    return {metric.id: _(metric.description) for check in checks for metric in check.metrics}


def print_report(
    console: Console, report: dict[str, Any], *, labels: Mapping[str, str] | None = None
) -> None:
    """Results first: the verdict, then what to fix, then the table of every check.

    Every text comes from the report (its display texts, :func:`what_to_fix` and the looks
    of :mod:`deskready.outcomes`), so the terminal says what the JSON, the GUI and the PDF
    say, and each cause once: a check that could not measure tells its reason in "What to
    fix" alone. ``labels`` names unjudged values (:func:`metric_labels`). Text from a spec
    or a report is data: it is never parsed as console markup.
    """
    console.print(Panel(Group(*verdict_lines(report, list_missing=False)), expand=False))
    print_fixes(console, what_to_fix(report))
    console.print(results_table(report, labels or {}))
    notes = [(r["title"], m) for r in report["results"] for m in r.get("messages", [])]
    if notes:
        console.print(Text(_("Notes"), style="bold underline"))
        for title, message in notes:
            print_indented(
                console, Text.assemble(("• ", "cyan"), (title + ": ", "bold"), message), 2
            )


def print_indented(console: Console, text: Text, indent: int) -> None:
    """``text`` wrapped to the console's width with every line indented (a hanging indent,
    in cells: a Japanese character counts two), and no padding after the last word."""
    width = max(20, console.width - indent)
    for paragraph in text.split("\n"):
        # Broken where Japanese may break too (rich breaks at spaces only: see linebreak).
        for line in paragraph.divide(line_starts(paragraph.plain, width)):
            line.rstrip()
            console.print(Text(" " * indent) + line, soft_wrap=True)  # fits: no re-wrap


def print_verdict_line(console: Console, report: dict[str, Any]) -> None:
    """``--quiet``: the verdict sentence, and where it points "below" (not ready,
    incomplete), the one line that says how to see what it points at: nothing is below."""
    console.print(verdict_lines(report)[0])
    if report.get("verdict") != "ready":
        console.print(Text(_("Run the check without --quiet to see what to fix.")))


def print_fixes(console: Console, fixes: Sequence[Fix]) -> None:
    """The "What to fix" list, by group in :data:`deskready.report.fixes.ORDER`: each item one line
    (what, and what was found against what is needed), then one line of advice. Advice that
    every item of a group shares ("run the full check") is said once, under the group."""
    if not fixes:
        return
    console.print(Text(_("What to fix"), style="bold underline"))
    for kind in FixKind:
        group = [fix for fix in fixes if fix.kind is kind]
        if not group:
            continue
        look = outcome_look(kind.outcome)
        console.print(Text(kind.heading(), style="bold"))
        shared = group[0].advice if len(group) > 1 and len({f.advice for f in group}) == 1 else ""
        for fix in group:
            what = Text.assemble((f"{look.symbol} ", look.style), (fix.title, "bold"))
            if fix.found:
                what.append(f" — {fix.found}")
            print_indented(console, what, 1)
            if fix.advice and not shared:
                print_indented(console, Text(fix.advice), 3)
        if shared:
            print_indented(console, Text(shared, style="dim"), 3)


def results_table(report: dict[str, Any], labels: Mapping[str, str]) -> Table:
    """Every check with its requirements, grouped by category: the details after the fixes."""
    rules_by_check: dict[str, list[dict[str, Any]]] = {}
    for rule in report["rules"]:
        rules_by_check.setdefault(rule["check"], []).append(rule)
    table = Table(
        title=Text(
            _("Readiness check for {employer}").format(employer=report["spec"]["employer"]["name"])
        ),
        show_lines=False,
        expand=False,
    )
    table.add_column(_("Check"), style="bold", overflow="fold")
    table.add_column(_("Requirement"), overflow="fold")
    table.add_column(_("Measured"), overflow="fold")
    table.add_column(_("Result"), no_wrap=True)
    category = None
    for result in report["results"]:
        if result.get("category") != category:
            category = result.get("category")
            table.add_row(Text(category_label(result), style="bold underline"), "", "", "")
        rules = rules_by_check.get(result["check"], [])
        title = Text(result["title"])
        if result["status"] in ("error", "skipped") and not rules:
            # its error, if any, is an item of "What to fix": one message per cause
            table.add_row(title, "", "", outcome_text(result["status"]))
            continue
        if not rules:
            table.add_row(
                title,
                Text(_("(not required)"), style="dim"),
                Text(values_text(result, labels)),
                outcome_text("info"),
            )
            continue
        # the check's own status under its title: the same word the GUI and the PDF show
        headed = Text.assemble(title, "\n", outcome_text(result["status"]))
        for index, rule in enumerate(rules):
            measured = rule["actual_text"] + (" " + _("(declared)") if rule["declared"] else "")
            table.add_row(
                headed if index == 0 else "",
                Text(f"{rule['label']}: {rule['expected_text']}"),
                Text(measured),
                outcome_text(rule["outcome"]),
            )
    return table


def values_text(result: Mapping[str, Any], labels: Mapping[str, str]) -> str:
    """An unjudged check's values, one per line, each named and with its unit: the report's
    display texts (``results[].display``); older reports: their ``measured_text``."""
    display = result.get("display")
    values = result.get("measurements")
    if not isinstance(display, Mapping) or not display:
        return measured_text(result)
    measured = values if isinstance(values, Mapping) else {}
    return "\n".join(
        f"{labels.get(metric, metric)}: {text}"
        for metric, text in display.items()
        if isinstance(text, str) and measured.get(metric) is not None
    )


def verdict_lines(report: dict[str, Any], *, list_missing: bool = True) -> list[Text]:
    """The verdict, and for a partial run the notice (and, unless "What to fix" lists them
    already, the requirements not checked)."""
    look = verdict_look(report["verdict"])
    partial = is_partial(report)
    lines = [
        Text(
            f"{look.symbol} {verdict_sentence(report['verdict'], partial=partial)}",
            style=look.style,
        )
    ]
    if partial:
        lines.append(Text(partial_notice(), style="bold"))
        missing = not_checked_labels(report) if list_missing else []
        if missing:
            lines.append(
                Text(
                    _("Not checked: {requirements}").format(
                        requirements=list_separator().join(missing)
                    )
                )
            )
    if report.get("interrupted"):
        lines.append(Text(_("The run was interrupted; this report covers only what finished.")))
    return lines
