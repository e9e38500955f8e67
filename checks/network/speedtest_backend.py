"""Find a Speedtest server: speedtest.net's directory ("auto" or a server id) or a Mini URL.

Speaks the protocol of speedtest-cli 2.1.3 (sivel/speedtest-cli, speedtest.py) — same config and server-list
documents, same ``random{N}x{N}.jpg`` / ``upload.php`` / ``latency.txt`` files, same Mini
detection (``upload_extension: "php"`` in the Mini page) — but only over HTTPS to
speedtest.net, and with a Mini URL it never contacts speedtest.net at all (speedtest-cli's
constructor always does).
"""

from __future__ import annotations

import math
import posixpath
import re
import statistics
import xml.etree.ElementTree as ET
from urllib.parse import urlsplit, urlunsplit

from deskready.checks.api import CheckContext
from deskready.checks.i18n import M_
from deskready.checks.network.adapters import NetAdapter
from deskready.checks.network.http_transport import Deadline, LatencyProbe, Target, http_get
from deskready.checks.network.transfer_errors import (
    REQUEST_ERRORS,
    HttpStatusError,
    TransferError,
    describe,
)

_UPLOAD_EXT = re.compile(r'upload_?[Ee]xtension: "([^"]+)"')
#: How many of the nearest servers get a latency test in "auto" mode (speedtest-cli: 5).
CLOSEST = 5


class SpeedtestDirectory:
    """Where speedtest.net publishes its configuration and server list (an adapter, so a
    test can point it at a local server)."""

    config_url = "https://www.speedtest.net/speedtest-config.php"
    servers_url = "https://www.speedtest.net/speedtest-servers-static.php"


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance (haversine, mean Earth radius 6371 km)."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0 * math.asin(min(1.0, math.sqrt(h)))


def parse_config(xml: bytes) -> tuple[tuple[float, float] | None, set[str]]:
    """Client location and ignored server ids from ``speedtest-config.php``."""
    try:
        root = ET.fromstring(xml)
    except ET.ParseError:
        raise ValueError("malformed speedtest.net configuration") from None
    client = root.find("client")
    location = None
    if client is not None:
        try:
            location = (float(client.get("lat", "")), float(client.get("lon", "")))
        except ValueError:
            location = None
    server_config = root.find("server-config")
    ignore = set()
    if server_config is not None:
        ignore = {i.strip() for i in server_config.get("ignoreids", "").split(",") if i.strip()}
    return location, ignore


def parse_servers(xml: bytes) -> list[dict[str, str]]:
    """Every ``<server .../>`` element's attributes from the server list."""
    try:
        root = ET.fromstring(xml)
    except ET.ParseError:
        raise ValueError("malformed speedtest.net server list") from None
    return [dict(el.attrib) for el in root.iter("server") if el.get("url")]


def target_for_server(server: dict[str, str]) -> Target:
    """The three URLs of a listed server (its ``url`` is ``.../speedtest/upload.php``)."""
    parts = urlsplit(server["url"])
    directory = posixpath.dirname(parts.path) + "/"
    base = urlunsplit((parts.scheme, parts.netloc, directory, "", ""))
    ext = posixpath.splitext(parts.path)[1] or ".php"
    name = ", ".join(p for p in (server.get("sponsor"), server.get("name")) if p) or parts.netloc
    return Target(
        name=name,
        download_url=base + "random4000x4000.jpg",
        upload_url=base + "upload" + ext,
        latency_url=base + "latency.txt",
        protocol="speedtest",
        info={
            "id": server.get("id"),
            "sponsor": server.get("sponsor"),
            "location": server.get("name"),
            "country": server.get("country"),
            "url": server["url"],
        },
    )


