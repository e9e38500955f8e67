"""Bounded HTTP to the employer's hub: stdlib ``urllib`` only, every request limited in
time and in the bytes it reads, errors worded for the agent.

Why not httpx or requests: the agent's bundle stays lean (docs/hub-protocol.md: the agent
side has no server dependencies). Why so careful: the hub's address comes from an invite
link anyone can send, so a slow or hostile server must neither hang deskready nor fill its
memory.

- :func:`check_url` refuses plain ``http://`` except to a loopback address.
- :func:`request` follows no redirect (a redirect could lead from ``https`` to ``http``),
  reads at most ``limit`` bytes and stops after ``timeout`` seconds in all (each socket
  operation is bounded by the same timeout, and the clock is checked between reads).
- Every failure is a :class:`HubError` whose message is one line; ``retry`` says whether
  trying later may help (unreachable, timeout, 5xx), so a report can wait in the outbox.
"""

from __future__ import annotations

import http.client
import ipaddress
import json
import socket
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from deskready.checks.i18n import _
from deskready.checks.network.adapters import call_with_timeout

#: Seconds one request may take in all (connect, send, every read).
TIMEOUT_S = 20.0
#: The most a JSON answer of the hub may hold.
JSON_LIMIT = 256 * 1024
_CHUNK = 64 * 1024
USER_AGENT = "deskready-hubclient"


class HubError(Exception):
    """The hub could not be used; ``str()`` is one line for the agent.

    Attributes:
        status: the HTTP status, or None when no answer came.
        retry: True when trying later may succeed (unreachable, timeout, 5xx).
        title: the problem details' ``title`` (or a short reason), for callers that word
            the message themselves.
    """

    def __init__(
        self, message: str, *, status: int | None = None, retry: bool = False, title: str = ""
    ) -> None:
        super().__init__(message)
        self.status = status
        self.retry = retry
        self.title = title or message


def is_loopback_host(host: str) -> bool:
    """``localhost``, 127.0.0.0/8 or ::1 (never a name that merely resolves to one)."""
    name = host.strip("[]").lower().rstrip(".")
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def check_url(url: str) -> None:
    """Refuse what the hub protocol does not allow: anything but ``https://``, or plain
    ``http://`` to a loopback address.

    Raises:
        HubError: not an http(s) URL, no host, or plain http to another computer.
    """
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError:
        raise HubError(_("{url} is not a valid web address.").format(url=url)) from None
    if parts.scheme not in ("http", "https") or not host:
        raise HubError(
            _("{url} is not a web address of an employer's hub (https://…).").format(url=url)
        )
    if parts.scheme == "http" and not is_loopback_host(host):
        raise HubError(
            _(
                "{url} uses plain http://, which anyone on the way could read and change; "
                "an employer's hub must be reached with https://."
            ).format(url=url)
        )


@dataclass
class Response:
    """A whole answer: status, content type and body."""

    status: int
    content_type: str
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)

    def json(self) -> Any:
        """The body as JSON (a :class:`HubError` if it is not)."""
        try:
            return json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError):
            raise HubError(_("the hub's answer is not JSON"), status=self.status) from None


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # a 3xx is returned as an error, never followed


def _opener(url: str) -> urllib.request.OpenerDirector:
    handlers: list[urllib.request.BaseHandler] = [_NoRedirect()]
    if is_loopback_host(urlsplit(url).hostname or ""):
        handlers.append(urllib.request.ProxyHandler({}))  # never send loopback to a proxy
    return urllib.request.build_opener(*handlers)


def _look_up_within(url: str, timeout: float) -> None:
    """Resolve the hub's name within ``timeout``: ``getaddrinfo`` has no timeout of its own,
    and a resolver that never answers must not hang a run or ``deskready submit``.

    The OS caches the answer for urllib's own lookup right after. Skipped when a proxy
    carries the request (the proxy resolves the name).

    Raises:
        _SlowLookup: the lookup took longer than ``timeout``.
        OSError: the name does not resolve (``socket.gaierror``).
    """
    parts = urlsplit(url)
    host = parts.hostname or ""
    proxies = urllib.request.getproxies()
    if parts.scheme in proxies and not urllib.request.proxy_bypass(host):
        return
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        call_with_timeout(lambda: socket.getaddrinfo(host, port, type=socket.SOCK_STREAM), timeout)
    except TimeoutError:
        raise _SlowLookup from None


class _SlowLookup(OSError):
    """The name lookup did not finish in time."""


def _read_bounded(stream: Any, limit: int, deadline: float) -> bytes:
    chunks: list[bytes] = []
    total = 0
    while total <= limit:
        if time.monotonic() > deadline:
            raise TimeoutError("the answer took too long")
        chunk = stream.read1(min(_CHUNK, limit + 1 - total))
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
    if total > limit:
        raise _TooLarge
    return b"".join(chunks)


