"""Spec problems, collected together so the employer fixes them all in one go."""

from __future__ import annotations

from dataclasses import dataclass

from deskready.checks.i18n import _, ngettext


@dataclass(frozen=True)
class SpecProblem:
    """One thing wrong with a spec: where (dotted key path, line) and what."""

    location: str
    message: str
    line: int | None = None

    def render(self, file_name: str) -> str:
        """``file:line: location: message`` (parts left out when unknown)."""
        where = file_name if self.line is None else f"{file_name}:{self.line}"
        if self.location:
            return f"{where}: {self.location}: {self.message}"
        return f"{where}: {self.message}"


class SpecError(Exception):
    """The spec cannot be used; carries every problem found, not just the first."""

    def __init__(self, file_name: str, problems: list[SpecProblem]) -> None:
        self.file_name = file_name
        self.problems = problems
        super().__init__(self.render())

    def render(self) -> str:
        """A heading plus one line per problem, as shown by the CLI and the GUI."""
        count = len(self.problems)
        heading = ngettext(
            "The employer spec {file} has {count} problem:",
            "The employer spec {file} has {count} problems:",
            count,
        ).format(file=self.file_name, count=count)
        lines = [heading] + ["  " + p.render(self.file_name) for p in self.problems]
        return "\n".join(lines)


def did_you_mean(word: str, candidates: list[str] | set[str] | tuple[str, ...]) -> str:
    """`` (did you mean 'x'?)`` for the closest candidate, or an empty string."""
    import difflib

    close = difflib.get_close_matches(word, sorted(candidates), n=1, cutoff=0.6)
    if not close:
        return ""
    return " " + _("(did you mean '{suggestion}'?)").format(suggestion=close[0])
