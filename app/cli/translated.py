"""Click commands whose help texts are translated when shown, not when defined.

Click reads ``help=`` once, at import time, before ``--lang`` has been parsed. The texts
are therefore declared as msgids (``N_``) and swapped for their translation only while
help is being formatted, in whatever language is active then. The same classes give every
command the shared options (:mod:`deskready.cli.shared_options`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import click
from rich.cells import cell_len

from deskready.checks.i18n import N_, _
from deskready.cli.linebreak import wrap_cells
from deskready.cli.shared_options import LANG_OPTION, SHARED_OPTIONS, apply_language


@contextmanager
def _translated(command: click.Command, ctx: click.Context | None = None) -> Iterator[None]:
    """Temporarily replace the command's and its options' help with translations."""
    saved: list[tuple[Any, str, str | None]] = [
        (command, "help", command.help),
        (command, "short_help", command.short_help),
    ]
    # With a context: everything the help lists (the shared options and --help included).
    params = command.get_params(ctx) if ctx is not None else list(command.params)
    saved += [(p, "help", getattr(p, "help", None)) for p in params]
    try:
        for owner, attribute, text in saved:
            if text:
                setattr(owner, attribute, _(text))
        yield
    finally:
        for owner, attribute, text in saved:
            setattr(owner, attribute, text)


class CellWidthFormatter(click.HelpFormatter):
    """Click's help layout, wrapped by terminal cells instead of characters (click counts
    characters, so Japanese help ran to twice the screen's width)."""

    def write_text(self, text: str) -> None:
        indent = " " * self.current_indent
        width = max(self.width - self.current_indent, 11)
        for line in wrap_cells(text, width):
            self.write(f"{indent}{line}\n" if line else "\n")

    def write_dl(
        self, rows: Iterable[tuple[str, str]], col_max: int = 30, col_spacing: int = 2
    ) -> None:
        rows = list(rows)
        first_col = min(max((cell_len(first) for first, _second in rows), default=0), col_max)
        first_col += col_spacing
        text_width = max(self.width - first_col - self.current_indent, 10)
        for first, second in rows:
            self.write(f"{'':>{self.current_indent}}{first}")
            if not second:
                self.write("\n")
                continue
            if cell_len(first) <= first_col - col_spacing:
                self.write(" " * (first_col - cell_len(first)))
            else:
                self.write("\n" + " " * (first_col + self.current_indent))
            lines = wrap_cells(second, text_width) or [""]
            self.write(f"{lines[0]}\n")
            for line in lines[1:]:
                self.write(f"{'':>{first_col + self.current_indent}}{line}\n")


class CellWidthContext(click.Context):
    """A click context whose help is laid out by :class:`CellWidthFormatter`."""

    formatter_class = CellWidthFormatter


class TranslatedCommand(click.Command):
    """A command whose help and option help are msgids, and which takes the shared
    options (``--lang``, ``--debug``, ``--version``) wherever they are given, and whose
    help is wrapped by terminal cells."""

    context_class = CellWidthContext

    def get_params(self, ctx: click.Context) -> list[click.Parameter]:
        """Its own parameters, then the shared ones it does not declare, then --help."""
        params = super().get_params(ctx)
        help_option = self.get_help_option(ctx)
        own = [p for p in params if p is not help_option]
        taken = {p.name for p in own} | {opt for p in own for opt in p.opts}
        shared = [p for p in SHARED_OPTIONS if p.name not in taken and taken.isdisjoint(p.opts)]
        return [*own, *shared, *([help_option] if help_option is not None else [])]

    def format_help(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with _translated(self, ctx):
            super().format_help(ctx, formatter)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        """Click handles eager options in the order they were typed, so ``check --help
        --lang ja`` would print the help before switching language. The arguments are
        therefore read once more by the command's own parser to apply ``--lang`` first;
        anything it cannot read is left to the real parse to report."""
        try:
            opts, _rest, _order = self.make_parser(ctx).parse_args(args=list(args))
        except click.UsageError:
            opts = {}
        lang = opts.get(LANG_OPTION.name)
        if isinstance(lang, str) and LANG_OPTION in self.get_params(ctx):
            apply_language(ctx, lang)
        return super().parse_args(ctx, args)

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        """Click's ``--help`` with our msgid, so it is translated with the rest."""
        option = super().get_help_option(ctx)
        if option is not None and option.help and not getattr(option, "_msgid", False):
            option.help = N_("Show this message and exit.")
            option._msgid = True  # type: ignore[attr-defined]
        return option

    def get_short_help_str(self, limit: int = 45) -> str:
        with _translated(self):
            return super().get_short_help_str(limit)


class TranslatedGroup(TranslatedCommand, click.Group):
    """A group of translated commands (its subcommands and subgroups are translated too)."""

    command_class = TranslatedCommand
    group_class = type
