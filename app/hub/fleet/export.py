"""The agents list as CSV or JSON, streamed: 100 000 rows leave the hub without being held.

CSV cells that a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``,
``@``, tab or carriage return) get a leading apostrophe, as OWASP's "CSV Injection" page
recommends (https://owasp.org/www-community/attacks/CSV_Injection): an agent id or a team
is whatever an admin typed, and the employer opens the file in Excel.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from deskready.hub.db import utc
from deskready.hub.fleet.queries import Filters, iter_agents

COLUMNS = (
    "agent_id",
    "team",
    "spec",
    "verdict",
    "disputed",
    "overdue",
    "received_at",
    "overdue_at",
    "reports",
    "report_id",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: rows per chunk handed to the server
CHUNK_ROWS = 500


def safe_cell(value: str) -> str:
    """``value`` as a spreadsheet shows it and never runs it."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def row_of(agent: Any, moment: datetime) -> dict[str, object]:
    """One agent as the export's record (times in ISO 8601, UTC)."""
    due = utc(agent.overdue_at) if agent.overdue_at is not None else None
    return {
        "agent_id": agent.agent_id,
        "team": agent.team,
        "spec": agent.spec_name,
        "verdict": agent.verdict,
        "disputed": bool(agent.disputed),
        "overdue": due is not None and due <= moment,
        "received_at": utc(agent.received_at).isoformat(timespec="seconds"),
        "overdue_at": due.isoformat(timespec="seconds") if due else None,
        "reports": agent.reports,
        "report_id": agent.report_id,
    }


def csv_chunks(
    sessions: sessionmaker[Session], filters: Filters, moment: datetime
) -> Iterator[bytes]:
    """The CSV file (UTF-8, header first), a few hundred rows per chunk."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    with sessions() as db:
        for n, agent in enumerate(iter_agents(db, filters, moment), start=1):
            record = row_of(agent, moment)
            writer.writerow(
                [
                    safe_cell(v) if isinstance(v, str) else ("" if v is None else str(v).lower())
                    for v in record.values()
                ]
            )
            if n % CHUNK_ROWS == 0:
                yield buffer.getvalue().encode("utf-8")
                buffer.seek(0)
                buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def json_chunks(
    sessions: sessionmaker[Session], filters: Filters, moment: datetime
) -> Iterator[bytes]:
    """``{"filters": …, "agents": [ … ]}``, one agent object per line."""
    head = {"filters": filters.query(), "generated_at": moment.isoformat(timespec="seconds")}
    yield (json.dumps(head, ensure_ascii=False)[:-1] + ', "agents": [\n').encode("utf-8")
    parts: list[str] = []
    first = True
    with sessions() as db:
        for agent in iter_agents(db, filters, moment):
            parts.append(
                ("" if first else ",\n") + json.dumps(row_of(agent, moment), ensure_ascii=False)
            )
            first = False
            if len(parts) >= CHUNK_ROWS:
                yield "".join(parts).encode("utf-8")
                parts = []
    parts.append("\n]}\n")
    yield "".join(parts).encode("utf-8")
