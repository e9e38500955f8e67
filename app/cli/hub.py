"""``deskready hub …``: create, run and administer an employer hub.

This module imports click and deskready's CLI helpers only: ``deskready check`` loads it
(the ``hub`` group is registered on the main command) and must not pay for, or need,
the hub's server dependencies. Each command imports ``deskready.hub`` when it runs, after
the group has checked that the ``hub`` extra is installed.

Every error is one message on stderr and exit status 2 (the README's table: a bad option,
a bad file, a refused request); success is 0.
"""

from __future__ import annotations

import getpass
import importlib
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click
from rich.table import Table
from rich.text import Text

from deskready.checks.i18n import N_, _, ngettext
from deskready.cli.exit_codes import ExitCode
from deskready.cli.render import plain_console
from deskready.cli.translated import TranslatedGroup

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from deskready.hub.config import HubConfig

F = TypeVar("F", bound=Callable[..., Any])
#: the modules of the ``hub`` extra (pyproject.toml) the hub cannot run without
HUB_MODULES = ("sqlalchemy", "alembic", "argon2", "uvicorn", "fastapi", "h11")
MAX_PASSWORD_FILE = 4096


def _fail(message: str, code: ExitCode = ExitCode.USAGE) -> NoReturn:
    plain_console(stderr=True).print(Text.assemble((_("Error") + ": ", "bold red"), message))
    sys.exit(int(code))


def missing_hub_modules() -> list[str]:
    """The hub extra's modules that cannot be imported here."""
    missing = []
    for name in HUB_MODULES:
        try:
            importlib.import_module(name)
        except ImportError:
            missing.append(name)
    return missing


def _table_console() -> Any:
    """A console for a table: the terminal's width, or wide enough when piped (nothing
    cut off with "…" in a file or a script)."""
    console = plain_console()
    return console if console.is_terminal else plain_console(width=400)


def _actor() -> str:
    """Who did it, for the audit log: the operating-system account running the command."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def _dir_option(function: F) -> F:
    return click.option(
        "--dir",
        "data_dir",
        type=click.Path(path_type=Path, file_okay=False),
        envvar="DESKREADY_HUB_DIR",
        metavar="DIR",
        help=N_("The hub's folder (default: the platform's data folder, or $DESKREADY_HUB_DIR)."),
    )(function)


def _data_dir(value: Path | None) -> Path:
    from deskready.hub.config import default_data_dir

    return (value or default_data_dir()).expanduser()


@contextmanager
def _problems() -> Iterator[None]:
    """Turn the hub's own errors into one message and exit 2."""
    from sqlalchemy.exc import SQLAlchemyError

    from deskready.hub.admin import AdminError
    from deskready.hub.config import ConfigError
    from deskready.hub.serve import ServeError
    from deskready.trust.keys import KeyProblem

    try:
        yield
    except ConfigError as exc:
        _fail(exc.render())
    except (AdminError, ServeError, KeyProblem) as exc:
        _fail(str(exc))
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        _fail(_("the database cannot be used: {reason}").format(reason=reason))


@contextmanager
def _open_hub(data_dir: Path | None) -> Iterator[tuple[HubConfig, sessionmaker[Session]]]:
    """The hub's config and sessions on its database, at the current schema."""
    from deskready.hub.config import load_config
    from deskready.hub.db import current_revision, head_revision, make_engine, session_factory

    with _problems():
        config = load_config(_data_dir(data_dir))
        engine = make_engine(config.database_url)
        try:
            if current_revision(engine) != head_revision():
                _fail(
                    _(
                        "the database is not at this hub's schema; run: deskready hub migrate --dir {dir}"
                    ).format(dir=config.data_dir)
                )
            yield config, session_factory(engine)
        finally:
            engine.dispose()


