"""What the report says, as a list of layout blocks built from the report dict.

Only the renderer's own words go through ``_()``; text that came from the report (rule
labels, advice, error messages, the agent's name) is evidence and is shown as recorded.
Check titles are the exception: they are ``N_``-marked msgids, so ``_()`` translates them
when a catalogue has them and leaves them unchanged otherwise.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from PySide6.QtCore import QRectF
from PySide6.QtGui import QColor, QPainter, QPen

from deskready.checks.api import Category
from deskready.checks.i18n import _
from deskready.checks.l10n import format_datetime
from deskready.outcomes import (
    GREY,
    outcome_look,
    partial_notice,
    verdict_look,
)
from deskready.pdf.charts import ChartRow, Series
from deskready.pdf.layout import (
    Block,
    Canvas,
    Paragraph,
    Row,
    Spacer,
    Span,
    Stack,
    draw_stack,
    stack_height,
)
from deskready.pdf.qr import MAX_LINK, SignedBox, qr_matrix
from deskready.report.fixes import FixKind, what_to_fix
from deskready.report.view import (
    category_label,
    is_partial,
    machine_text,
    measured_text,
    not_checked_labels,
)

Report = Mapping[str, Any]

TABLE_COLUMNS = (0.46, 0.32, 0.22)
CHECK_COLUMNS = (0.78, 0.22)
SUMMARY_COLUMNS = (0.2, 0.38, 0.24, 0.18)
HEAD_FILL = "#f1f3f4"
CHECK_FILL = "#f8f9fa"
CATEGORY_ORDER = [c.value for c in Category]


def mapping(value: object) -> Mapping[str, Any]:
    """``value`` if it is a JSON object, else an empty one: odd fields must not stop a PDF."""
    return value if isinstance(value, Mapping) else {}


def entries(value: object) -> list[Mapping[str, Any]]:
    """The JSON objects in a list field (``results``, ``rules``); anything else is skipped."""
    return [item for item in value if isinstance(item, Mapping)] if isinstance(value, list) else []


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def text(value: object) -> str:
    """A report value as display text; missing values become an empty string."""
    return "" if value is None else str(value)


def format_time(stamp: str) -> str:
    """``23.11.2026, 18:30 (UTC+01:00)``: the reader's date style, with the time zone.

    The zone is always given, because the report may be read far from where it was made.
    """
    try:
        moment = datetime.fromisoformat(stamp)
    except ValueError:
        return stamp
    shown = format_datetime(moment)
    offset = moment.strftime("%z")
    if offset:
        shown += f" (UTC{offset[:3]}:{offset[3:]})"
    return shown


@dataclass
class VerdictBox:
    """The verdict: symbol, word and colour in a framed box, readable in greyscale."""

    verdict: str
    explanation: str
    counts: str
    keep_with_next: bool = False

    def _spans(self) -> list[Span]:
        look = verdict_look(self.verdict)
        return [
            Span(look.text(), 22, True, look.ink),
            Span(self.explanation, 10),
            Span(self.counts, 8.5, color=GREY),
        ]

    def height(self, canvas: Canvas, width: float) -> float:
        return stack_height(canvas, self._spans(), width - canvas.pt(28)) + canvas.pt(24)

    def draw(self, painter: QPainter, canvas: Canvas, x: float, y: float, width: float) -> None:
        look = verdict_look(self.verdict)
        box = QRectF(x, y + canvas.pt(4), width, self.height(canvas, width) - canvas.pt(8))
        painter.setPen(QPen(QColor(look.ink), canvas.pt(1.5)))
        painter.setBrush(QColor(look.tint))
        painter.drawRoundedRect(box, canvas.pt(4), canvas.pt(4))
        painter.setBrush(QColor(0, 0, 0, 0))
        draw_stack(
            painter,
            canvas,
            self._spans(),
            x + canvas.pt(14),
            box.top() + canvas.pt(8),
            width - canvas.pt(28),
        )


def heading(title: str, *, size: float = 12, before: float = 10) -> Paragraph:
    """A section heading that never ends a page on its own."""
    return Paragraph([Span(title, size, True)], before_pt=before, after_pt=4, keep_with_next=True)


def header_blocks(report: Report) -> list[Block]:
    """Title and who/what/when: employer, spec, agent, time, computer."""
    spec = mapping(report.get("spec"))
    employer = mapping(spec.get("employer"))
    agent = mapping(report.get("agent"))

    spec_text = _("{source}, version {version}").format(
        source=text(spec.get("source")), version=text(spec.get("spec_version")) or "–"
    )
    if spec.get("sha256"):
        spec_text += f" · sha256 {str(spec['sha256'])[:12]}"
    agent_text = text(agent.get("name"))
    if agent.get("id"):
        agent_id = _("ID {agent_id}").format(agent_id=text(agent["id"]))
        agent_text = f"{agent_text} ({agent_id})" if agent_text else agent_id
    fields = [
        (_("Employer"), text(employer.get("name"))),
        (_("Requirements"), spec_text),
        (_("Agent"), agent_text),
        (_("Checked on"), format_time(text(report.get("created_at")))),
        (_("Computer"), machine_text(report)),
    ]
    blocks: list[Block] = [
        Paragraph([Span(_("Readiness report"), 20, True)], after_pt=2),
        Paragraph([Span(_("Home-office equipment check"), 10, color=GREY)], after_pt=8),
    ]
    for label, value in fields:
        if value:
            blocks.append(
                Row(
                    [[Span(label, 9, True, GREY)], [Span(value, 9)]],
                    (0.2, 0.8),
                    rule=None,
                    pad_pt=1.5,
                )
            )
    return blocks


def verdict_block(report: Report) -> VerdictBox:
    """The verdict box with a one-line explanation and the counts behind it."""
    explanations = {
        "ready": _("This home office meets the employer's requirements."),
        "not_ready": _(
            "This home office does not meet the employer's requirements yet. See what to fix below."
        ),
        "incomplete": _(
            "Some requirements could not be checked, so readiness is not confirmed yet."
        ),
    }
    verdict = text(report.get("verdict"))
    summary = mapping(report.get("summary"))
    counts = _(
        "Passed: {passed} · Warnings: {warnings} · Failed: {failed} · Not measured: {unknown}"
    ).format(
        passed=summary.get("pass", 0),
        warnings=summary.get("warn", 0),
        failed=summary.get("fail", 0),
        unknown=summary.get("unknown", 0),
    )
    explanation = explanations.get(verdict, _("The verdict is unknown."))
    if is_partial(report):
        counts += " · " + _("Not checked: {count}").format(count=summary.get("not_checked", 0))
    return VerdictBox(verdict, explanation, counts)


def _statement(envelope: Mapping[str, Any]) -> Mapping[str, Any]:
    """The attestation's statement as it reads, unchecked: the PDF shows what the hub
    signed; ``deskready report verify`` and the link are where it is checked."""
    import base64
    import binascii
    import json

    try:
        return mapping(json.loads(base64.b64decode(text(envelope.get("payload")), validate=True)))
    except (binascii.Error, ValueError, RecursionError):
        return {}


def verify_link(report: Report) -> str:
    """The hub's verification link, if it is a plain web address short enough for a code."""
    url = text(report.get("verify_url")).strip()
    if len(url) > MAX_LINK or not url.startswith(("https://", "http://")):
        return ""
    if any(ch.isspace() or not ch.isprintable() for ch in url):
        return ""
    return url


