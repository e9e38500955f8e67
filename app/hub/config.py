"""The hub's settings: one ``config.toml`` in its data folder, validated key by key.

Why a file and not only options: ``deskready hub serve`` is started by systemd (or several
times, behind a load balancer) and every process must agree on the database, the public
URL that goes into invite links, and the limits. ``hub init`` writes the file once; the
operator edits it by hand afterwards, so every bad key gets its own clear message instead
of a traceback when the hub starts.

The file may hold the PostgreSQL password (inside ``database_url``), so it is written with
mode 0600 from the start and replaced atomically (a crash never leaves half a file). It is
read like every file deskready reads: through :mod:`deskready.bounded_read` (a size cap, a
regular file only, line numbers for syntax errors).

Layout::

    [hub]
    name = "ACME Calls hub"
    public_url = "https://hub.acme.example"
    database_url = "sqlite:////var/lib/deskready-hub/hub.db"

    [listen]
    host = "127.0.0.1"
    api_port = 8080
    measure_port = 8081
    stun_port = 3478

    [limits]
    body_max_bytes = 2097152
    ...

    [privacy]
    source_prefix_only = true
    source_retention_days = 90
"""

from __future__ import annotations

import ipaddress
import math
import os
import tempfile
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from deskready.bounded_read import FileMissing, ReadProblem, decode_text, load_toml, read_file
from deskready.checks.i18n import _

CONFIG_NAME = "config.toml"
KEY_NAME = "signing-key.pem"
DB_NAME = "hub.db"
#: A hand-edited settings file is a few hundred bytes; anything bigger is a mistake.
MAX_CONFIG_BYTES = 64 * 1024
APP_DIR_NAME = "deskready-hub"


def default_data_dir() -> Path:
    """The platform's data folder for the hub (``~/.local/share/deskready-hub`` on Linux)."""
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_DIR_NAME, appauthor=False))


def sqlite_url(path: Path) -> str:
    """``sqlite:////absolute/path`` (SQLAlchemy's form: three slashes, then the path)."""
    return "sqlite:///" + str(path.resolve())


class ConfigError(Exception):
    """The settings cannot be used; one line per problem, every problem at once."""

    def __init__(self, where: str, problems: list[str]) -> None:
        self.where = where
        self.problems = problems
        super().__init__(self.render())

    def render(self) -> str:
        """``where: problem`` lines, as the CLI prints them."""
        return "\n".join(f"{self.where}: {problem}" for problem in self.problems)


@dataclass(frozen=True)
class Limits:
    """What one client may ask of the hub (issue 15 §5: caps, timeouts, rate limits)."""

    #: largest request body the API reads (a sealed report is tens of kB); more → 413
    body_max_bytes: int = 2 * 1024 * 1024
    #: bytes one measurement session may move on the measurement port (both directions);
    #: a 1 Gbit/s test of 15 s each way moves about 3.75 GB, so 4 GiB lets the fastest home
    #: link finish while a runaway client is still stopped
    session_max_bytes: int = 4 * 1024 * 1024 * 1024
    #: how long a session (and its nonce) lives after the agent joins (hub-protocol §2)
    session_lifetime_s: int = 3600
    #: a client that sends nothing for this long is cut off (a 1-byte-per-second client)
    read_timeout_s: float = 10.0
    #: requests per minute from one source address, on every endpoint
    rate_per_address_per_minute: int = 120
    #: joins and submissions per minute with one invite code
    rate_per_invite_per_minute: int = 20
    #: sign-in attempts per minute from one address (password guessing)
    rate_login_per_minute: int = 10


@dataclass(frozen=True)
class Privacy:
    """What the hub keeps of an agent's network address (issue 15 §3)."""

    #: keep only the /24 (IPv4) or /48 (IPv6) prefix, not the whole address
    source_prefix_only: bool = True
    #: source addresses older than this are erased
    source_retention_days: int = 90


@dataclass(frozen=True)
class Alerts:
    """How the hub tells the employer about agents (docs/hub-alerts.md).

    The webhook's URL and secret are not here but in the database (``deskready hub
    webhook set``), so a change reaches every hub process at once and is audit-logged.
    """

    #: how often the overdue sweep looks for agents whose latest report is too old
    sweep_every_s: float = 60.0
    #: how often a hub process looks for alerts to send (new ones, and retries now due)
    poll_every_s: float = 1.0
    #: attempts per delivery before it is given up (marked failed in the delivery log)
    max_attempts: int = 6
    #: the wait before the 2nd attempt; each further wait doubles (1, 2, 4, 8, 16 s)
    backoff_base_s: float = 1.0
    #: seconds one webhook request or SMTP conversation may take
    timeout_s: float = 10.0
    #: e-mail recipients, comma-separated ("" = no e-mail); sent through [smtp]
    email_to: str = ""