def _read_password(password_file: Path | None, *, interactive_prompt: str) -> str:
    """From ``--password-file`` (its first line), else asked twice on a terminal."""
    if password_file is not None:
        from deskready.bounded_read import ReadProblem, decode_text, read_file

        try:
            text = decode_text(read_file(password_file, limit=MAX_PASSWORD_FILE))
        except ReadProblem as exc:
            _fail(f"{exc.where(password_file)}: {exc.reason}")
        lines = text.splitlines()
        return lines[0] if lines else ""
    if not sys.stdin.isatty():
        _fail(_("no terminal to ask for the password; give it with --password-file FILE"))
    return str(click.prompt(interactive_prompt, hide_input=True, confirmation_prompt=True))


@click.group(
    "hub",
    cls=TranslatedGroup,
    help=N_(
        "Run the employer's hub: hand out specs and invite codes, measure agents' "
        "networks from the server's side, sign what it saw."
    ),
)
def hub() -> None:
    """The ``deskready hub`` group: checks the ``hub`` extra before any command runs."""
    missing = missing_hub_modules()
    if missing:
        _fail(
            _("The hub needs its extra: pip install 'deskready[hub]' (missing: {modules})").format(
                modules=", ".join(missing)
            )
        )


@hub.command("init", help=N_("Create a hub: its settings, database, signing key and first admin."))
@_dir_option
@click.option(
    "--db",
    "db_url",
    metavar="URL",
    help=N_("Database URL (default: SQLite in the hub's folder), e.g. postgresql://user@host/db."),
)
@click.option(
    "--public-url",
    default="https://hub.example",
    show_default=True,
    metavar="URL",
    help=N_("The address agents reach the hub at; it goes into invite links."),
)
@click.option(
    "--name", default="deskready hub", metavar="NAME", help=N_("The hub's name, shown to agents.")
)
@click.option(
    "--admin",
    "admin_email",
    required=True,
    metavar="EMAIL",
    help=N_("The first administrator's email."),
)
@click.option(
    "--password-file",
    type=click.Path(path_type=Path, dir_okay=False),
    metavar="FILE",
    help=N_("Read the admin's password from the first line of FILE instead of asking."),
)
def hub_init(
    data_dir: Path | None,
    db_url: str | None,
    public_url: str,
    name: str,
    admin_email: str,
    password_file: Path | None,
) -> None:
    from deskready.hub.admin import init_hub
    from deskready.hub.keyring import current_key_id

    folder = _data_dir(data_dir)
    password = _read_password(
        password_file, interactive_prompt=_("Password for {email}").format(email=admin_email)
    )
    with _problems():
        config = init_hub(
            folder,
            admin_email=admin_email,
            admin_password=password,
            database_url=db_url,
            public_url=public_url,
            name=name,
        )
        from deskready.hub.db import make_engine, session_factory

        engine = make_engine(config.database_url)
        try:
            with session_factory(engine)() as db:
                kid = current_key_id(db)
        finally:
            engine.dispose()
    console = plain_console()
    console.print(_("Hub created in {dir}.").format(dir=str(config.data_dir)))
    console.print(_("Signing key: {key_id}").format(key_id=kid))
    console.print(
        _("Start it with: deskready hub serve --dir {dir}").format(dir=str(config.data_dir)),
        soft_wrap=True,
    )


@hub.command("migrate", help=N_("Bring the database to this version's schema (after an upgrade)."))
@_dir_option
def hub_migrate(data_dir: Path | None) -> None:
    from deskready.hub.config import load_config
    from deskready.hub.db import head_revision, migrate

    with _problems():
        config = load_config(_data_dir(data_dir))
        migrate(config.database_url)
    plain_console().print(
        _("The database is at schema {revision}.").format(revision=head_revision())
    )