class _TooLarge(Exception):
    pass


def _host_words(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.netloc else url


def unreachable(url: str, reason: str) -> HubError:
    """The message for a hub that did not answer."""
    return HubError(
        _("The employer's hub at {hub} could not be reached: {reason}").format(
            hub=_host_words(url), reason=reason
        ),
        retry=True,
        title=reason,
    )


def _reason(exc: BaseException) -> str:
    if isinstance(exc, _SlowLookup):
        return _("looking up its name took too long")
    if isinstance(exc, socket.gaierror):
        return _("its name could not be looked up")
    if isinstance(exc, TimeoutError | socket.timeout):
        return _("no answer in time")
    if isinstance(exc, urllib.error.URLError):
        inner = exc.reason
        if isinstance(inner, TimeoutError | socket.timeout):
            return _("no answer in time")
        if isinstance(inner, socket.gaierror):
            return _("its name could not be looked up")
        if isinstance(inner, ConnectionRefusedError):
            return _("the connection was refused")
        if isinstance(inner, OSError) and inner.strerror:
            return inner.strerror
        return str(inner)
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc) or type(exc).__name__


def problem_text(status: int, content_type: str, body: bytes) -> tuple[str, str]:
    """(title, one line) of an error answer: RFC 9457 problem details' ``title`` and
    ``detail`` when the hub sent them, else the status."""
    title = detail = ""
    if body and "json" in content_type:
        try:
            data = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError):
            data = None
        if isinstance(data, dict):
            title = str(data.get("title") or "")
            detail = str(data.get("detail") or "")
    title = " ".join(title.split())[:200]
    detail = " ".join(detail.split())[:500]
    if not title:
        title = _("error {status}").format(status=status)
    line = f"{title}: {detail}" if detail and detail != title else title
    return title, line


def request(
    method: str,
    url: str,
    *,
    body: bytes | None = None,
    content_type: str = "application/json",
    headers: dict[str, str] | None = None,
    timeout: float = TIMEOUT_S,
    limit: int = JSON_LIMIT,
    ok: tuple[int, ...] = (200, 201),
) -> Response:
    """One request to the hub; the answer if its status is in ``ok``.

    Raises:
        HubError: refused URL, unreachable, too slow, too large, or another status (its
            problem details in one line; ``retry`` for 5xx).
    """
    check_url(url)
    all_headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
    if body is not None:
        all_headers["Content-Type"] = content_type
    all_headers.update(headers or {})
    req = urllib.request.Request(url, data=body, headers=all_headers, method=method)
    deadline = time.monotonic() + timeout
    try:
        _look_up_within(url, timeout)
        try:
            answer = _opener(url).open(req, timeout=max(0.1, deadline - time.monotonic()))
        except urllib.error.HTTPError as exc:  # a status outside 2xx: still an answer
            answer = exc
        with answer:
            status = int(answer.status or 0)
            kind = str(answer.headers.get("Content-Type", "")).lower()
            data = _read_bounded(answer, limit, deadline)
            head = {k.lower(): v for k, v in answer.headers.items()}
    except _TooLarge:
        raise HubError(
            _("The employer's hub at {hub} sent an answer larger than {size} kB.").format(
                hub=_host_words(url), size=limit // 1024
            )
        ) from None
    except (OSError, urllib.error.URLError, ValueError, http.client.HTTPException) as exc:
        raise unreachable(url, _reason(exc)) from None
    if status in ok:
        return Response(status, kind, data, head)
    title, line = problem_text(status, kind, data)
    message = _("The employer's hub at {hub} answered: {problem}").format(
        hub=_host_words(url), problem=line
    )
    raise HubError(message, status=status, retry=status >= 500, title=title)


def get_json(url: str, *, headers: dict[str, str] | None = None) -> dict[str, Any]:
    """GET a JSON object from the hub."""
    data = request("GET", url, headers=headers).json()
    if not isinstance(data, dict):
        raise HubError(_("the hub's answer is not a JSON object"))
    return data


def post_json(url: str, value: Any, *, limit: int = JSON_LIMIT) -> tuple[int, dict[str, Any]]:
    """POST ``value`` as JSON; the status and the JSON object answered."""
    body = json.dumps(value, ensure_ascii=False, allow_nan=False).encode("utf-8")
    answer = request("POST", url, body=body, limit=limit)
    data = answer.json()
    if not isinstance(data, dict):
        raise HubError(_("the hub's answer is not a JSON object"), status=answer.status)
    return answer.status, data
