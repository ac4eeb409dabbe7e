"""Fixtures: the two stacks (embedded, and MariaDB + Redis), a Graph API test server, a live app."""

from __future__ import annotations

import contextlib
import json
import os
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import pytest
import requests
from werkzeug.serving import make_server

import commands
import models
import storage
from app import create_app, seed_admins, start_up
from jobs import runtime
from jobs.drand_test_server import DrandTestServer, replay_chain
from jobs.runtime import Runtime
from tests.s3_server import moto_server, s3_client
from webhooks.routes import signature_for
from whatsapp.graph_test_server import GraphTestServer
from whatsapp.payload import text_message_body
from wocs import registry
from wocs.beacon import BeaconSettings
from wocs.context import Context, Result
from wocs.dispatch import run_command
from wocs.settings import BackupSettings, Settings, StorageSettings

registry.load(commands)  # every test module sees the whole registry, as the app does

ADMIN = "60123456789"
SECRET = "test-app-secret"
TOKEN = "test-token"


def _stacks() -> list[str]:
    """Embedded always; MariaDB + Redis when the TEST_ URLs are set."""
    real = os.environ.get("TEST_DATABASE_URL") and os.environ.get("TEST_REDIS_URL")
    return ["embedded", "mariadb"] if real else ["embedded"]


def _check_reachable(db_url: str, redis_url: str) -> None:
    """On CI a configured but unreachable stack is a failure, elsewhere a skip."""
    import redis

    try:
        redis.Redis.from_url(redis_url, socket_connect_timeout=2).ping()
        database = models.open_database(db_url)
        database.connect()
        database.close()
    except Exception as exc:
        if os.environ.get("CI"):
            pytest.fail(f"CI needs MariaDB and Redis, but they are unreachable: {exc}")
        pytest.skip(f"MariaDB/Redis not reachable: {exc}")


@pytest.fixture(scope="session")
def graph() -> Iterator[GraphTestServer]:
    """A local stand-in for Meta's Graph API, over real HTTP."""
    # Four status posters: a 1,000-recipient broadcast's 2,000 statuses, one at a time, took
    # longer than its test waits on a loaded machine.
    with GraphTestServer(token=TOKEN, posters=4) as server:
        yield server


@pytest.fixture(scope="session")
def drand() -> Iterator[DrandTestServer]:
    """A local drand relay serving recorded real quicknet rounds, over real HTTP."""
    with DrandTestServer() as server:
        yield server


def beacon_env(beacon: BeaconSettings) -> dict[str, str]:
    """The DRAND_* variables that describe `beacon` to `bot.py`."""
    return {
        "DRAND_GENESIS": str(beacon.genesis),
        "DRAND_PERIOD": str(beacon.period),
        "DRAND_URLS": ",".join(beacon.urls),
        "DRAND_MARGIN_SECONDS": str(beacon.margin),
    }


