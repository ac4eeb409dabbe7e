"""Transports against a real local Graph stand-in over HTTP (no mocks)."""

from __future__ import annotations

import contextlib
import io
import json
import logging
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import heyoo
import pytest
import requests

from whatsapp.cloud import CloudTransport
from whatsapp.errors import (
    AuthFailed,
    GraphError,
    OptedOut,
    OutsideWindow,
    PermanentGraphError,
    RateLimited,
    RecipientRefused,
    TemplateProblem,
    TransientGraphError,
    error_from_response,
)
from whatsapp.graph_test_server import GraphTestServer
from whatsapp.make import make_transport
from whatsapp.transports import (
    ConsoleTransport,
    Outgoing,
    RecordingTransport,
    Transport,
    build_payload,
)
from wocs.values import mask_phone

TOKEN = "test-token"
PNID = "1234567890"
TO = "60123456789"


@pytest.fixture(scope="module")
def server():
    with GraphTestServer(token=TOKEN) as srv:
        yield srv


@pytest.fixture
def graph(server):
    server.reset()
    yield server
    server.reset()


@pytest.fixture
def cloud(graph):
    return CloudTransport(TOKEN, PNID, api_base=graph.base_url, timeout=1.0, connect_timeout=1.0)


def text(body="hello", ref="ob:1"):
    return Outgoing(to=TO, kind="text", text=body, reference=ref)


# --- payloads ---------------------------------------------------------------------------------


def test_text_payload_over_http(cloud, graph):
    wamid = cloud.send(text("hello", "ob:42"))
    [rec] = graph.requests
    assert rec["body"] == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "+60123456789",
        "type": "text",
        "text": {"body": "hello", "preview_url": False},
        "biz_opaque_callback_data": "ob:42",
    }
    assert wamid == rec["wamid"] and wamid.startswith("wamid.TEST")
    assert rec["phone_number_id"] == PNID
    assert rec["path"] == f"/v25.0/{PNID}/messages"
    assert rec["headers"]["Authorization"] == f"Bearer {TOKEN}"
    assert graph.sent() == [rec["body"]]


def test_a_bsuid_is_sent_as_recipient_and_graph_answers_with_its_user_id(cloud, graph):
    wamid = cloud.send(Outgoing(to="MY.1502576394655843", kind="text", text="hi", reference="ob:9"))
    [rec] = graph.requests
    assert rec["body"]["recipient"] == "MY.1502576394655843" and "to" not in rec["body"]
    assert wamid == rec["wamid"] and graph.sent() == [rec["body"]]
    parent = build_payload(Outgoing(to="MY.ENT.9902576394655843", kind="text", text="hi"))
    assert parent["recipient"] == "MY.ENT.9902576394655843" and "to" not in parent


def test_template_payload_over_http(cloud, graph):
    tpl = {"name": "order_ready", "language": "en_US", "params": ["Aisha", "#42"]}
    wamid = cloud.send(Outgoing(to=TO, kind="template", template=tpl, reference="ob:7"))
    assert graph.wait_for(1, timeout=2) == [
        {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": "+60123456789",
            "type": "template",
            "template": {
                "name": "order_ready",
                "language": {"code": "en_US"},
                "components": [
                    {
                        "type": "body",
                        "parameters": [
                            {"type": "text", "text": "Aisha"},
                            {"type": "text", "text": "#42"},
                        ],
                    }
                ],
            },
            "biz_opaque_callback_data": "ob:7",
        }
    ]
    assert wamid == graph.requests[0]["wamid"]


def test_template_without_params_omits_components():
    msg = Outgoing(to=TO, kind="template", template={"name": "hello_world", "language": "en"})
    assert build_payload(msg)["template"] == {"name": "hello_world", "language": {"code": "en"}}
    assert "biz_opaque_callback_data" not in build_payload(msg)


def test_image_payloads_over_http(cloud, graph, tmp_path):
    photo = tmp_path / "menu.jpg"
    photo.write_bytes(b"\xff\xd8jpeg")
    uploaded = cloud.upload_media(str(photo))
    cloud.send(Outgoing(to=TO, kind="image", media_id=uploaded, text="menu", reference="ob:3"))
    cloud.send(Outgoing(to="+" + TO, kind="image", media_link="https://x.test/a.jpg"))
    first, second = graph.wait_for(2, timeout=2)
    assert first == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "+60123456789",
        "type": "image",
        "image": {"id": uploaded, "caption": "menu"},
        "biz_opaque_callback_data": "ob:3",
    }
    assert second == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "+60123456789",
        "type": "image",
        "image": {"link": "https://x.test/a.jpg"},
    }


