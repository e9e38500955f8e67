"""Exit codes of ``deskready`` — part of the contract with scripts and support tools."""

from __future__ import annotations

from enum import IntEnum

from deskready.outcomes import Verdict


class ExitCode(IntEnum):
    READY = 0  # every required rule passed (also: any command that succeeded)
    # a required rule failed (report verify: altered or contradicts itself; report show:
    # unsealed, altered or contradicts itself, shown with a warning)
    NOT_READY = 1
    # bad command line, spec or answers; unreadable file or not a report; an output path
    # that cannot be written (checked before the run); a full or closed output
    USAGE = 2
    INCOMPLETE = 3  # nothing failed, but a required value could not be measured/answered
    INTERRUPTED = 130  # Ctrl-C (128 + SIGINT, as shells do)

    @classmethod
    def for_verdict(cls, verdict: str) -> ExitCode:
        return {
            Verdict.READY.value: cls.READY,
            Verdict.NOT_READY.value: cls.NOT_READY,
            Verdict.INCOMPLETE.value: cls.INCOMPLETE,
        }[verdict]