@hub.command("serve", help=N_("Run the hub: the API and the measurement servers, until stopped."))
@_dir_option
@click.option(
    "--host",
    metavar="ADDRESS",
    help=N_("Listen on this address (default: the config's, 127.0.0.1)."),
)
@click.option("--port", type=click.IntRange(0, 65535), help=N_("The API's port (default 8080)."))
@click.option(
    "--measure-port", type=click.IntRange(0, 65535), help=N_("The measurement port (default 8081).")
)
@click.option(
    "--stun-port", type=click.IntRange(0, 65535), help=N_("The STUN port, UDP (default 3478).")
)
def hub_serve(
    data_dir: Path | None,
    host: str | None,
    port: int | None,
    measure_port: int | None,
    stun_port: int | None,
) -> None:
    from deskready.hub.config import load_config
    from deskready.hub.serve import Ready, run

    console = plain_console(stderr=True)

    def ready(where: Ready) -> None:
        console.print(
            _(
                "The hub's API is listening on {url}, measurement on port {measure}, STUN on {stun}/udp. Stop it with Ctrl-C."
            ).format(url=where.api_url, measure=where.measure_port, stun=where.stun_port),
            soft_wrap=True,
        )

    with _problems():
        config = load_config(_data_dir(data_dir)).with_overrides(
            host=host, api_port=port, measure_port=measure_port, stun_port=stun_port
        )
        run(config, on_ready=ready)
    console.print(_("The hub stopped."))


@hub.group("spec", help=N_("Upload and list the employer's specs."))
def hub_spec() -> None:
    """Specs the hub hands out."""


@hub_spec.command(
    "upload", help=N_("Upload a spec; it is checked like the agent's deskready checks it.")
)
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--name",
    required=True,
    metavar="NAME",
    help=N_("The spec's name in invites and URLs, e.g. strict."),
)
@_dir_option
def hub_spec_upload(file: Path, name: str, data_dir: Path | None) -> None:
    from deskready.bounded_read import ReadProblem, read_file
    from deskready.hub.admin import SpecRefused, upload_spec
    from deskready.spec.loader import MAX_SPEC_BYTES

    try:
        data = read_file(file, limit=MAX_SPEC_BYTES)
    except ReadProblem as exc:
        _fail(f"{exc.where(file)}: {exc.reason}")
    with _open_hub(data_dir) as (_config, sessions), _problems(), sessions() as db:
        try:
            row, new = upload_spec(db, name, data, actor=_actor(), file_name=file.name)
        except SpecRefused as exc:
            _fail(str(exc))
        db.commit()
    console = plain_console()
    line = (
        _("Uploaded spec {name} ({employer}), sha256 {sha256}.")
        if new
        else _("Spec {name} ({employer}) with sha256 {sha256} was already uploaded.")
    )
    console.print(
        line.format(name=row.name, employer=row.employer, sha256=row.sha256), soft_wrap=True
    )
    console.print(
        _("Agents fetch it at /api/v1/specs/{name}/{sha256}").format(
            name=row.name, sha256=row.sha256
        ),
        soft_wrap=True,
    )


@hub_spec.command("list", help=N_("List the uploaded specs, newest version first."))
@_dir_option
def hub_spec_list(data_dir: Path | None) -> None:
    from deskready.format import format_timestamp
    from deskready.hub.admin import list_specs
    from deskready.hub.db import utc

    with _open_hub(data_dir) as (_config, sessions), _problems(), sessions() as db:
        rows = list_specs(db)
    console = _table_console()
    if not rows:
        console.print(
            _("No specs yet; upload one with: deskready hub spec upload FILE --name NAME")
        )
        return
    table = Table(box=None, pad_edge=False)
    for heading in (_("Name"), _("Employer"), _("sha256"), _("Uploaded")):
        table.add_column(heading)
    for row in rows:
        table.add_row(
            row.name,
            row.employer,
            row.sha256,
            format_timestamp(utc(row.uploaded_at).isoformat()),
        )
    console.print(table)


