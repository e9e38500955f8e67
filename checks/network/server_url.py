"""The forms the bandwidth check's ``server`` setting may take, judged when the spec loads.

Pure (no I/O), so the spec loader refuses a bad address with its line instead of the
check failing minutes later at run time (exit 3). Accepted:

* ``auto`` and a speedtest.net server id (digits) — the ``speedtest`` backend;
* ``http://…`` and ``https://…`` with a host, and an optional port 1–65535;
* the **scheme-relative** ``//host/path`` of LibreSpeed's ``server-list.json`` (a browser
  takes the page's scheme; deskready tries HTTPS first, then HTTP: :func:`schemes`).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from deskready.checks.api import Setting
from deskready.checks.i18n import M_, N_


def is_url(value: str) -> bool:
    """An address (absolute or scheme-relative) rather than ``auto`` or an id."""
    return value.startswith(("http://", "https://", "//"))


def schemes(value: str) -> list[str]:
    """Absolute URLs to try for ``value``: itself, or HTTPS then HTTP for ``//host``."""
    if value.startswith("//"):
        return [f"https:{value}", f"http:{value}"]
    return [value]


def problem(value: object) -> str | None:
    """Why ``value`` cannot be the ``server`` setting (translated), or None if it can."""
    if not isinstance(value, str):
        return None  # the type is the loader's job
    text = value.strip()
    if text in {"", "auto"} or text.isdigit():
        return None
    expected = M_(
        'must be "auto", a speedtest.net server id (a number), or the server\'s address '
        "starting with https://, http:// or //"
    )
    if not is_url(text):
        return expected
    if any(ch.isspace() for ch in text):
        return M_("must be an address without spaces")
    try:
        parts = urlsplit(schemes(text)[0])
        port = parts.port
    except ValueError:
        return M_("must be an address with a valid port (1 to 65535)")
    if not parts.hostname:
        return M_("must be an address with a host name, e.g. https://speed.example.com/backend/")
    if port == 0:
        return M_("must be an address with a valid port (1 to 65535)")
    return None


#: The settings every check that talks to a speed-test server declares (bandwidth and
#: responsiveness): one wording, one validation when the spec loads.
BACKEND_SETTING = Setting(
    "backend",
    str,
    "speedtest",
    N_("speedtest (speedtest.net or a Speedtest Mini) or librespeed"),
    choices=("speedtest", "librespeed"),
)
SERVER_SETTING = Setting(
    "server",
    str,
    "auto",
    N_(
        'speedtest: "auto", a speedtest.net server id, or a Speedtest Mini URL; '
        "librespeed: the server's backend URL (or its page, or //host/…)"
    ),
    check=problem,
)
