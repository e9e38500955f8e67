"""Click commands whose help texts are translated when shown, not when defined.

Click reads ``help=`` once, at import time, before ``--lang`` has been parsed. The texts
are therefore declared as msgids (``N_``) and swapped for their translation only while
help is being formatted, in whatever language is active then.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click

from deskready.checks.i18n import N_, _


@contextmanager
def _translated(command: click.Command, ctx: click.Context | None = None) -> Iterator[None]:
    """Temporarily replace the command's and its options' help with translations."""
    saved: list[tuple[Any, str, str | None]] = [
        (command, "help", command.help),
        (command, "short_help", command.short_help),
    ]
    params = list(command.params)
    if ctx is not None and (help_option := command.get_help_option(ctx)) is not None:
        params.append(help_option)
    saved += [(p, "help", getattr(p, "help", None)) for p in params]
    try:
        for owner, attribute, text in saved:
            if text:
                setattr(owner, attribute, _(text))
        yield
    finally:
        for owner, attribute, text in saved:
            setattr(owner, attribute, text)


class TranslatedCommand(click.Command):
    """A command whose help and option help are msgids."""

    def format_help(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with _translated(self, ctx):
            super().format_help(ctx, formatter)

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