@dataclass(frozen=True)
class Smtp:
    """The SMTP relay e-mail alerts go through (``host = ""``: none)."""

    host: str = ""
    port: int = 587
    #: upgrade the connection with STARTTLS before logging in (RFC 3207)
    starttls: bool = True
    user: str = ""
    password: str = ""
    sender: str = ""


@dataclass(frozen=True)
class HubConfig:
    """Everything a hub process needs to know; see the module docstring for the file."""

    data_dir: Path
    database_url: str
    public_url: str = "https://hub.example"
    name: str = "deskready hub"
    host: str = "127.0.0.1"
    api_port: int = 8080
    measure_port: int = 8081
    stun_port: int = 3478
    limits: Limits = field(default_factory=Limits)
    privacy: Privacy = field(default_factory=Privacy)
    alerts: Alerts = field(default_factory=Alerts)
    smtp: Smtp = field(default_factory=Smtp)

    @property
    def config_path(self) -> Path:
        """Where this configuration is stored."""
        return self.data_dir / CONFIG_NAME

    @property
    def key_path(self) -> Path:
        """The current signing key (Ed25519, PEM, mode 0600)."""
        return self.data_dir / KEY_NAME

    def join_link(self, code: str) -> str:
        """The link an agent opens (or pastes) to join: ``<public url>/join/<code>``."""
        return f"{self.public_url.rstrip('/')}/join/{code}"

    def with_overrides(self, **changes: Any) -> HubConfig:
        """A copy with some values replaced (``serve --port``); None values are ignored."""
        kept = {key: value for key, value in changes.items() if value is not None}
        updated = replace(self, **kept)
        problems = _check_values(updated)
        if problems:
            raise ConfigError(_("options"), problems)
        return updated


# -- validation ---------------------------------------------------------------------------

_SECTIONS: dict[str, tuple[str, ...]] = {
    "hub": ("name", "public_url", "database_url"),
    "listen": ("host", "api_port", "measure_port", "stun_port"),
    "limits": tuple(f.name for f in fields(Limits)),
    "privacy": tuple(f.name for f in fields(Privacy)),
    "alerts": tuple(f.name for f in fields(Alerts)),
    "smtp": tuple(f.name for f in fields(Smtp)),
}
_INT_BOUNDS: dict[str, tuple[int, int]] = {
    # 0: any free port, chosen when the hub starts (tests, several hubs on one machine)
    "api_port": (0, 65535),
    "measure_port": (0, 65535),
    "stun_port": (0, 65535),
    "body_max_bytes": (1024, 1024 * 1024 * 1024),
    # sessions.bytes_moved is a 64-bit BIGINT; 1 TiB is far beyond any speed test
    "session_max_bytes": (1024 * 1024, 2**40),
    "session_lifetime_s": (60, 7 * 24 * 3600),
    "rate_per_address_per_minute": (1, 1_000_000),
    "rate_per_invite_per_minute": (1, 1_000_000),
    "rate_login_per_minute": (1, 1_000_000),
    "source_retention_days": (1, 36500),
    "max_attempts": (1, 20),
    "port": (1, 65535),
}
#: (low, high) seconds of the [alerts] durations: milliseconds are allowed (tests), more
#: than a day between sweeps or before a retry is a mistake
_SECONDS_BOUNDS: dict[str, tuple[float, float]] = {
    "sweep_every_s": (0.01, 86400.0),
    "poll_every_s": (0.01, 3600.0),
    "backoff_base_s": (0.001, 3600.0),
    "timeout_s": (0.1, 300.0),
}


def check_public_url(url: str) -> str | None:
    """Why ``url`` cannot be the hub's public URL, or None.

    ``https://`` always; plain ``http://`` only to a loopback address, the same rule the
    agent applies (hub-protocol: "Plain http:// is refused for the API except to a
    loopback address"), so the hub never prints a link its agents would refuse.
    """
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        return _("not a URL")
    if parts.scheme not in ("https", "http") or not host:
        return _("must be an https:// address, such as https://hub.example")
    if parts.query or parts.fragment or (parts.path not in ("", "/")):
        return _("must be the hub's address alone, without a path, query or fragment")
    if parts.scheme == "http" and not _is_loopback(host):
        return _("plain http:// is only allowed to a loopback address; use https://")
    return None


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_database_url(url: str) -> str | None:
    """Why ``url`` is not a database the hub can use, or None (SQLite or PostgreSQL)."""
    scheme = url.split(":", 1)[0].lower()
    if scheme in ("sqlite", "sqlite+pysqlite"):
        return (
            None
            if url.startswith(f"{scheme}:///")
            else _("a SQLite URL is sqlite:////path/to/hub.db")
        )
    if scheme in ("postgresql", "postgres", "postgresql+psycopg"):
        return None
    return _("must start with sqlite:/// or postgresql://")


