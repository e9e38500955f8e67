"""A tiny employer hub on 127.0.0.1 that follows docs/hub-protocol.md to the letter.

Only what the agent's side needs: ``/api/v1/info``, sessions, the spec, the report intake
(schema light, digest, nonce, agent id, spec sha256, complete runs only, idempotent
resubmission, 409 on a replay) answered with a DSSE envelope signed by its own key.
No measurement: ``observed`` holds only the source address class. Switches let a test make
it fail (``report_status = 503``) or hand out another key.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from deskready.report.integrity import verify_digest
from deskready.trust.envelope import STATEMENT_TYPE, sign
from deskready.trust.keys import key_id, public_to_text

API = "/api/v1"
SPEC = b"""[employer]
name = "ACME Calls"

[rules]
"memory.total_gb" = { min = 0.01 }
"""


def new_code() -> str:
    return base64.b32encode(secrets.token_bytes(20)).decode().rstrip("=")


@dataclass
class FakeHub:
    """State of the fake hub; ``url`` once :meth:`start` ran."""

    key: Ed25519PrivateKey = field(default_factory=Ed25519PrivateKey.generate)
    old_keys: list[Ed25519PrivateKey] = field(default_factory=list)
    spec: bytes = SPEC
    spec_name: str = "strict"
    agent_id: str = "AG-7"
    invites: dict[str, int] = field(default_factory=dict)  # code -> uses left
    sessions: dict[str, dict[str, Any]] = field(default_factory=dict)
    reports: dict[str, dict[str, Any]] = field(default_factory=dict)  # session -> answer
    report_posts: int = 0
    report_status: int | None = None  # force this status on report intake (e.g. 503)
    served_spec: bytes | None = None  # serve these bytes instead of the named spec
    url: str = ""
    server: ThreadingHTTPServer | None = None

    def invite(self, uses: int = 1) -> str:
        code = new_code()
        self.invites[code] = uses
        return code

    @property
    def key_id(self) -> str:
        return key_id(self.key.public_key())

    def public_keys(self) -> dict[str, str]:
        keys = [self.key, *self.old_keys]
        return {key_id(k.public_key()): public_to_text(k.public_key()) for k in keys}

    # -- the server -------------------------------------------------------------------
    def start(self, port: int = 0) -> FakeHub:
        hub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                hub.handle(self, "GET")

            def do_POST(self) -> None:
                hub.handle(self, "POST")

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    # -- answers ----------------------------------------------------------------------
    def _send(self, h: BaseHTTPRequestHandler, status: int, body: Any, kind: str) -> None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        h.send_response(status)
        h.send_header("Content-Type", kind)
        h.send_header("Content-Length", str(len(data)))
        h.end_headers()
        h.wfile.write(data)

    def _json(self, h: BaseHTTPRequestHandler, status: int, body: Any) -> None:
        self._send(h, status, body, "application/json")

    def _problem(self, h: BaseHTTPRequestHandler, status: int, title: str, detail: str) -> None:
        body = {"type": "about:blank", "title": title, "status": status, "detail": detail}
        self._send(h, status, body, "application/problem+json")

    def handle(self, h: BaseHTTPRequestHandler, method: str) -> None:
        path = h.path.split("?", 1)[0]
        length = int(h.headers.get("Content-Length") or 0)
        body = h.rfile.read(length) if length else b""
        if method == "GET" and path == f"{API}/info":
            return self._json(
                h,
                200,
                {
                    "name": "ACME Calls hub",
                    "version": "0.1.0",
                    "key_id": self.key_id,
                    "public_keys": self.public_keys(),
                },
            )
        if method == "POST" and path == f"{API}/sessions":
            return self._join(h, body)
        if method == "GET" and path.startswith(f"{API}/specs/"):
            return self._spec(h, path)
        if method == "POST" and path.startswith(f"{API}/sessions/") and path.endswith("/report"):
            return self._report(h, path.split("/")[4], body)
        return self._problem(h, 404, "Not Found", "No such endpoint.")

    def _join(self, h: BaseHTTPRequestHandler, body: bytes) -> None:
        code = str(json.loads(body or b"{}").get("invite", ""))
        if code not in self.invites:
            return self._problem(h, 404, "Unknown invite", "No invite has this code.")
        if self.invites[code] <= 0:
            return self._problem(h, 410, "Invite used up", "This invite was already used.")
        self.invites[code] -= 1
        session = secrets.token_hex(16)
        sha = hashlib.sha256(self.spec).hexdigest()
        self.sessions[session] = {"nonce": secrets.token_hex(32), "used_by": None}
        host = "127.0.0.1"
        return self._json(
            h,
            201,
            {
                "session": session,
                "nonce": self.sessions[session]["nonce"],
                "agent_id": self.agent_id,
                "spec": {
                    "name": self.spec_name,
                    "sha256": sha,
                    "url": f"{API}/specs/{self.spec_name}/{sha}",
                },
                "key_id": self.key_id,
                "expires_at": "2099-01-01T00:00:00+00:00",
                "endpoints": {
                    "librespeed": f"http://{host}:9/m/{session}/",
                    "stun": f"{host}:3478",
                    "stun_username": session,
                },
            },
        )

    def _spec(self, h: BaseHTTPRequestHandler, path: str) -> None:
        auth = h.headers.get("Authorization", "")
        if not auth.startswith("Session ") or auth[8:] not in self.sessions:
            return self._problem(h, 401, "No session", "Asking for a spec needs the session.")
        sha = hashlib.sha256(self.spec).hexdigest()
        if path != f"{API}/specs/{self.spec_name}/{sha}":
            return self._problem(h, 404, "Unknown spec", "No such spec.")
        served = self.spec if self.served_spec is None else self.served_spec
        return self._send(h, 200, served, "application/toml")

    def _report(self, h: BaseHTTPRequestHandler, session: str, body: bytes) -> None:
        self.report_posts += 1
        if self.report_status is not None:
            return self._problem(h, self.report_status, "Unavailable", "The hub is down.")
        state = self.sessions.get(session)
        if state is None:
            return self._problem(h, 404, "Unknown session", "No such session.")
        try:
            report = json.loads(body)
        except ValueError:
            return self._problem(h, 400, "Not a report", "The body is not JSON.")
        if not isinstance(report, dict) or not verify_digest(report):
            return self._problem(h, 400, "Not a report", "The digest does not match.")
        digest = "sha256:" + report["integrity"]["digest"]
        if state["used_by"] is not None:
            if state["used_by"] == digest:
                return self._json(h, 200, self.reports[session])
            return self._problem(h, 409, "Replay", "This nonce was already used.")
        bound = report.get("hub") or {}
        if bound.get("session") != session or bound.get("nonce") != state["nonce"]:
            return self._problem(h, 409, "Replay", "Another session or nonce.")
        if (report.get("agent") or {}).get("id") != self.agent_id:
            return self._problem(h, 403, "Wrong agent", "The report is not this invite's.")
        if (report.get("spec") or {}).get("sha256") != hashlib.sha256(self.spec).hexdigest():
            return self._problem(h, 403, "Wrong spec", "Another spec than this invite's.")
        if not (report.get("scope") or {}).get("complete"):
            return self._problem(h, 422, "Partial run", "A partial run proves nothing.")
        report_id = secrets.token_hex(16)
        observed = {"source": {"family": "ipv4", "prefix": "127.0.0.0/24"}}
        statement = {
            "type": STATEMENT_TYPE,
            "hub": self.url,
            "report_id": report_id,
            "report_digest": digest,
            "session": session,
            "nonce": state["nonce"],
            "agent_id": self.agent_id,
            "spec": {"name": self.spec_name, "sha256": hashlib.sha256(self.spec).hexdigest()},
            "received_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "observed": observed,
            "disputed": [],
            "verdict": report.get("verdict"),
        }
        answer = {
            "report_id": report_id,
            "verify_url": f"{self.url}/verify/{report_id}",
            "attestation": sign(statement, self.key),
            "observed": observed,
            "disputed": [],
        }
        state["used_by"] = digest
        self.reports[session] = answer
        return self._json(h, 201, answer)
