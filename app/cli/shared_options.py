"""The options every ``deskready`` command takes, before or after its name.

``deskready --lang ja check`` and ``deskready check --lang ja`` do the same: people type
an option where they think of it, and scripts are written both ways. The options are
declared once, here, and :class:`deskready.cli.translated.TranslatedCommand` adds them to
every command and group (``get_params``), so a command added later (or a ``hub``
subcommand) takes them without repeating anything. They set process-wide state through
their callbacks and expose no value to the command function; what a command needs later
is kept in the click context's ``meta``, which every nested context shares.
"""

from __future__ import annotations

import logging
import sys

import click

from deskready import __version__
from deskready.checks.i18n import N_, _, set_language
from deskready.checks.language import LANGUAGES, normalise_language

#: ``ctx.meta`` keys: the language asked for with --lang (for the GUI), and --debug.
LANG_KEY = "deskready.lang"
DEBUG_KEY = "deskready.debug"


def setup_logging(debug: bool) -> None:
    """Tracebacks and check internals go to stderr with --debug; otherwise only warnings.

    Callable more than once (``deskready check --debug`` turns debugging on after the group
    set up the quiet default): the levels are set each time; the handler is made once.
    """
    logging.basicConfig(format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    logging.getLogger().setLevel(logging.DEBUG if debug else logging.WARNING)
    # A crashed check is already reported in the results; keep its traceback out of the
    # agent's terminal unless --debug.
    logging.getLogger("deskready.runner").setLevel(logging.NOTSET if debug else logging.CRITICAL)


def is_debug(ctx: click.Context) -> bool:
    """Whether --debug was given anywhere on the command line."""
    return bool(ctx.meta.get(DEBUG_KEY))


def asked_language(ctx: click.Context) -> str | None:
    """The code given with --lang (before or after the command), if any."""
    value = ctx.meta.get(LANG_KEY)
    return value if isinstance(value, str) else None


def apply_language(ctx: click.Context, value: str | None) -> None:
    """What ``--lang`` does: the top level always sets a language (the system's when none
    is given); a subcommand only when asked, so it never undoes the top level's --lang."""
    if value is not None:
        ctx.meta[LANG_KEY] = value
    if value is not None or ctx.parent is None:
        set_language(value)


def _on_lang(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    if value is not None and normalise_language(value) is None and not ctx.resilient_parsing:
        # Typed by hand ("jp"), it would silently give English: say so, as the spec does
        # for its report_language, in the spec's words (and with its "did you mean").
        from deskready.spec.loader import _language_hint

        message = _("unknown language '{code}'; use one of: {codes}").format(
            code=value, codes=", ".join(LANGUAGES)
        ) + _language_hint(value)
        click.echo(_("Error") + f": --lang: {message}", err=True)
        ctx.exit(2)  # ExitCode.USAGE
    apply_language(ctx, value)


def _on_debug(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value:
        ctx.meta[DEBUG_KEY] = True
    if value or ctx.parent is None:
        setup_logging(is_debug(ctx))


def _on_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value and not ctx.resilient_parsing:
        click.echo(f"deskready, version {__version__}")
        ctx.exit()


#: The shared options, one instance each for the whole process (click options hold no
#: per-invocation state); their help texts are msgids, translated when shown.
SHARED_OPTIONS: tuple[click.Option, ...] = (
    click.Option(
        ["--lang"],
        metavar="CODE",
        is_eager=True,  # before --help, so the help is in that language too
        expose_value=False,
        callback=_on_lang,
        help=N_("Language: en, ja, de, nl, ms (default: the system's)."),
    ),
    click.Option(
        ["--debug"],
        is_flag=True,
        expose_value=False,
        callback=_on_debug,
        help=N_("Show tracebacks and debug logging."),
    ),
    click.Option(
        ["--version"],
        is_flag=True,
        is_eager=True,
        expose_value=False,
        callback=_on_version,
        help=N_("Show the version and exit."),
    ),
)

#: --lang, which :meth:`deskready.cli.translated.TranslatedCommand.parse_args` applies first.
LANG_OPTION = SHARED_OPTIONS[0]