def test_long_text_and_caption_are_cut():
    assert len(build_payload(text("x" * 5000))["text"]["body"]) == 4096
    img = Outgoing(to=TO, kind="image", media_id="1", text="c" * 2000)
    assert len(build_payload(img)["image"]["caption"]) == 1024


@pytest.mark.parametrize(
    "msg",
    [
        Outgoing(to=TO, kind="video"),
        Outgoing(to=TO, kind="text", text="  "),
        Outgoing(to=TO, kind="image"),
        Outgoing(to=TO, kind="template", template={"name": "x"}),
        Outgoing(to="abc", kind="text", text="hi"),
    ],
)
def test_invalid_messages(msg, cloud, graph):
    with pytest.raises(ValueError):
        build_payload(msg)
    with pytest.raises(PermanentGraphError):
        cloud.send(msg)
    assert graph.requests == []


# --- errors over HTTP -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "cls", "retryable"),
    [
        (130429, RateLimited, True),
        (131047, OutsideWindow, False),
        (131050, OptedOut, False),
        (131062, RecipientRefused, False),
        (132001, TemplateProblem, False),
        (131026, PermanentGraphError, False),
        (131000, TransientGraphError, True),
    ],
)
def test_graph_error_codes(cloud, graph, code, cls, retryable):
    graph.fail_next(code=code, details="why it failed")
    with pytest.raises(cls) as info:
        cloud.send(text())
    err = info.value
    assert type(err) is cls and err.code == code and err.retryable is retryable
    assert err.details == "why it failed" and err.fbtrace_id
    assert graph.sent() == []
    assert cloud.send(text())  # the failure was one-shot


def test_rate_limit_statuses_and_pair_limit(cloud, graph):
    graph.fail_next(code=130429)
    with pytest.raises(RateLimited) as info:
        cloud.send(text())
    assert info.value.http_status == 429 and not info.value.pair_limit
    graph.fail_next(code=131056, http_status=400)
    with pytest.raises(RateLimited) as info:
        cloud.send(text())
    assert info.value.pair_limit and info.value.retryable and info.value.http_status == 400


def test_500_json_and_502_html_are_transient(cloud, graph):
    graph.fail_next(code=100, http_status=500, message="boom")
    with pytest.raises(TransientGraphError) as info:
        cloud.send(text())
    assert info.value.http_status == 500 and info.value.message == "boom"
    graph.fail_html_next(http_status=502)
    with pytest.raises(TransientGraphError) as info:
        cloud.send(text())
    assert info.value.http_status == 502 and "non-JSON" in info.value.message


def test_html_4xx_is_permanent(cloud, graph):
    graph.fail_html_next(http_status=404)
    with pytest.raises(PermanentGraphError):
        cloud.send(text())


def test_wrong_token_is_auth_failed(graph):
    bad = CloudTransport("nope", PNID, api_base=graph.base_url, timeout=1.0)
    with pytest.raises(AuthFailed) as info:
        bad.send(text())
    assert info.value.code == 190 and info.value.http_status == 401
    assert not info.value.retryable


def test_stall_times_out_quickly(cloud, graph):
    graph.stall_next(seconds=30.0)
    # Cut off by its own one-second read timeout, not by the stall ending or a default.
    with pytest.raises(TransientGraphError, match=r"timeout.*\(read timeout=1\.0\)"):
        cloud.send(text())
    assert cloud.send(text())  # next call is answered normally


def test_silent_server_times_out_and_refused_is_transient():
    with socket.socket() as listener:  # accepts (backlog) but never answers
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        port = listener.getsockname()[1]
        t = CloudTransport(TOKEN, PNID, api_base=f"http://127.0.0.1:{port}/v25.0", timeout=1.0)
        with pytest.raises(TransientGraphError, match=r"timeout.*\(read timeout=1\.0\)"):
            t.send(text())
    closed = CloudTransport(TOKEN, PNID, api_base=f"http://127.0.0.1:{port}/v25.0")
    with pytest.raises(TransientGraphError, match="connection"):
        closed.send(text())


def test_server_validation_is_code_100(graph):
    r = requests.post(
        f"{graph.base_url}/{PNID}/messages",
        json={"messaging_product": "whatsapp", "type": "text"},
        headers={"Authorization": f"Bearer {TOKEN}"},
        timeout=5,
    )
    assert r.status_code == 400
    err = error_from_response(r.status_code, r.json())
    assert type(err) is PermanentGraphError and err.code == 100


