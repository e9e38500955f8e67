"""How ``report verify`` and ``check`` tell the agent what the hub signed and saw.

Two lists, plainly apart: what the employer's hub **observed** itself (its own network
figures, signed), and what this computer **reported about itself** (everything else in
the report's rules: signed by the hub as received, but not seen by it). A figure the hub
disputed is marked in both.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rich.text import Text

from deskready.checks.i18n import N_, _
from deskready.format import format_timestamp, format_value
from deskready.hubclient.attest import AttestationResult

#: Figures only the hub measures (no rule of the client's names them by default).
HUB_METRICS: dict[str, tuple[str, str]] = {
    "network.download_mbps": (N_("Download speed"), "Mbps"),
    "network.upload_mbps": (N_("Upload speed"), "Mbps"),
    "network.upstream_loss_pct": (N_("Packets lost on the way to the hub"), "%"),
    "network.upstream_jitter_ms": (N_("Jitter on the way to the hub"), "ms"),
}


def _rules(report: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    rules = report.get("rules")
    if not isinstance(rules, list):
        return {}
    return {str(r.get("metric")): r for r in rules if isinstance(r, Mapping)}


def _source_text(source: Any) -> str:
    if not isinstance(source, Mapping):
        return str(source)
    return " ".join(str(source[k]) for k in ("family", "prefix") if source.get(k))


def attestation_lines(report: Mapping[str, Any], result: AttestationResult) -> list[Text]:
    """The lines ``report verify`` prints about a hub attestation that holds."""
    statement = result.statement or {}
    lines = [
        Text.assemble(
            ("✔ ", "green"),
            _("Signed by the employer's hub {url} (key {key}) on {date}.").format(
                url=statement.get("hub", "?"),
                key=result.key_id or "?",
                date=format_timestamp(statement.get("received_at")),
            ),
        )
    ]
    observed = statement.get("observed")
    observed = observed if isinstance(observed, Mapping) else {}
    disputed = statement.get("disputed")
    disputed_ids = {str(d) for d in disputed} if isinstance(disputed, list) else set()
    rules = _rules(report)
    disputed_word = _("disputed by the hub")
    lines.append(Text(_("Observed by the hub:"), style="bold"))
    if not observed:
        lines.append(Text("  " + _("nothing (the run measured no network figure)")))
    for metric, value in observed.items():
        if metric == "source":
            lines.append(
                Text("  " + _("Network it came from: {source}").format(source=_source_text(value)))
            )
            continue
        if isinstance(value, Mapping | list) or value is None:
            continue  # the hub's working data (bytes, TCP counters) stays in the statement
        rule = rules.get(metric, {})
        label, unit = HUB_METRICS.get(metric, (metric, ""))
        label = str(rule.get("label") or _(label))
        unit = str(rule.get("unit") or unit)
        shown = f"  {label}: {format_value(value, unit)}"
        line = Text(shown)
        if metric in disputed_ids:
            line.append(
                "  "
                + _("(this computer reported {value}: {disputed})").format(
                    value=rule.get("actual_text") or format_value(rule.get("actual"), unit),
                    disputed=disputed_word,
                ),
                style="yellow",
            )
        lines.append(line)
    lines.append(Text(_("Reported by this computer about itself:"), style="bold"))
    own = [(m, r) for m, r in rules.items() if m not in observed]
    if not own:
        lines.append(Text("  " + _("nothing else")))
    for metric, rule in own:
        line = Text(
            "  {label}: {value}".format(
                label=rule.get("label") or metric,
                value=rule.get("actual_text") or format_value(rule.get("actual"), ""),
            )
        )
        if metric in disputed_ids:
            line.append(f"  ({disputed_word})", style="yellow")
        lines.append(line)
    return lines


def unsigned_line(report: Mapping[str, Any]) -> Text | None:
    """For a hub run without attestation: it was not countersigned (yet)."""
    hub = report.get("hub")
    if not isinstance(hub, Mapping) or report.get("attestation") is not None:
        return None
    return Text(
        _(
            "Measured with the employer's hub {url}, but not signed by it yet: "
            "'deskready submit' sends it."
        ).format(url=hub.get("url", "?")),
        style="yellow",
    )


def disputed_lines(response: Mapping[str, Any]) -> list[Text]:
    """After a submission: which of this computer's figures the hub disputed."""
    disputed = response.get("disputed")
    if not isinstance(disputed, list) or not disputed:
        return []
    observed = response.get("observed")
    observed = observed if isinstance(observed, Mapping) else {}
    lines = [
        Text(_("The hub disputed these figures and judged them on its own value:"), style="yellow")
    ]
    for metric in disputed:
        label, unit = HUB_METRICS.get(str(metric), (str(metric), ""))
        value = observed.get(str(metric))
        lines.append(
            Text(
                "  "
                + _("{label}: the hub saw {value}").format(
                    label=_(label), value=format_value(value, unit)
                )
            )
        )
    return lines