@hub.group(
    "invite",
    invoke_without_command=True,
    help=N_("Make an invite code for an agent (or revoke one: hub invite revoke CODE)."),
)
@click.option("--agent-id", metavar="ID", help=N_("The agent's id; their report must carry it."))
@click.option(
    "--spec",
    "spec_name",
    metavar="NAME",
    help=N_("The uploaded spec the agent is checked against."),
)
@click.option(
    "--expires",
    default="14d",
    show_default=True,
    metavar="DURATION",
    help=N_("How long the code works: 30m, 12h, 14d, 2w."),
)
@click.option(
    "--uses",
    type=click.IntRange(1, 10_000),
    default=1,
    show_default=True,
    help=N_("How many times the code can be used."),
)
@click.option("--team", default="", metavar="TEAM", help=N_("A team name, for the dashboard."))
@_dir_option
@click.pass_context
def hub_invite(
    ctx: click.Context,
    agent_id: str | None,
    spec_name: str | None,
    expires: str,
    uses: int,
    team: str,
    data_dir: Path | None,
) -> None:
    if ctx.invoked_subcommand is not None:
        ctx.obj = {"data_dir": data_dir}
        return
    if not agent_id or not spec_name:
        _fail(_("an invite needs --agent-id ID and --spec NAME"))
    from deskready.hub.admin import AdminError, create_invite, parse_duration
    from deskready.hub.db import utc

    try:
        lifetime = parse_duration(expires)
    except AdminError as exc:
        _fail(f"--expires: {exc}")
    with _open_hub(data_dir) as (config, sessions), _problems(), sessions() as db:
        made = create_invite(
            db,
            agent_id=agent_id,
            spec_name=spec_name,
            expires=lifetime,
            uses=uses,
            team=team,
            actor=_actor(),
        )
        db.commit()
        spec = made.invite.spec
        expires_at = utc(made.invite.expires_at)
    console = plain_console()
    console.print(made.code)
    console.print(config.join_link(made.code), soft_wrap=True)
    console.print(
        ngettext(
            "For agent {agent}, spec {spec} (sha256 {sha256}); {uses} use, expires {when}.",
            "For agent {agent}, spec {spec} (sha256 {sha256}); {uses} uses, expires {when}.",
            uses,
        ).format(
            agent=made.invite.agent_id,
            spec=spec.name,
            sha256=spec.sha256[:12],
            uses=uses,
            when=expires_at.isoformat(timespec="minutes"),
        ),
        soft_wrap=True,
    )


@hub_invite.command(
    "revoke", help=N_("Revoke an invite code (or its link): it stops working at once.")
)
@click.argument("code")
@_dir_option
@click.pass_context
def hub_invite_revoke(ctx: click.Context, code: str, data_dir: Path | None) -> None:
    from deskready.hub.admin import revoke_invite

    folder = data_dir or (ctx.obj or {}).get("data_dir")
    with _open_hub(folder) as (_config, sessions), _problems(), sessions() as db:
        invite = revoke_invite(db, code, actor=_actor())
        db.commit()
        agent = invite.agent_id
    plain_console().print(_("The invite for agent {agent} is revoked.").format(agent=agent))


@hub.group("key", help=N_("The hub's signing key."))
def hub_key() -> None:
    """The signing key."""


@hub_key.command("rotate", help=N_("Make a new signing key; the old public key still verifies."))
@_dir_option
def hub_key_rotate(data_dir: Path | None) -> None:
    from deskready.hub.admin import audit
    from deskready.hub.keyring import rotate

    with _open_hub(data_dir) as (config, sessions), _problems(), sessions() as db:
        old, new = rotate(config, db)
        audit(db, _actor(), "key.rotate", new, {"retired": old})
        db.commit()
    console = plain_console()
    console.print(_("New signing key: {key_id}").format(key_id=new))
    console.print(_("Retired (still verifies earlier attestations): {key_id}").format(key_id=old))
    console.print(
        _("Other hub processes sharing this database need the new key file: {path}").format(
            path=str(config.key_path)
        ),
        soft_wrap=True,
    )


@hub.group("user", help=N_("The people who sign in to the hub."))
def hub_user() -> None:
    """Users."""