def signed_blocks(report: Report) -> list[Block]:
    """For a report the employer's hub countersigned: who signed and when, the
    verification link and its QR code (docs/report.md, "Signed by the employer's hub")."""
    envelope = mapping(report.get("attestation"))
    if not envelope:
        return []
    statement = _statement(envelope)
    signatures = [s for s in _list(envelope.get("signatures")) if isinstance(s, Mapping)]
    key = text(signatures[0].get("keyid")) if signatures else ""
    hub = text(statement.get("hub")) or text(mapping(report.get("hub")).get("url"))
    spans = [Span(_("Signed by your employer's hub"), 10, True)]
    if hub:
        spans.append(Span(hub, 8.5, color=GREY))
    spans.append(
        Span(
            _("Key {key} · signed on {date}").format(
                key=key or "–", date=format_time(text(statement.get("received_at"))) or "–"
            ),
            8.5,
        )
    )
    link = verify_link(report)
    matrix = None
    if link:
        spans.append(Span(_("Verification link: {url}").format(url=link), 8.5))
        spans.append(
            Span(_("Scan the code or open the link to see what the hub signed."), 8, color=GREY)
        )
        try:
            matrix = qr_matrix(link)
        except ValueError:
            matrix = None
    else:
        spans.append(Span(_("Check the signature with “deskready report verify”."), 8, color=GREY))
    return [SignedBox(spans, matrix)]


def not_checked_blocks(report: Report) -> list[Block]:
    """For a partial run: the notice, and every requirement it did not check."""
    if not is_partial(report):
        return []
    blocks: list[Block] = [heading(partial_notice())]
    missing = not_checked_labels(report)
    if missing:
        blocks.append(
            Paragraph([Span(_("These requirements were not checked in this run:"), 9)], after_pt=2)
        )
        look = outcome_look("not_checked")
        blocks += [
            Row(
                [[Span(look.text(), 9, True, look.ink)], [Span(label, 9)]],
                (0.21, 0.79),
                rule="#e8eaed",
            )
            for label in missing
        ]
    return blocks


