"""Target for a self-hosted LibreSpeed server, whichever of its backends it runs.

The PHP backend (librespeed/speedtest ``backend/``) serves ``garbage.php?ckSize=N`` (N MiB
of incompressible data), ``empty.php`` (the upload sink, answering after it has read the
body; and, as a GET, the ping) and ``getIP.php``. The Go and Rust servers
(librespeed/speedtest-go, speedtest-rust) serve the same under ``garbage``, ``empty`` and
``getIP`` without ``.php`` (speedtest-go also answers ``/backend/…``).

The spec may name a ``.php`` file, one of the bare routes, the backend folder, or the
LibreSpeed *page* (``https://host/``), whose backend lives in ``backend/`` below it. For a
folder, :func:`resolve_librespeed` asks ``empty.php`` then ``empty`` (then the same under
``backend/``) and takes the first that answers 200; when that was under ``backend/``, the
check tells the agent which address to put in the spec. A scheme-relative ``//host/…``
tries HTTPS, then HTTP.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from deskready.checks.i18n import M_
from deskready.checks.network.adapters import NetAdapter
from deskready.checks.network.http_transport import (
    Deadline,
    HttpStatusError,
    Target,
    TransferError,
    describe,
    http_get,
)
from deskready.checks.network.server_url import schemes
from deskready.checks.network.transfer_errors import REQUEST_ERRORS

#: MiB per download request; big enough that requests rarely end inside a test phase.
CHUNK_MIB = 100
#: the two naming schemes: PHP backend, Go/Rust servers
PHP = ("garbage.php", "empty.php", "getIP.php")
BARE = ("garbage", "empty", "getIP")
#: one probe request's wall-clock bound
PROBE_S = 4.0


@dataclass(frozen=True)
class Layout:
    """A backend base URL (ending in ``/``) and its file names."""

    base: str
    names: tuple[str, str, str]


def layouts(url: str) -> list[Layout]:
    """The layouts ``url`` (absolute) may mean, most likely first (pure)."""
    parts = urlsplit(url)
    path = parts.path or "/"
    leaf = posixpath.basename(path)
    folder = path if path.endswith("/") else posixpath.dirname(path).rstrip("/") + "/"

    def at(p: str) -> str:
        return urlunsplit((parts.scheme, parts.netloc, p, "", ""))

    if leaf in PHP or posixpath.splitext(leaf)[1] == ".php":
        return [Layout(at(folder), PHP)]
    if leaf in BARE:
        return [Layout(at(folder), BARE)]
    folder = path if path.endswith("/") else path + "/"
    found = [Layout(at(folder), PHP), Layout(at(folder), BARE)]
    if not folder.endswith("/backend/"):
        found += [Layout(at(folder + "backend/"), PHP), Layout(at(folder + "backend/"), BARE)]
    return found


def librespeed_target(url: str) -> Target:
    """The target ``url`` most likely means, without asking the server (PHP names for a
    folder)."""
    return target_of(layouts(schemes(url)[0])[0], url)


def target_of(layout: Layout, given: str) -> Target:
    """The three operations' URLs of a resolved layout."""
    garbage, empty, _ip = layout.names
    return Target(
        name=M_("LibreSpeed at {host}", host=urlsplit(layout.base).hostname or given),
        download_url=f"{layout.base}{garbage}?ckSize={CHUNK_MIB}",
        upload_url=f"{layout.base}{empty}",
        latency_url=f"{layout.base}{empty}",
        protocol="librespeed",
        info={"url": given, "backend_url": layout.base},
    )


def resolve_librespeed(url: str, net: NetAdapter, deadline: Deadline) -> tuple[Target, str | None]:
    """The server's target, and a hint for the agent when the spec's address was not the
    backend's own (None when it was).

    Raises:
        TransferError: no layout answered (the message lists what was tried and says
            which address the spec needs), or the server could not be reached at all.
    """
    tried: list[str] = []
    last: BaseException | None = None
    for absolute in schemes(url):
        candidates = layouts(absolute)
        if len(candidates) == 1 and not url.startswith("//"):
            return target_of(candidates[0], url), None  # named exactly: no probe
        for layout in candidates:
            probe = f"{layout.base}{layout.names[1]}"
            tried.append(probe)
            try:
                http_get(probe, net, deadline.bounded(PROBE_S), limit=64 * 1024)
            except HttpStatusError as exc:
                last = exc
                continue
            except REQUEST_ERRORS as exc:
                last = exc
                break  # unreachable with this scheme: the next layouts would be too
            hint = None
            if layout.base.rstrip("/") != absolute.split("?")[0].rstrip("/") and (
                "/backend/" in layout.base and "/backend" not in absolute
            ):
                hint = M_(
                    "The LibreSpeed address in the spec ({given}) is the test's web page; "
                    "its backend answered at {base}. Put that address in the spec.",
                    given=url,
                    base=layout.base,
                )
            return target_of(layout, url), hint
    if isinstance(last, HttpStatusError) or last is None:
        raise TransferError(
            M_(
                "No LibreSpeed backend answered at {given} (tried {tried}). Put the address "
                "of the server's backend folder in the spec, for example "
                "https://speed.example.com/backend/.",
                given=url,
                tried=", ".join(tried),
            )
        )
    raise TransferError(describe(last, urlsplit(schemes(url)[-1]).hostname or url))