def _check_values(config: HubConfig) -> list[str]:
    """Problems with values that passed the type checks (ranges, URLs)."""
    problems: list[str] = []
    if (why := check_public_url(config.public_url)) is not None:
        problems.append(f"[hub] public_url: {why}")
    if (why := check_database_url(config.database_url)) is not None:
        problems.append(f"[hub] database_url: {why}")
    if not config.name.strip() or len(config.name) > 200:
        problems.append("[hub] name: " + _("must be 1 to 200 characters"))
    if not config.host.strip():
        problems.append("[listen] host: " + _("must not be empty"))
    ports = {"api_port": config.api_port, "measure_port": config.measure_port}
    for section, values in (
        ("listen", {**ports, "stun_port": config.stun_port}),
        ("limits", vars(config.limits)),
        ("privacy", vars(config.privacy)),
        ("alerts", vars(config.alerts)),
        ("smtp", vars(config.smtp)),
    ):
        for key, value in values.items():
            if key in _INT_BOUNDS:
                low, high = _INT_BOUNDS[key]
                if not low <= value <= high:
                    problems.append(
                        f"[{section}] {key}: "
                        + _("must be between {low} and {high}").format(low=low, high=high)
                    )
    if config.api_port == config.measure_port != 0:
        problems.append("[listen] measure_port: " + _("must differ from api_port"))
    timeout = config.limits.read_timeout_s
    if not (math.isfinite(timeout) and 0.5 <= timeout <= 600):
        problems.append("[limits] read_timeout_s: " + _("must be between 0.5 and 600 seconds"))
    problems += _check_alerts(config.alerts, config.smtp)
    return problems


def _check_alerts(alerts: Alerts, smtp: Smtp) -> list[str]:
    """Problems with the [alerts] and [smtp] values (ranges, addresses)."""
    problems: list[str] = []
    for key, (low, high) in _SECONDS_BOUNDS.items():
        value = getattr(alerts, key)
        if not (math.isfinite(value) and low <= value <= high):
            problems.append(
                f"[alerts] {key}: "
                + _("must be between {low} and {high} seconds").format(low=low, high=high)
            )
    for address in email_recipients(alerts):
        if not _looks_like_address(address):
            problems.append(
                "[alerts] email_to: "
                + _("{address} is not an e-mail address").format(address=repr(address))
            )
    if email_recipients(alerts) and not smtp.host:
        problems.append("[alerts] email_to: " + _("needs an SMTP relay: set [smtp] host"))
    if smtp.host and not _looks_like_address(smtp.sender):
        problems.append("[smtp] sender: " + _("must be the e-mail address alerts come from"))
    if smtp.password and not smtp.user:
        problems.append("[smtp] password: " + _("is given without a user"))
    return problems


def email_recipients(alerts: Alerts) -> list[str]:
    """The addresses in ``[alerts] email_to`` (comma-separated), in order."""
    return [part.strip() for part in alerts.email_to.split(",") if part.strip()]


def _looks_like_address(text: str) -> bool:
    """``local@domain``, no spaces or line breaks (a header cannot be smuggled in)."""
    local, at, domain = text.rpartition("@")
    return bool(at and local and "." in domain) and not any(c.isspace() for c in text)


def _typed(section: str, key: str, value: object, expected: type) -> tuple[object, str | None]:
    """``value`` if it has the expected TOML type, else a problem."""
    where = f"[{section}] {key}: "
    if expected is bool:
        if isinstance(value, bool):
            return value, None
        return None, where + _("must be true or false")
    if expected is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value, None
        return None, where + _("must be a whole number")
    if expected is float:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value), None
        return None, where + _("must be a number")
    if isinstance(value, str):
        return value, None
    return None, where + _("must be text in quotes")


def _types(cls: type) -> dict[str, type]:
    hints = {"int": int, "float": float, "bool": bool, "str": str}
    return {f.name: hints[str(f.type)] for f in fields(cls)}


_HUB_TYPES: dict[str, type] = {"name": str, "public_url": str, "database_url": str}
_LISTEN_TYPES: dict[str, type] = {
    "host": str,
    "api_port": int,
    "measure_port": int,
    "stun_port": int,
}