def advice_blocks(report: Report) -> list[Block]:
    """ "What to fix": the shared list (report.fixes), one row per cause, in its order.

    What a partial run left out is listed by :func:`not_checked_blocks` beside the notice
    that the report is no readiness proof, so it is not repeated here.
    """
    fixes = [fix for fix in what_to_fix(report) if fix.kind is not FixKind.NOT_CHECKED]
    if not fixes:
        return []
    blocks: list[Block] = [heading(_("What to fix"))]
    shown: FixKind | None = None
    for fix in fixes:
        if fix.kind is not shown:
            shown = fix.kind
            blocks.append(heading(fix.kind.heading(), size=9.5, before=4))
        look = outcome_look(fix.kind.outcome)
        title = fix.title
        if fix.check_title and fix.check_title != fix.title:
            title = f"{fix.title} ({fix.check_title})"
        about = [Span(title, 9, True)]
        if fix.found:
            about.append(Span(fix.found, 8.5, color=GREY))
        about.append(Span(fix.advice, 9))
        blocks.append(
            Row([[Span(look.text(), 9, True, look.ink)], about], (0.21, 0.79), rule="#e8eaed")
        )
    contact = text(mapping(mapping(report.get("spec")).get("employer")).get("contact"))
    if contact:
        blocks.append(
            Paragraph(
                [
                    Span(
                        _("Questions about these requirements: {contact}").format(contact=contact),
                        8.5,
                        color=GREY,
                    )
                ],
                before_pt=4,
            )
        )
    return blocks


def _rule_row(rule: Mapping[str, Any], result: Mapping[str, Any] | None, header: Block) -> Row:
    look = outcome_look(text(rule.get("outcome")))
    requirement = [Span(text(rule.get("label")), 9, True)]
    expected = text(rule.get("expected_text"))
    if rule.get("severity") == "recommended":
        expected = _("{expected} (recommended)").format(expected=expected)
    if expected:
        requirement.append(Span(expected, 8.5, color=GREY))
    measured = [Span(text(rule.get("actual_text")) or "–", 9)]
    if rule.get("declared"):
        answer = mapping(mapping(mapping(result).get("declared")).get(text(rule.get("metric"))))
        when = answer.get("answered_at")
        note = (
            _("declared by the agent, {time}").format(time=format_time(text(when)))
            if when
            else _("declared by the agent")
        )
        measured.append(Span(note, 8, color=GREY))
    outcome = [Span(look.text(), 9, True, look.ink)]
    fill = look.tint if look.tint != "#ffffff" else None
    return Row([requirement, measured, outcome], TABLE_COLUMNS, fill=fill, header=header)


def _check_row(result: Mapping[str, Any], has_rules: bool, header: Block) -> Row:
    look = outcome_look(text(result.get("status")))
    first = [Span(_(text(result.get("title"))), 9.5, True)]
    if not has_rules and (measured := measured_text(result)):
        first.append(Span(measured, 8.5, color=GREY))
    first += [Span(text(message), 8.5, color=GREY) for message in _list(result.get("messages"))]
    if result.get("error"):  # the reason itself is in "What to fix": one message per cause
        first.append(Span(_("Could not measure: see “What to fix” above."), 8.5, color=look.ink))
    return Row(
        [first, [Span(look.text(), 9, True, look.ink)]],
        CHECK_COLUMNS,
        fill=CHECK_FILL,
        header=header,
        keep_with_next=has_rules,
    )


def _series(result: Mapping[str, Any], rules: Iterable[Mapping[str, Any]]) -> list[Series]:
    """The charts of one check: the series its metrics declare (``results[].series``),
    each with the limit of the rule on that metric."""
    found: list[Series] = []
    details = mapping(result.get("details"))
    for described in entries(result.get("series")):
        value = details.get(text(described.get("key")))
        if not isinstance(value, list):
            continue
        points = [
            (float(p[0]), float(p[1]))
            for p in value
            if isinstance(p, list | tuple)
            and len(p) == 2
            and all(isinstance(n, int | float) for n in p)
        ]
        if len(points) < 2:
            continue
        metric = text(described.get("metric"))
        limit = None
        for rule in rules:
            expected = mapping(rule.get("expected"))
            bound = expected.get("max", expected.get("min"))
            if rule.get("metric") == metric and isinstance(bound, int | float):
                limit = float(bound)
        found.append(
            Series(text(described.get("title")), text(described.get("unit")), points, limit)
        )
    return found


