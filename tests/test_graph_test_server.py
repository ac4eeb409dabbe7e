"""The local Graph stand-in itself: validation, stalls, stop(), CLI."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from tests.conftest import wait_until
from whatsapp.graph_test_server import GraphTestServer

MSG = {"messaging_product": "whatsapp", "to": "+60123456789", "type": "text", "text": {"body": "x"}}


def test_success_shape_and_validation():
    with GraphTestServer() as srv:
        url = f"{srv.base_url}/42/messages"
        ok = requests.post(url, json=MSG, timeout=5).json()
        assert ok["contacts"] == [{"input": "+60123456789", "wa_id": "60123456789"}]
        assert ok["messages"][0]["id"] == srv.requests[0]["wamid"]
        for bad in (b"not json", b'{"to": "1", "type": "text"}', b'{"messaging_product": 1}'):
            r = requests.post(url, data=bad, timeout=5)
            assert r.status_code == 400 and r.json()["error"]["code"] == 100
        assert len(srv.requests) == 4 and len(srv.sent()) == 1
        assert requests.post(f"{srv.base_url}/nope", json={}, timeout=5).status_code == 404


def test_a_bsuid_recipient_is_accepted_and_a_body_naming_nobody_refused():
    with GraphTestServer() as srv:
        url = f"{srv.base_url}/42/messages"
        by_bsuid = {k: v for k, v in MSG.items() if k != "to"} | {"recipient": "MY.15025763"}
        ok = requests.post(url, json=by_bsuid, timeout=5).json()
        assert ok["contacts"] == [{"input": "MY.15025763", "user_id": "MY.15025763"}]
        both = requests.post(url, json=MSG | {"recipient": "MY.15025763"}, timeout=5).json()
        assert both["contacts"] == [{"input": "+60123456789", "wa_id": "60123456789"}]  # to wins
        nobody = {k: v for k, v in MSG.items() if k != "to"}
        refused = requests.post(url, json=nobody, timeout=5)
        assert (
            refused.status_code == 400 and "to or recipient" in refused.json()["error"]["message"]
        )
        assert srv.sent() == [by_bsuid, MSG | {"recipient": "MY.15025763"}]


def test_wait_for_reports_what_arrived():
    with GraphTestServer() as srv:
        requests.post(f"{srv.base_url}/42/messages", json=MSG, timeout=5)
        with pytest.raises(AssertionError, match="expected 2 sends, got 1"):
            srv.wait_for(2, timeout=0.2)


def test_stop_does_not_wait_for_stalls():
    srv = GraphTestServer().start()
    srv.stall_next(seconds=60)
    caught: list[Exception] = []

    def call():
        try:
            requests.post(f"{srv.base_url}/42/messages", json=MSG, timeout=30)
        except requests.RequestException as exc:
            caught.append(exc)

    t = threading.Thread(target=call)
    t.start()
    wait_until(lambda: len(srv.requests) == 1)  # the POST is in, and stalling
    srv.stop()
    t.join(20)
    # Cut off (not the client's read timeout, nor the stall's end): stop() did not wait.
    assert not t.is_alive() and caught and isinstance(caught[0], requests.ConnectionError)


class _Hooks(ThreadingHTTPServer):
    """Records the webhook bodies posted to it, answering 200."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _HookHandler)
        self.bodies: list[dict] = []

    @property
    def url(self) -> str:
        """Where to post."""
        return f"http://127.0.0.1:{self.server_address[1]}/hook"


class _HookHandler(BaseHTTPRequestHandler):
    server: _Hooks

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""

    def do_POST(self) -> None:
        self.server.bodies.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()


def _statuses(bodies: list[dict]) -> list[tuple[str, str]]:
    """(wamid, status) of each status webhook body, in the order they came."""
    found = []
    for body in bodies:
        for status in body["entry"][0]["changes"][0]["value"]["statuses"]:
            found.append((status["id"], status["status"]))
    return found


def _closed_port_url() -> str:
    """A URL nothing listens on: every post to it is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}/hook"


def test_reset_drops_the_status_webhooks_an_earlier_test_left_unposted():
    hooks = _Hooks()
    threading.Thread(target=hooks.serve_forever, daemon=True).start()
    with GraphTestServer(posters=4) as srv:  # as the suite runs it
        # An earlier test: its webhook is down (retried), so its statuses pile up behind.
        srv.send_statuses_to(_closed_port_url(), "s")
        for _ in range(20):
            requests.post(f"{srv.base_url}/42/messages", json=MSG, timeout=5)
        srv.reset()
        srv.send_statuses_to(hooks.url, "s")
        wamid = requests.post(f"{srv.base_url}/42/messages", json=MSG, timeout=5).json()
        wamid = wamid["messages"][0]["id"]
        mine = {(wamid, "sent"), (wamid, "delivered")}
        wait_until(lambda: mine <= set(_statuses(hooks.bodies)))
        # Had the old ones been kept, they were ahead in the queue and would have come too.
        assert sorted(_statuses(hooks.bodies)) == sorted(mine)
    hooks.shutdown()


def test_statuses_before_the_answer_are_answered_before_the_send_is():
    hooks = _Hooks()
    threading.Thread(target=hooks.serve_forever, daemon=True).start()
    with GraphTestServer() as srv:
        srv.send_statuses_to(hooks.url, "s", before_answer=True)
        wamid = requests.post(f"{srv.base_url}/42/messages", json=MSG, timeout=5).json()
        assert _statuses(hooks.bodies) == [
            (wamid["messages"][0]["id"], "sent"),
            (wamid["messages"][0]["id"], "delivered"),
        ]
    hooks.shutdown()


def test_cli_serves_until_signal():
    cmd = [sys.executable, "-m", "whatsapp.graph_test_server", "--port", "0", "--token", "T"]
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True) as proc:
        try:
            base = proc.stdout.readline().strip()
            assert base.startswith("http://127.0.0.1:") and base.endswith("/v25.0")
            auth = {"Authorization": "Bearer T"}
            r = requests.post(f"{base}/42/messages", json=MSG, headers=auth, timeout=5)
            assert r.status_code == 200
            assert requests.post(f"{base}/42/messages", json=MSG, timeout=5).status_code == 401
        finally:
            proc.send_signal(signal.SIGINT)
            try:
                rc = proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()
                raise
    assert rc == 0