def parse_config(raw: dict[str, Any], data_dir: Path, where: str) -> HubConfig:
    """A :class:`HubConfig` from the parsed TOML of ``config.toml``.

    Raises:
        ConfigError: every unknown section or key, wrong type or out-of-range value.
    """
    problems: list[str] = []
    values: dict[str, dict[str, object]] = {name: {} for name in _SECTIONS}
    types: dict[str, dict[str, type]] = {
        "hub": _HUB_TYPES,
        "listen": _LISTEN_TYPES,
        "limits": _types(Limits),
        "privacy": _types(Privacy),
        "alerts": _types(Alerts),
        "smtp": _types(Smtp),
    }
    for section, table in raw.items():
        if section not in _SECTIONS:
            problems.append(
                _("unknown section [{section}] (known: {known})").format(
                    section=section, known=", ".join(_SECTIONS)
                )
            )
            continue
        if not isinstance(table, dict):
            problems.append(_("{section} must be a table: [{section}]").format(section=section))
            continue
        for key, value in table.items():
            if key not in types[section]:
                problems.append(
                    f"[{section}] {key}: "
                    + _("unknown setting (known: {known})").format(
                        known=", ".join(_SECTIONS[section])
                    )
                )
                continue
            typed, problem = _typed(section, key, value, types[section][key])
            if problem is not None:
                problems.append(problem)
            else:
                values[section][key] = typed
    if "database_url" not in values["hub"] and not problems:
        values["hub"]["database_url"] = sqlite_url(data_dir / DB_NAME)
    if problems:
        raise ConfigError(where, problems)
    config = HubConfig(
        data_dir=data_dir,
        **values["hub"],  # type: ignore[arg-type]
        **values["listen"],  # type: ignore[arg-type]
        limits=Limits(**values["limits"]),  # type: ignore[arg-type]
        privacy=Privacy(**values["privacy"]),  # type: ignore[arg-type]
        alerts=Alerts(**values["alerts"]),  # type: ignore[arg-type]
        smtp=Smtp(**values["smtp"]),  # type: ignore[arg-type]
    )
    problems = _check_values(config)
    if problems:
        raise ConfigError(where, problems)
    return config


def load_config(data_dir: Path) -> HubConfig:
    """The hub's settings from ``<data_dir>/config.toml``.

    Raises:
        ConfigError: the file is missing (the hub was never initialised here), unreadable,
            not TOML, or has bad values; every problem with its key.
    """
    path = data_dir / CONFIG_NAME
    try:
        text = decode_text(read_file(path, limit=MAX_CONFIG_BYTES))
        raw = load_toml(text)
    except FileMissing:
        raise ConfigError(
            str(path),
            [
                _(
                    "no hub here; create one with: deskready hub init --dir {dir} --admin EMAIL"
                ).format(dir=data_dir)
            ],
        ) from None
    except ReadProblem as exc:
        raise ConfigError(exc.where(path), [exc.reason]) from None
    return parse_config(raw, data_dir.resolve(), str(path))


# -- writing ------------------------------------------------------------------------------


def _toml_string(text: str) -> str:
    """A TOML basic string: quotes, backslashes and every control character escaped."""
    out = ['"']
    for char in text:
        if char in ('"', "\\"):
            out.append("\\" + char)
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\u{ord(char):04X}")
        else:
            out.append(char)
    out.append('"')
    return "".join(out)


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return _toml_string(str(value))


def render_config(config: HubConfig) -> str:
    """The TOML text of ``config`` (every key written, so the operator sees the defaults)."""
    sections: dict[str, dict[str, object]] = {
        "hub": {
            "name": config.name,
            "public_url": config.public_url,
            "database_url": config.database_url,
        },
        "listen": {
            "host": config.host,
            "api_port": config.api_port,
            "measure_port": config.measure_port,
            "stun_port": config.stun_port,
        },
        "limits": dict(vars(config.limits)),
        "privacy": dict(vars(config.privacy)),
        "alerts": dict(vars(config.alerts)),
        "smtp": dict(vars(config.smtp)),
    }
    lines = [
        "# deskready hub settings (docs/hub.md). Mode 0600: database_url may hold a password.",
    ]
    for section, values in sections.items():
        lines += ["", f"[{section}]"]
        lines += [f"{key} = {_toml_value(value)}" for key, value in values.items()]
    return "\n".join(lines) + "\n"


def write_private_file(path: Path, data: bytes) -> None:
    """Replace ``path`` atomically with ``data``, readable by its owner only (0600).

    ``mkstemp`` creates the temporary file with mode 0600, so the secret is never
    readable by others, not even for a moment; ``os.replace`` then swaps it in whole.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def save_config(config: HubConfig) -> None:
    """Write ``config.toml`` (mode 0600, atomically)."""
    config.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    write_private_file(config.config_path, render_config(config).encode("utf-8"))
