"""A local drand HTTP endpoint serving recorded real quicknet rounds, for tests and the demo.

It answers GET /{chain}/public/{round} like a drand relay: recorded rounds, 404 for others.
`down` makes it refuse every request with 503 (an outage), `tamper` flips a bit in every
signature it serves (a lying relay), `requests` counts what it was asked.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from wocs.beacon import QUICKNET_HASH, BeaconSettings
from wocs.drand_rounds import RECORDED

DAY = 86_400


def replay_chain(url: str, now: float | None = None) -> BeaconSettings:
    """Quicknet's key and `url`'s recorded rounds, on a clock where a close today fixes round 1000.

    Recorded rounds are years old, and only the round number is signed: a chain whose genesis is
    998.5 one-day periods ago makes round 1000 "the next round" for half a day, and the real
    signature of round 1000 still verifies against quicknet's real key.
    """
    began = int(time.time() if now is None else now)
    return BeaconSettings(genesis=began - 998 * DAY - DAY // 2, period=DAY, urls=(url,))


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""

    def do_GET(self) -> None:
        owner = self.server.owner
        owner.requests.append(self.path)
        parts = self.path.strip("/").split("/")
        status: int = 404
        body: dict[str, object] = {"error": "not found"}
        if owner.down:
            status, body = 503, {"error": "unavailable"}
        elif len(parts) == 3 and parts[0] == owner.chain and parts[1] == "public":
            number = int(parts[2]) if parts[2].isdigit() else -1
            if number in owner.rounds:
                signature, randomness = owner.rounds[number]
                if owner.tamper:
                    signature = f"{int(signature[:2], 16) ^ 0x01:02x}{signature[2:]}"
                status, body = (
                    200,
                    {"round": number, "randomness": randomness, "signature": signature},
                )
        data = json.dumps(body).encode()
        with contextlib.suppress(OSError):
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    owner: DrandTestServer


class DrandTestServer:
    """A drand relay on 127.0.0.1 serving `rounds` (by default every recorded quicknet round)."""

    def __init__(self, rounds: dict[int, tuple[str, str]] | None = None) -> None:
        self.rounds = dict(RECORDED if rounds is None else rounds)
        self.chain = QUICKNET_HASH
        self.down = False
        self.tamper = False
        self.requests: list[str] = []
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.owner = self
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        """Where the endpoint listens, e.g. http://127.0.0.1:40123."""
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> DrandTestServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
