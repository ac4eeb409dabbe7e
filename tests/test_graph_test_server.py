"""The local Graph stand-in itself: validation, stalls, stop(), CLI."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time

import pytest
import requests

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
    time.sleep(0.3)
    start = time.monotonic()
    srv.stop()
    t.join(5)
    assert time.monotonic() - start < 3 and not t.is_alive()
    assert caught and isinstance(caught[0], requests.ConnectionError)


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