def test_concurrent_sends(cloud, graph):
    wamids: list[str] = []

    def worker():
        for i in range(5):
            wamids.append(cloud.send(text(f"m{i}")))

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(graph.wait_for(40, timeout=5)) == 40
    assert sorted(wamids) == sorted(r["wamid"] for r in graph.requests)


def test_logs_mask_phone_numbers(cloud, graph, caplog):
    caplog.set_level(logging.INFO, logger="whatsapp.transports")
    cloud.send(text())
    graph.fail_next(code=131047)
    with pytest.raises(OutsideWindow):
        cloud.send(text())
    logged = caplog.text
    assert "60*****6789" in logged and TO not in logged
    assert mask_phone("+60123456789") == "60*****6789"


# --- error_from_response ----------------------------------------------------------------------


def meta(code, details="d"):
    return {"error": {"message": "m", "type": "OAuthException", "code": code,
                      "error_data": {"details": details}, "fbtrace_id": "Ab"}}  # fmt: skip


@pytest.mark.parametrize(
    ("status", "body", "cls"),
    [
        (429, meta(130429), RateLimited),
        (400, meta(131056), RateLimited),
        (400, meta(80007), RateLimited),
        (400, meta(4), RateLimited),
        (400, meta(613), RateLimited),
        (400, meta(131047), OutsideWindow),
        (400, meta(131050), OptedOut),
        *[(400, meta(c), TemplateProblem) for c in (132000, 132001, 132005, 132007)],
        *[(400, meta(c), TemplateProblem) for c in (132012, 132015, 132016)],
        (401, meta(190), AuthFailed),
        (403, meta(10), AuthFailed),
        (403, meta(200), AuthFailed),
        *[(500, meta(c), TransientGraphError) for c in (1, 2, 131000, 131016, 133004)],
        (500, meta(100), TransientGraphError),
        (503, "<html>", TransientGraphError),
        (None, None, TransientGraphError),
        *[(400, meta(c), PermanentGraphError) for c in (131026, 131049, 131048, 100)],
        (400, {"unexpected": True}, PermanentGraphError),
        (429, "<html>", RateLimited),
        (401, {}, AuthFailed),
    ],
)
def test_error_from_response_table(status, body, cls):
    err = error_from_response(status, body)
    assert type(err) is cls and isinstance(err, GraphError)
    assert err.http_status == status
    assert err.retryable is (cls in (RateLimited, TransientGraphError))
    if isinstance(body, dict) and "error" in body:
        assert err.code == body["error"]["code"]
        assert (err.message, err.details, err.fbtrace_id) == ("m", "d", "Ab")


def test_error_details_and_str():
    err = error_from_response(400, meta("131047", details="window closed"))
    assert isinstance(err, OutsideWindow) and err.code == 131047
    assert str(err) == "Graph error 131047 (HTTP 400): m — window closed"
    assert error_from_response(400, meta(131056)).pair_limit
    assert not error_from_response(400, meta(130429)).pair_limit


# --- console / recording / factory ------------------------------------------------------------


def test_console_transport_prints_and_records():
    out = io.StringIO()
    console = ConsoleTransport(stream=out)
    w1 = console.send(Outgoing(to=TO, kind="text", text="hello"))
    tpl = {"name": "order_ready", "language": "en", "params": ["A", "B"]}
    console.send(Outgoing(to=TO, kind="template", template=tpl, reference="ob:9"))
    console.send(Outgoing(to=TO, kind="image", media_id="55", text="menu"))
    lines = out.getvalue().splitlines()
    assert lines == [
        "→ +60123456789: hello",
        "→ +60123456789: [template order_ready en] A | B  (ob:9)",
        "→ +60123456789: [image id=55] menu",
    ]
    assert w1.startswith("wamid.console.") and len(w1) == len("wamid.console.") + 32
    assert [m.kind for m in console.sent] == ["text", "template", "image"]
    assert isinstance(console, Transport) and console.name == "console"


def test_recording_transport_fail_next():
    rec = RecordingTransport()
    first = rec.send(text("a"))
    assert first.startswith("wamid.rec.") and first.endswith(".1")
    rec.fail_next(RateLimited("slow down", code=130429), times=2)
    for _ in range(2):
        with pytest.raises(RateLimited):
            rec.send(text("b"))
    assert rec.send(text("c")) == first[:-1] + "2"
    assert RecordingTransport().send(text("d")) != first  # another run, another id
    assert [m.text for m in rec.sent] == ["a", "c"]
    assert len(rec.attempts) == 4