@hub_user.command("add", help=N_("Add a user: an admin, or a supervisor who can only read."))
@click.argument("email")
@click.option(
    "--role",
    type=click.Choice(["admin", "supervisor"]),
    default="admin",
    show_default=True,
    help=N_("admin: everything; supervisor: reads reports."),
)
@click.option(
    "--password-file",
    type=click.Path(path_type=Path, dir_okay=False),
    metavar="FILE",
    help=N_("Read the password from the first line of FILE instead of asking."),
)
@_dir_option
def hub_user_add(email: str, role: str, password_file: Path | None, data_dir: Path | None) -> None:
    from deskready.hub.admin import add_user, check_email

    with _problems():
        address = check_email(email)
    password = _read_password(
        password_file, interactive_prompt=_("Password for {email}").format(email=address)
    )
    with _open_hub(data_dir) as (_config, sessions), _problems(), sessions() as db:
        add_user(db, address, password, role=role, actor=_actor())
        db.commit()
    plain_console().print(_("Added {role} {email}.").format(role=role, email=address))


@hub.group("webhook", help=N_("Where the hub posts its alerts: signed JSON (docs/hub-alerts.md)."))
def hub_webhook() -> None:
    """The alerts webhook."""


@hub_webhook.command("set", help=N_("Post alerts to URL; a new signing secret is shown once."))
@click.argument("url")
@click.option(
    "--secret-file",
    type=click.Path(path_type=Path, dir_okay=False),
    metavar="FILE",
    help=N_("Sign with the first line of FILE (16 characters or more) instead of a new secret."),
)
@_dir_option
def hub_webhook_set(url: str, secret_file: Path | None, data_dir: Path | None) -> None:
    from deskready.hub.alerts.webhook import set_webhook

    given = None
    if secret_file is not None:
        given = _read_password(secret_file, interactive_prompt="").strip()
    with _open_hub(data_dir) as (_config, sessions), _problems(), sessions() as db:
        _row, secret = set_webhook(db, url, actor=_actor(), secret=given)
        db.commit()
    console = plain_console()
    console.print(_("Alerts are posted to {url}.").format(url=url), soft_wrap=True)
    if given is None:
        console.print(
            _("Signing secret (shown once; give it to the receiver): {secret}").format(
                secret=secret
            ),
            soft_wrap=True,
        )


@hub_webhook.command("show", help=N_("Show where alerts are posted (never the secret)."))
@_dir_option
def hub_webhook_show(data_dir: Path | None) -> None:
    from deskready.hub.alerts.webhook import current
    from deskready.hub.db import utc

    with _open_hub(data_dir) as (_config, sessions), _problems(), sessions() as db:
        row = current(db)
        shown = None if row is None else (row.url, utc(row.updated_at))
    if shown is None:
        plain_console().print(_("No webhook is set."))
        return
    plain_console().print(
        _("Alerts are posted to {url} (set {at}).").format(
            url=shown[0], at=shown[1].isoformat(timespec="seconds")
        ),
        soft_wrap=True,
    )


@hub_webhook.command("remove", help=N_("Stop posting alerts to the webhook."))
@_dir_option
def hub_webhook_remove(data_dir: Path | None) -> None:
    from deskready.hub.alerts.webhook import remove_webhook

    with _open_hub(data_dir) as (_config, sessions), _problems(), sessions() as db:
        removed = remove_webhook(db, actor=_actor())
        db.commit()
    plain_console().print(_("The webhook is removed.") if removed else _("No webhook is set."))


@hub.command("audit", help=N_("Show the latest admin actions."))
@click.option(
    "--limit",
    type=click.IntRange(1, 10_000),
    default=50,
    show_default=True,
    help=N_("How many entries."),
)
@_dir_option
def hub_audit(limit: int, data_dir: Path | None) -> None:
    from sqlalchemy import select

    from deskready.hub.db import utc
    from deskready.hub.models import AuditEntry

    with _open_hub(data_dir) as (_config, sessions), _problems(), sessions() as db:
        rows = list(db.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)))
    table = Table(box=None, pad_edge=False)
    for heading in (_("When"), _("Who"), _("Action"), _("Target")):
        table.add_column(heading)
    for row in reversed(rows):
        table.add_row(utc(row.at).isoformat(timespec="seconds"), row.actor, row.action, row.target)
    _table_console().print(table)