def mini_target(
    url: str, net: NetAdapter, ctx: CheckContext, deadline: Deadline | None = None
) -> Target:
    """Check an employer-hosted Speedtest Mini at ``url`` and return its target.

    Its request ends within 6 s of wall clock and by ``deadline`` (the whole speed test's).

    Raises:
        TransferError: the page cannot be fetched or is not a Speedtest Mini.
    """
    parts = urlsplit(url)
    if posixpath.splitext(parts.path)[1]:  # ".../index.html" -> its directory
        parts = parts._replace(path=posixpath.dirname(parts.path))
    base = urlunsplit((parts.scheme, parts.netloc, parts.path.rstrip("/"), "", ""))
    host = parts.hostname or url
    bound = (deadline or Deadline(ctx, ctx.time_left())).bounded
    try:
        page = http_get(base + "/", net, bound(6.0))
    except HttpStatusError as exc:
        if exc.status != 404:
            raise TransferError(describe(exc, host)) from exc
        page = b""
    except REQUEST_ERRORS as exc:
        raise TransferError(describe(exc, host)) from exc
    found = _UPLOAD_EXT.findall(page.decode("utf-8", "replace"))
    if not found:
        raise TransferError(
            M_(
                "{url} is not a Speedtest Mini server. Check the server address in the spec.",
                url=url,
            )
        )
    return Target(
        name=M_("Speedtest Mini at {host}", host=host),
        download_url=f"{base}/speedtest/random4000x4000.jpg",
        upload_url=f"{base}/speedtest/upload.{found[0]}",
        latency_url=f"{base}/speedtest/latency.txt",
        protocol="speedtest",
        info={"url": url, "mini": True},
    )


def directory_target(
    server: str, net: NetAdapter, ctx: CheckContext, deadline: Deadline | None = None
) -> tuple[Target, float]:
    """Pick a speedtest.net server: the given id, or the lowest-latency of the nearest.

    Every request ends within its own wall-clock bound and by ``deadline``.

    Returns the target and its idle latency in ms.

    Raises:
        TransferError: speedtest.net unreachable or refusing, no (matching) servers, or
            none of the candidates answering.
    """
    directory = ctx.adapter(SpeedtestDirectory)
    site = urlsplit(directory.config_url).hostname or "speedtest.net"
    deadline = deadline or Deadline(ctx, ctx.time_left())
    try:
        location, ignore = parse_config(http_get(directory.config_url, net, deadline.bounded(8.0)))
        servers = parse_servers(http_get(directory.servers_url, net, deadline.bounded(8.0)))
    except REQUEST_ERRORS as exc:
        raise TransferError(describe(exc, site)) from exc
    except ValueError as exc:
        raise TransferError(M_("{site} sent a list the test cannot read.", site=site)) from exc
    servers = [s for s in servers if s.get("id") not in ignore]
    if server != "auto":
        servers = [s for s in servers if s.get("id") == server]
        if not servers:
            raise TransferError(
                M_("Speed test server {id} is not in {site}'s list.", id=server, site=site)
            )
    if not servers:
        raise TransferError(M_("{site} returned no speed test servers.", site=site))
    if location is not None:
        for s in servers:
            try:
                s["d"] = str(distance_km(location, (float(s["lat"]), float(s["lon"]))))
            except (KeyError, ValueError):
                s["d"] = "inf"
        servers.sort(key=lambda s: float(s["d"]))
    best: tuple[float, Target] | None = None
    last_error: BaseException | None = None
    for candidate in servers[:CLOSEST]:
        ctx.raise_if_cancelled()
        target = target_for_server(candidate)
        try:
            samples = LatencyProbe(target, net).idle(3, deadline.bounded(2.0), deadline)
        except REQUEST_ERRORS as exc:
            last_error = exc
            continue
        latency = statistics.median(samples)
        if "d" in candidate and candidate["d"] != "inf":
            target.info["distance_km"] = round(float(candidate["d"]), 1)
        if best is None or latency < best[0]:
            best = (latency, target)
    if best is None:
        detail = describe(last_error, site) if last_error else ""
        raise TransferError(
            M_("None of the nearest speed test servers answered. {detail}", detail=detail)
        )
    return best[1], best[0]