def test_make_transport(graph):
    assert isinstance(make_transport("console", stream=io.StringIO()), ConsoleTransport)
    assert make_transport("recording").name == "recording"
    cloud = make_transport("cloud", token=TOKEN, phone_number_id=PNID, api_base=graph.base_url)
    assert cloud.name == "cloud" and cloud.wa.url == f"{graph.base_url}/{PNID}/messages"
    with pytest.raises(ValueError, match="token"):
        make_transport("cloud", phone_number_id=PNID)
    with pytest.raises(ValueError, match="phone_number_id"):
        make_transport("cloud", token=TOKEN)
    with pytest.raises(ValueError, match="unknown transport"):
        make_transport("pigeon")


# --- media ------------------------------------------------------------------------------------


def test_media_round_trip_over_http(graph):
    auth = {"Authorization": f"Bearer {TOKEN}"}
    data = bytes(range(256)) * 10
    r = requests.post(
        f"{graph.base_url}/{PNID}/media",
        files={"file": ("a.png", data, "image/png")},
        data={"messaging_product": "whatsapp", "type": "image/png"},
        headers=auth,
        timeout=5,
    )
    assert r.status_code == 200
    media_id = r.json()["id"]
    info = requests.get(f"{graph.base_url}/{media_id}", headers=auth, timeout=5).json()
    assert info["mime_type"] == "image/png" and info["file_size"] == len(data)
    assert info["id"] == media_id and len(info["sha256"]) == 64
    got = requests.get(info["url"], headers=auth, timeout=5)
    assert got.content == data and got.headers["Content-Type"] == "image/png"
    assert requests.get(info["url"], timeout=5).status_code == 401


def test_preloaded_media_through_heyoo_helpers(graph):
    graph.add_media("777", b"jpegbytes", "image/jpeg")
    wa = CloudTransport(TOKEN, PNID, api_base=graph.base_url).wa
    url = wa.query_media_url("777")  # heyoo's HTTP goes through the bounded adapter too
    assert url == f"{graph.root_url}/media-download/777"
    assert requests.get(url, headers=wa.headers, timeout=5).content == b"jpegbytes"
    assert wa.delete_media("777") == {"success": True} and "777" not in graph.media
    assert type(heyoo.requests).__name__ == "_BoundedRequests"


# --- media through the transports -------------------------------------------------------------


@pytest.fixture
def png(tmp_path):
    path = tmp_path / "qr.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)
    return path


def test_upload_media_over_http(cloud, graph, png):
    media_id = cloud.upload_media(str(png))
    stored = graph.media[media_id]
    assert (stored["data"], stored["mime_type"]) == (png.read_bytes(), "image/png")
    assert graph.requests == []  # media posts are not message posts
    assert cloud.fetch_media(media_id) == (png.read_bytes(), "image/png")


def test_upload_missing_file_is_permanent_without_a_request(cloud, graph, tmp_path):
    with pytest.raises(PermanentGraphError, match=r"'gone\.png' does not exist"):
        cloud.upload_media(str(tmp_path / "gone.png"))
    with pytest.raises(PermanentGraphError):
        cloud.upload_media(str(tmp_path))  # a folder is not a file
    assert graph.media == {}


@pytest.mark.parametrize(
    ("code", "cls"), [(130429, RateLimited), (2, TransientGraphError), (100, PermanentGraphError)]
)
def test_upload_errors_are_typed(cloud, graph, png, code, cls):
    graph.fail_media_next(code=code)
    with pytest.raises(cls) as info:
        cloud.upload_media(str(png))
    assert type(info.value) is cls and info.value.code == code
    assert graph.media == {}
    assert cloud.upload_media(str(png)) in graph.media  # the failure was one-shot


def test_media_calls_with_a_wrong_token_are_auth_failed(graph, png):
    graph.add_media("42", b"x", "image/jpeg")
    bad = CloudTransport("nope", PNID, api_base=graph.base_url, timeout=1.0)
    for call in (lambda: bad.upload_media(str(png)), lambda: bad.fetch_media("42")):
        with pytest.raises(AuthFailed) as info:
            call()
        assert info.value.code == 190 and info.value.http_status == 401