@dataclass
class Live:
    """A running WOCS: its settings, its URL, and helpers to talk to it."""

    settings: Settings
    url: str
    app: Any
    graph: GraphTestServer
    drand: DrandTestServer

    @property
    def runtime(self) -> Runtime:
        """The app's own wiring: its database, Redis, transport and storage."""
        return self.app.extensions["wocs"]

    def post(self, body: dict | bytes, secret: str = SECRET, **headers: str) -> requests.Response:
        """POST a body to the webhook, signed like Meta signs it."""
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        sent = {
            "Content-Type": "application/json",
            "X-Hub-Signature-256": signature_for(secret, raw),
        }
        sent.update(headers)
        return requests.post(f"{self.url}/webhooks/whatsapp", data=raw, headers=sent, timeout=10)

    def say(self, phone: str, text: str, wamid: str | None = None) -> requests.Response:
        """Send a text message as `phone`, through the signed webhook."""
        body = text_message_body(phone, text, wamid or f"wamid.test.{uuid.uuid4().hex}")
        answer = self.post(body)
        assert answer.status_code == 200, answer.text
        return answer

    def ask(self, text: str, phone: str = ADMIN) -> str:
        """Send one message as `phone` (the admin by default) and return the one reply it gets."""
        self.settle()  # what earlier messages sent this phone has reached the Graph server
        seen = len(self.replies_to(phone, 0))
        self.say(phone, text)
        return self.replies_to(phone, seen + 1)[seen]

    def draw(self, code: str, extra: str = "") -> str:
        """Ask for a draw as the admin, confirm it, and return the result the admin is sent."""
        self.ask(f"/draw {code}{extra}")  # the question
        seen = len(self.replies_to(ADMIN, 0))
        self.say(ADMIN, "/confirm")
        return self.replies_to(ADMIN, seen + 2)[seen + 1]  # "Drawing …", then the result

    def replies_to(self, phone: str, count: int = 1, timeout: float = 15.0) -> list[str]:
        """Wait until `phone` has received `count` messages at the Graph server; return their texts."""
        deadline = time.monotonic() + timeout
        while True:
            texts = [
                shown_text(body)
                for body in self.graph.sent()
                if addressee(body) == phone and body.get("type") in ("text", "interactive")
            ]
            if len(texts) >= count or time.monotonic() > deadline:
                assert len(texts) >= count, f"{phone} got {texts}, expected {count} messages"
                return texts
            time.sleep(0.05)

    def settle(self, timeout: float = 15.0) -> None:
        """Wait until no inbound or outbound row is still waiting for a job."""
        wait_until(
            lambda: (
                not models.InboundMessage.select()
                .where(models.InboundMessage.state == "received")
                .exists()
                and not models.OutboundMessage.select()
                .where(models.OutboundMessage.state.in_(("pending", "sending")))
                .exists()
                and not models.Broadcast.select()
                .where(
                    models.Broadcast.state.in_(("queued", "expanding", "sending")),
                    models.Broadcast.send_at.is_null(),
                )
                .exists()
            ),
            timeout,
        )


def addressee(body: dict) -> str:
    """Who a sent body went to: the phone's digits (`to`), else the BSUID (`recipient`)."""
    return str(body.get("to") or "").lstrip("+") or str(body.get("recipient") or "")


def shown_text(body: dict) -> str:
    """The text a sent text message, or the body of sent buttons or a list, shows."""
    if body["type"] == "interactive":
        return body["interactive"]["body"]["text"]
    return body["text"]["body"]


def wait_until(check: Callable[[], bool], timeout: float = 15.0, every: float = 0.05) -> None:
    """Poll `check` every `every` seconds until it holds, failing the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(every)


def carried(target: Callable[..., Any]) -> Callable[..., Any]:
    """`target` for another thread, run with the runtime active here (the test's app's)."""
    return runtime.current().wrap(target)


def stack_settings(
    stack: str, graph: GraphTestServer, tmp_dir: str, beacon: BeaconSettings | None = None
) -> Settings:
    """Settings for one stack, with the cloud transport pointed at the Graph test server."""
    if stack == "embedded":
        db_url, redis_url = f"sqlite:///{tmp_dir}/wocs-test.sqlite3", ""
    else:
        db_url, redis_url = os.environ["TEST_DATABASE_URL"], os.environ["TEST_REDIS_URL"]
        _check_reachable(db_url, redis_url)
    return Settings(
        database_url=db_url,
        redis_url=redis_url,
        whatsapp_token=TOKEN,
        phone_number_id="1234567890",
        app_secret=SECRET,
        verify_token="verify-me",
        api_base=graph.base_url,
        transport="cloud",
        admins=(ADMIN,),
        sweep_interval=3600,  # tests call sweep() themselves; a background one would race them
        forward_burst=0,  # each customer message forwarded at once; the burst test sets its own
        storage=StorageSettings(directory=f"{tmp_dir}/files"),
        backups=BackupSettings(every_hours=0),  # sweeps back up only in the tests of backups
        beacon=beacon or BeaconSettings(urls=()),
    )


@pytest.fixture(scope="session", params=_stacks())
def live_stack(request, graph, drand, tmp_path_factory) -> Iterator[Live]:
    """One running app per stack for the whole session: HTTP server, workers, real transport."""
    tmp_dir = str(tmp_path_factory.mktemp(request.param))
    settings = stack_settings(request.param, graph, tmp_dir, replay_chain(drand.base_url))
    if not settings.embedded:
        import redis

        redis.Redis.from_url(settings.redis_url).flushdb()
        models.init_db(settings.database_url)
        models.db.drop_tables(models.ALL_MODELS)
        models.db.execute_sql("DROP TABLE IF EXISTS schema_migration")
        models.upgrade()
    start_up(settings)
    app = create_app(settings, start_workers=True)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield Live(settings, f"http://127.0.0.1:{server.server_port}", app, graph, drand)
    server.shutdown()
    app.extensions["wocs_workers"].stop()


@pytest.fixture
def live(live_stack: Live) -> Iterator[Live]:
    """The running app with empty tables, a quiet Graph server and the admin seeded.

    The test runs with the app's runtime active, so its queries see the app's database.
    """
    wired = live_stack.runtime
    with wired.active():
        live_stack.settle()
        _emptied(live_stack)
        yield live_stack


def _emptied(live_stack: Live) -> None:
    """The app's tables emptied and its admin seeded, once nothing of the last test is in flight."""
    wired = live_stack.runtime
    # Before the tables empty: no status webhook of the last test may land on this one's rows.
    live_stack.graph.reset()
    live_stack.drand.reset()
    for key in wired.redis.scan_iter("wocs:rate:*"):
        wired.redis.delete(key)
    for model in reversed(models.ALL_MODELS):
        model.delete().execute()
    seed_admins(live_stack.settings.admins)