Group = tuple[Mapping[str, Any], list[Mapping[str, Any]]]


def _grouped(report: Report) -> tuple[list[tuple[str, list[Group]]], list[Mapping[str, Any]]]:
    """Checks with their rules, per category in the fixed category order; rules of no check."""
    results = list(entries(report.get("results")))
    by_check: dict[str, list[Mapping[str, Any]]] = {}
    for rule in entries(report.get("rules")):
        by_check.setdefault(text(rule.get("check")), []).append(rule)
    order = [
        *CATEGORY_ORDER,
        *sorted({text(r.get("category")) for r in results} - set(CATEGORY_ORDER)),
    ]
    groups: list[tuple[str, list[Group]]] = []
    for category in order:
        members = [
            (result, by_check.pop(text(result.get("check")), []))
            for result in results
            if result.get("category") == category
        ]
        if members:
            groups.append((category, members))
    return groups, [rule for rules in by_check.values() for rule in rules]


def _header(columns: tuple[float, ...], titles: list[str]) -> Row:
    cells = [[Span(title, 8, True, GREY)] for title in titles]
    return Row(cells, columns, fill=HEAD_FILL, keep_with_next=True)


def results_blocks(report: Report, *, charts: bool = True) -> list[Block]:
    """Per category: a requirement / measured / outcome table, then its charts."""
    groups, orphans = _grouped(report)
    header = _header(TABLE_COLUMNS, [_("Requirement"), _("Measured"), _("Outcome")])
    blocks: list[Block] = [heading(_("Results"), size=14, before=14)]
    for _key, members in groups:
        name = category_label(members[0][0])
        blocks += [heading(name, size=11), header]
        # A table split over pages starts again with its name and column titles.
        again = Stack(
            [heading(_("{category} (continued)").format(category=name), size=11, before=0), header]
        )
        series: list[Series] = []
        for result, check_rules in members:
            blocks.append(_check_row(result, bool(check_rules), again))
            blocks += [_rule_row(rule, result, again) for rule in check_rules]
            series += _series(result, check_rules)
        if charts:
            blocks += [ChartRow(series[i : i + 2]) for i in range(0, len(series), 2)]
    if orphans:
        blocks += [heading(_("Other requirements"), size=11), header]
        blocks += [_rule_row(rule, None, header) for rule in orphans]
    return blocks


def summary_blocks(report: Report, *, charts: bool = True) -> list[Block]:
    """One compact table (check, requirement, measured, outcome) for a report that passes.

    Used when the full layout would spill onto a second page: an employer filing many
    reports wants the passing ones on a single sheet.
    """
    groups, orphans = _grouped(report)
    header = _header(SUMMARY_COLUMNS, [_("Check"), _("Requirement"), _("Measured"), _("Outcome")])
    blocks: list[Block] = [heading(_("Results"), size=12, before=10), header]
    series: list[Series] = []
    for _key, members in groups:
        name = category_label(members[0][0])
        blocks.append(
            Row(
                [[Span(name, 8.5, True)], [], [], []],
                SUMMARY_COLUMNS,
                fill=CHECK_FILL,
                header=header,
                keep_with_next=True,
                pad_pt=2,
            )
        )
        for result, check_rules in members:
            title = _(text(result.get("title")))
            if not check_rules:
                look = outcome_look(text(result.get("status")))
                blocks.append(
                    Row(
                        [
                            [Span(title, 8.5, True)],
                            [],
                            [Span(measured_text(result), 8.5)],
                            [Span(look.text(), 8.5, True, look.ink)],
                        ],
                        SUMMARY_COLUMNS,
                        header=header,
                        pad_pt=2.5,
                    )
                )
            for index, rule in enumerate(check_rules):
                row = _rule_row(rule, result, header)
                first = [Span(title, 8.5, True)] if index == 0 else []
                row.cells = [first, *row.cells]
                row.columns = SUMMARY_COLUMNS
                row.pad_pt = 2.5
                blocks.append(row)
            series += _series(result, check_rules)
    blocks += [_rule_row(rule, None, header) for rule in orphans]
    if charts:
        blocks += [ChartRow(series[i : i + 2], height_pt=95) for i in range(0, len(series), 2)]
    return blocks


def report_blocks(report: Report, *, charts: bool = True, compact: bool = False) -> list[Block]:
    """The whole report body, in reading order (``compact``: the one-table summary)."""
    results = summary_blocks if compact else results_blocks
    return [
        *header_blocks(report),
        Spacer(6),
        verdict_block(report),
        *signed_blocks(report),
        *not_checked_blocks(report),
        *advice_blocks(report),
        *results(report, charts=charts),
    ]