def test_fetch_media_over_http(cloud, graph):
    graph.add_media("1111222233334444", b"\xff\xd8jpeg", "image/jpeg")
    assert cloud.fetch_media("1111222233334444") == (b"\xff\xd8jpeg", "image/jpeg")


def test_fetch_unknown_or_invalid_media_is_permanent(cloud, graph):
    with pytest.raises(PermanentGraphError) as info:
        cloud.fetch_media("999")
    assert info.value.code == 100 and info.value.http_status == 400
    for bad in ("../messages", "a/b", "", "x" * 65):
        with pytest.raises(PermanentGraphError, match="invalid media id"):
            cloud.fetch_media(bad)


@pytest.mark.parametrize(("code", "cls"), [(2, TransientGraphError), (4, RateLimited)])
def test_fetch_errors_are_typed(cloud, graph, code, cls):
    graph.add_media("77", b"data", "image/png")
    graph.fail_media_next(code=code)
    with pytest.raises(cls) as info:
        cloud.fetch_media("77")
    assert info.value.retryable and info.value.code == code
    assert cloud.fetch_media("77") == (b"data", "image/png")


def test_fetch_refuses_media_over_16_mb(cloud, graph):
    graph.add_media("88", b"\0" * (16 * 1024 * 1024 + 1), "image/jpeg")
    with pytest.raises(PermanentGraphError, match="limit"):
        cloud.fetch_media("88")
    graph.add_media("89", b"\0" * (16 * 1024 * 1024), "image/jpeg")
    assert len(cloud.fetch_media("89")[0]) == 16 * 1024 * 1024


class _OddGraph(BaseHTTPRequestHandler):
    """A Graph look-alike that answers 200 but not as Graph would."""

    def log_message(self, format, *args):
        """Quiet."""

    def _json(self, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        self.rfile.read(int(self.headers["Content-Length"]))
        self._json({"success": True})  # no media id

    def do_GET(self):
        if self.path.endswith("/no-url"):
            self._json({"mime_type": "image/jpeg"})
        elif self.path != "/download":
            self._json({"url": f"http://127.0.0.1:{self.server.server_port}/download"})
        else:  # no Content-Length: the body runs until the connection closes
            self.send_response(200)
            self.send_header("Content-Type", "image/jpeg")
            self.end_headers()
            with contextlib.suppress(OSError):  # the client hangs up once it has had enough
                for _ in range(20):
                    self.wfile.write(b"\0" * 1024 * 1024)


@pytest.fixture
def odd_graph():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _OddGraph)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield CloudTransport(TOKEN, PNID, api_base=f"http://127.0.0.1:{httpd.server_port}/v25.0")
    httpd.shutdown()
    httpd.server_close()


def test_fetch_stops_reading_past_the_limit_without_content_length(odd_graph):
    with pytest.raises(PermanentGraphError, match="over the limit"):
        odd_graph.fetch_media("5")


def test_media_answers_without_id_or_url_are_transient(odd_graph, png):
    with pytest.raises(TransientGraphError, match="without an id"):
        odd_graph.upload_media(str(png))
    with pytest.raises(TransientGraphError, match="without a url"):
        odd_graph.fetch_media("no-url")


def test_upload_to_an_unknown_path_is_permanent(graph, png):
    wrong_base = CloudTransport(TOKEN, PNID, api_base=graph.root_url + "/v25.0/x")
    with pytest.raises(PermanentGraphError) as info:
        wrong_base.upload_media(str(png))
    assert (info.value.http_status, info.value.code) == (404, 100)


def test_console_and_recording_media(png):
    out = io.StringIO()
    console = ConsoleTransport(stream=out)
    media_id = console.upload_media(str(png))
    assert out.getvalue() == f"↑ [image {png}] as {media_id}\n"
    assert media_id.startswith("console.")
    with pytest.raises(PermanentGraphError, match="media not available in console mode"):
        console.fetch_media("1")
    with pytest.raises(PermanentGraphError, match="does not exist"):
        console.upload_media(str(png) + ".missing")

    rec = RecordingTransport()
    assert [rec.upload_media(str(png)), rec.upload_media(str(png))] == [
        "media.rec.1",
        "media.rec.2",
    ]
    assert rec.uploads == [str(png), str(png)]
    rec.add_media("65463453", b"jpeg", "image/jpeg")
    assert rec.fetch_media("65463453") == (b"jpeg", "image/jpeg")
    with pytest.raises(PermanentGraphError) as info:
        rec.fetch_media("404")
    assert info.value.code == 100
    assert all(isinstance(t, Transport) for t in (console, rec))
