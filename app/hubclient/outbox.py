"""Reports waiting for the employer's hub: nothing is lost (docs/hub-protocol.md §7).

One JSON file per report in ``<user data dir>/deskready/outbox/<session>.json`` (written
atomically, mode 0600)::

    {"version": 1, "hub": "https://hub.example", "session": "…", "saved_at": "…",
     "files": {"json": "/home/…/report.json", "pdf": "/home/…/report.pdf"},
     "paper": "auto", "report": {…the sealed report…}}

:func:`send_pending` sends each entry once: the hub answers 201, or 200 with the stored
attestation when it already has the report (idempotent), and the entry is removed. An
entry the hub refuses for good (4xx: wrong agent, a replay…) is moved to ``refused/`` so it
is not sent again and again; one it cannot reach stays. The files the run wrote get the
attestation (only a file that still holds this very report is rewritten).

API for the GUI (call from a worker thread, never the GUI thread): :func:`pending`,
:func:`send_pending`.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from deskready.checks.i18n import _
from deskready.hubclient.store import ReadProblem, data_dir, read_json, write_private
from deskready.hubclient.submit import NotAHubReport, Submitted, binding, submit
from deskready.hubclient.transport import HubError

VERSION = 1
#: An outbox never holds more than this many entries worth sending at once.
MAX_ENTRIES = 1000
_SAFE = re.compile(r"^[A-Za-z0-9_-]{1,128}$")


def outbox_dir() -> Path:
    """``<user data dir>/deskready/outbox``."""
    return data_dir() / "outbox"


def _file_name(session: str) -> str:
    if _SAFE.match(session):
        return f"{session}.json"
    return hashlib.sha256(session.encode("utf-8")).hexdigest()[:32] + ".json"


@dataclass
class Entry:
    """One report waiting to be sent."""

    path: Path
    hub: str
    session: str
    report: dict[str, Any]
    files: dict[str, str] = field(default_factory=dict)
    paper: str = "auto"


def save(
    report: Mapping[str, Any],
    *,
    files: Mapping[str, str] | None = None,
    paper: str = "auto",
    folder: Path | None = None,
) -> Path:
    """Put a sealed report in the outbox (replacing an entry of the same session).

    Raises:
        NotAHubReport: the report names no hub session.
        OSError: the outbox cannot be written.
    """
    hub, session = binding(report)
    where = (folder or outbox_dir()) / _file_name(session)
    write_private(
        where,
        {
            "version": VERSION,
            "hub": hub,
            "session": session,
            "saved_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "files": {k: str(Path(v).expanduser().absolute()) for k, v in (files or {}).items()},
            "paper": paper,
            "report": dict(report),
        },
    )
    return where


def pending(folder: Path | None = None) -> list[Entry]:
    """The reports waiting, oldest first; a file that is not an entry is left alone."""
    where = folder or outbox_dir()
    if not where.is_dir():
        return []
    entries = []
    paths = sorted(where.glob("*.json"), key=lambda p: (_mtime(p), p.name))[:MAX_ENTRIES]
    for path in paths:
        try:
            data = read_json(path)
        except (FileNotFoundError, ReadProblem):
            continue
        if not isinstance(data, dict) or not isinstance(data.get("report"), dict):
            continue
        try:
            hub, session = binding(data["report"])
        except NotAHubReport:
            continue
        files = data.get("files")
        entries.append(
            Entry(
                path,
                hub,
                session,
                data["report"],
                {str(k): str(v) for k, v in files.items()} if isinstance(files, dict) else {},
                str(data.get("paper") or "auto"),
            )
        )
    return entries


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


@dataclass(frozen=True)
class Outcome:
    """What :func:`send_pending` did with one entry."""

    entry: Entry
    sent: Submitted | None = None
    problem: str = ""
    refused: bool = False
    #: files that now carry the attestation; problems writing the others
    updated: tuple[str, ...] = ()
    file_problems: tuple[str, ...] = ()


#: Writes the attested report to a file of the run: (kind "json"/"pdf", path, report, paper).
FileWriter = Callable[[str, Path, dict[str, Any], str], None]


def write_json_file(kind: str, path: Path, report: dict[str, Any], paper: str) -> None:
    """The default writer: the JSON file only (a PDF needs the CLI's or GUI's renderer)."""
    if kind != "json":
        raise _Skip
    from deskready.report.files import write_report_json

    write_report_json(path, report)


class _Skip(Exception):
    """A writer that does not handle this kind of file."""


def _still_this_report(kind: str, path: Path, report: Mapping[str, Any]) -> bool:
    """The file still holds this report (same digest): rewriting it adds only the
    attestation; a file replaced by another run since is left alone."""
    digest = (
        report.get("integrity", {}).get("digest")
        if isinstance(report.get("integrity"), dict)
        else None
    )
    try:
        if kind == "json":
            from deskready.report.files import read_report_json

            other = read_report_json(path)
        else:
            from deskready.pdf.embedded import extract_embedded_report

            other = extract_embedded_report(path)
    except Exception:  # unreadable, gone, not a report: not ours to overwrite
        return False
    integrity = other.get("integrity")
    return isinstance(integrity, dict) and integrity.get("digest") == digest


def send_pending(
    *,
    folder: Path | None = None,
    writer: FileWriter = write_json_file,
    files: Mapping[str, str] | None = None,
) -> list[Outcome]:
    """Send every waiting report once; see the module's docstring.

    ``files`` (``deskready submit --json/--pdf``) names where the attested report goes,
    instead of the files the run wrote. Never raises for a hub or file problem: each is in
    its :class:`Outcome`.
    """
    outcomes = []
    for entry in pending(folder):
        try:
            sent = submit(entry.report)
        except HubError as exc:
            refused = not exc.retry
            if refused:
                _set_aside(entry)
            outcomes.append(Outcome(entry, problem=str(exc), refused=refused))
            continue
        report = dict(entry.report)
        report["attestation"] = sent.attestation
        if sent.verify_url:
            report["verify_url"] = sent.verify_url
        updated, problems = _update_files(entry, report, writer, files)
        if not problems:  # else kept: the hub answers 200 with the same attestation next time
            entry.path.unlink(missing_ok=True)
        outcomes.append(Outcome(entry, sent, updated=updated, file_problems=problems))
    return outcomes


def _update_files(
    entry: Entry,
    report: dict[str, Any],
    writer: FileWriter,
    chosen: Mapping[str, str] | None,
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    updated: list[str] = []
    problems: list[str] = []
    targets = dict(chosen) if chosen else entry.files
    for kind, name in targets.items():
        path = Path(name)
        if not chosen and not _still_this_report(kind, path, entry.report):
            continue
        try:
            writer(kind, path, report, entry.paper)
        except _Skip:
            continue
        except Exception as exc:  # a file problem must not lose the hub's answer
            problems.append(_("Cannot write {path}: {reason}").format(path=path, reason=exc))
            continue
        updated.append(str(path))
    return tuple(updated), tuple(problems)


def _set_aside(entry: Entry) -> None:
    """Move an entry the hub refused for good to ``refused/``, kept for the record."""
    target = entry.path.parent / "refused" / entry.path.name
    try:
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        entry.path.replace(target)
    except OSError:
        pass