@dataclass
class CommandRunner:
    """Runs commands straight on a database, as a given sender: for command logic alone."""

    files: Any = None  # the storage.Storage the commands keep files in
    now: Any = None  # the clock the commands see (aware datetime); None: the real one

    def run(self, text: str, phone: str = ADMIN) -> Result:
        """Run a command message as `phone` (the admin by default); its Result."""
        user = models.StaffMember.get_or_none(models.StaffMember.phone == phone)
        ctx = (
            Context(phone=phone, user=user, storage=self.files)
            if self.now is None
            else Context(phone=phone, user=user, storage=self.files, now=self.now)
        )
        return run_command(text, ctx)


@pytest.fixture(params=_stacks())
def commands_db(request, tmp_path) -> Iterator[CommandRunner]:
    """A migrated, empty database with the admin seeded, and no HTTP, queue or Graph server."""
    if request.param == "embedded":
        url = f"sqlite:///{tmp_path}/commands.sqlite3"
    else:
        url = os.environ["TEST_DATABASE_URL"]
    database = models.open_database(url)
    with models.bound(database):
        models.upgrade()
        for model in reversed(models.ALL_MODELS):
            model.delete().execute()
        seed_admins((ADMIN,))
        yield CommandRunner(storage.LocalStorage(tmp_path / "files"))
    database.close()


@pytest.fixture
def stall(live: Live) -> Iterator[Callable[[str], contextlib.AbstractContextManager]]:
    """`with stall(table):` another connection holds `table` (SQLite: the whole file) locked."""
    # Meanwhile the app's requests wait at most 2 seconds (DATABASE_TIMEOUT's default is 10),
    # so a request that needs the table meets the timeout a slow database gives it, quickly.
    working = live.runtime.database
    live.runtime.database = models.open_database(live.settings.database_url, timeout=2)

    @contextlib.contextmanager
    def held(table: str) -> Iterator[None]:
        other = models.open_database(live.settings.database_url)
        other.connect()
        mysql = models.is_mysql()
        other.execute_sql(f"LOCK TABLES {table} WRITE" if mysql else "BEGIN IMMEDIATE")
        try:
            yield
        finally:
            other.execute_sql("UNLOCK TABLES" if mysql else "ROLLBACK")
            other.close()

    with live.runtime.active():  # the test's own queries wait as briefly
        yield held
    live.runtime.database.close()
    live.runtime.database = working


@pytest.fixture(scope="session")
def s3_url(tmp_path_factory) -> Iterator[str]:
    """A real S3-compatible server (moto) for the session, with the bucket wocs-files."""
    with moto_server(tmp_path_factory.mktemp("moto")) as url:
        s3_client(url).create_bucket(Bucket="wocs-files")
        yield url


@pytest.fixture
def use_storage(live: Live) -> Iterator[Callable[[Mapping[str, str]], storage.Storage]]:
    """`use_storage(env)`: the app keeps files where these STORAGE_*/S3_* variables say."""
    wired = live.runtime
    kept = wired.storage

    def use(env: Mapping[str, str]) -> storage.Storage:
        wired.storage = storage.build(StorageSettings.from_env(env))
        return wired.storage

    yield use
    wired.storage = kept
