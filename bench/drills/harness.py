"""What the drills share: the production stack on private servers, signed commands, the final check.

The stack is gunicorn (2 sync workers), `python bot.py worker`, the Graph API test server
(which posts signed sent/delivered statuses back, as Meta does) and a local drand relay
replaying recorded rounds (jobs/drand_test_server.py), on a private MariaDB and Redis
(bench/drills/services.py) so a drill may stop them. Every command is `/hook add` with its own
text: the hook rows prove each command ran once, the outbox and the Graph server that each
reply was sent once.
"""

from __future__ import annotations

import ast
import collections
import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pymysql

from bench.drills.services import PrivateMariaDB, PrivateRedis, private_services
from bench.lib import ROOT, OpenLoopResult, http_request, mysql_params, open_loop, production_stack
from jobs.drand_test_server import DrandTestServer, replay_chain
from webhooks.routes import signature_for
from whatsapp.graph_test_server import GraphTestServer
from whatsapp.payload import text_message_body

SECRET, TOKEN, ADMIN = "drill-secret", "drill-token", "60123456789"
DATABASE = "wocs_drill"
SENT = ("sent", "delivered", "read")
ONCE = ("inbound_stored_once", "commands_executed_once", "reply_rows_once", "replies_sent_once")
NEVER = ("inbound_stored_twice", "inbound_not_done", "commands_executed_twice")
NEVER += ("replies_not_sent", "replies_sent_twice", "replies_wrong_text")


@dataclass(frozen=True)
class Command:
    """One message a drill sends: its id and the command text."""

    wamid: str
    text: str


def hook_commands(drill: str, count: int) -> list[Command]:
    """`count` distinct `/hook add` commands; each leaves one hook row when it runs."""
    return [
        Command(f"wamid.{drill}.{n}", f"/hook add text: {drill} drill hook {n}")
        for n in range(count)
    ]


def signed_body(command: Command, phone: str = ADMIN, quoting: str = "") -> bytes:
    """The webhook body Meta would post for this message (compact JSON); `quoting`: the wamid
    of our message it quote-replies."""
    body = text_message_body(phone, command.text, command.wamid, quoting=quoting)
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


def signed_request(raw: bytes, content_type: str = "application/json") -> bytes:
    """A raw HTTP POST of `raw` to the webhook, signed with the drill's app secret."""
    headers = {"Content-Type": content_type, "X-Hub-Signature-256": signature_for(SECRET, raw)}
    return http_request("/webhooks/whatsapp", raw, headers)


def requests_for(commands: Sequence[Command], phone: str = ADMIN) -> list[bytes]:
    """The signed webhook requests that deliver these commands from `phone`."""
    return [signed_request(signed_body(c, phone)) for c in commands]


class Workers:
    """The RQ worker process, killed on demand, and restarted whenever it exits.

    The restart stands in for the process supervisor production runs the worker under (a
    Procfile platform, or systemd with Restart=always); `exits` counts the times it was needed.
    """

    RESTART_DELAY = 1.0

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env, self.log, self.kills, self.exits = env, log, 0, 0
        self._lock, self._stopping = threading.Lock(), threading.Event()
        self.proc = self._start()
        self._watcher = threading.Thread(target=self._watch, daemon=True)
        self._watcher.start()

    def _start(self) -> subprocess.Popen:
        # Its own process group, so a kill takes RQ's forked scheduler process down with it.
        with self.log.open("ab") as out:
            return subprocess.Popen(
                [sys.executable, "bot.py", "worker"],
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=out,
                start_new_session=True,
            )

    def _watch(self) -> None:
        while not self._stopping.wait(0.2):
            with self._lock:
                if self.proc.poll() is None or self._stopping.is_set():
                    continue
                self.exits += 1
                time.sleep(self.RESTART_DELAY)
                self.proc = self._start()

    def kill_and_restart(self) -> None:
        """SIGKILL the worker and its scheduler: no clean-up of any kind, as when a machine dies."""
        with self._lock:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
            self.kills += 1
            time.sleep(self.RESTART_DELAY)
            self.proc = self._start()

    def kill_at(self, *offsets: float) -> None:
        """Kill and restart the worker at each offset (seconds from now)."""
        start = time.monotonic()
        for offset in offsets:
            time.sleep(max(0.0, start + offset - time.monotonic()))
            self.kill_and_restart()

    def stop(self) -> None:
        """SIGTERM the worker's group (RQ finishes its job); SIGKILL after 30 s."""
        self._stopping.set()
        self._watcher.join()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()


@dataclass
class Stack:
    """A running drill stack and the private servers under it."""

    port: int
    web_pids: list[int]
    graph: GraphTestServer
    mariadb: PrivateMariaDB
    cache: PrivateRedis
    workers: Workers
    log: Path
    drand: DrandTestServer

    @property
    def database_url(self) -> str:
        """The DATABASE_URL the stack runs on."""
        return self.mariadb.url(DATABASE)

    def rows(self, sql: str, *args: Any) -> list[tuple]:
        """Run one query on the stack's database (a fresh connection: the server may have restarted)."""
        with pymysql.connect(**mysql_params(self.database_url)) as conn, conn.cursor() as cursor:
            cursor.execute(sql, args)
            return list(cursor.fetchall())

    def log_since(self, offset: int) -> str:
        """The stack's log from byte `offset` on (take `log.stat().st_size` as a mark)."""
        with self.log.open("rb") as log:
            log.seek(offset)
            return log.read().decode(errors="replace")

    def swept(self) -> collections.Counter:
        """What the sweeper re-enqueued or released, summed over its log lines."""
        total: collections.Counter = collections.Counter()
        for line in self.log.read_text(errors="replace").splitlines():
            _, found, counts = line.partition("jobs.sweeper: sweeper: ")
            if found:
                total.update(ast.literal_eval(counts))
        return total

    def post(self, requests: Sequence[bytes], rate: float, copies: int = 1) -> OpenLoopResult:
        """Post raw requests at a fixed rate (open loop), each `copies` times at once."""
        return open_loop(self.port, requests, rate, copies=copies)

    def drain(self, commands: Sequence[Command], timeout: float, settle: float = 3.0) -> float:
        """Wait until the reply to each command was accepted by Graph; return the seconds waited.

        Then wait `settle` seconds more, so that late duplicates, if any, are counted.
        """
        wanted, started = {c.wamid for c in commands}, time.monotonic()
        while time.monotonic() - started < timeout:
            sent = self.rows(
                "SELECT i.wamid FROM outbound_message o JOIN inbound_message i"
                " ON o.inbound_id = i.id WHERE o.idempotency_key LIKE 'reply:%%'"
                " AND o.state IN ('sent', 'delivered', 'read')"
            )
            if wanted <= {wamid for (wamid,) in sent}:
                break
            time.sleep(0.5)
        waited = time.monotonic() - started
        time.sleep(settle)
        return waited


@contextlib.contextmanager
def drill_stack(name: str, sweep_seconds: int = 5) -> Iterator[Stack]:
    """Private MariaDB and Redis, the Graph test server, gunicorn and one worker; all stopped after."""
    folder = Path(tempfile.mkdtemp(prefix=f"wocs-drill-{name}-"))
    log = Path(tempfile.gettempdir()) / f"wocs-drill-{name}.log"
    log.write_bytes(b"")
    with (
        private_services(folder) as (mariadb, cache),
        GraphTestServer(token=TOKEN) as graph,
        DrandTestServer() as drand,
    ):
        mariadb.create_database(DATABASE)
        beacon = replay_chain(drand.base_url)
        env = {
            "DATABASE_URL": mariadb.url(DATABASE),
            "REDIS_URL": cache.url(),
            "WHATSAPP_TOKEN": TOKEN,
            "WHATSAPP_PHONE_NUMBER_ID": "1",
            "WHATSAPP_APP_SECRET": SECRET,
            "WHATSAPP_API_BASE": graph.base_url,
            "WOCS_ADMINS": ADMIN,
            "WOCS_SENDER_LIMIT": "0",
            "WOCS_SWEEP_SECONDS": str(sweep_seconds),
            "STORAGE_DIR": str(folder / "files"),
            "BACKUP_EVERY_HOURS": "0",  # a backup drill takes its own, when it means to
            "DRAND_URLS": drand.base_url,  # draws are decided by recorded real rounds
            "DRAND_GENESIS": str(beacon.genesis),
            "DRAND_PERIOD": str(beacon.period),
        }
        with production_stack(env, log, worker=False) as (port, web_pids, _):
            workers = Workers({**os.environ, **env}, log)
            try:
                graph.send_statuses_to(f"http://127.0.0.1:{port}/webhooks/whatsapp", SECRET)
                yield Stack(port, web_pids, graph, mariadb, cache, workers, log, drand)
            finally:
                workers.stop()


def verify(stack: Stack, commands: Sequence[Command]) -> dict[str, int]:
    """Count, per command, its inbound rows, hook rows, reply row and accepted sends of its reply.

    The drill passed when each figure in ONCE equals `commands` and each in NEVER is 0.
    Messages that are not among `commands` (a drill's other traffic) are not counted.
    """
    inbound = stack.rows("SELECT wamid, state FROM inbound_message")
    stored = collections.Counter(wamid for wamid, _ in inbound)
    state = dict(inbound)
    hooks = collections.Counter(text for (text,) in stack.rows("SELECT text FROM hook"))
    replies = stack.rows(
        "SELECT o.id, i.wamid, o.state FROM outbound_message o"
        " JOIN inbound_message i ON o.inbound_id = i.id WHERE o.idempotency_key LIKE 'reply:%%'"
    )
    reply_of = {wamid: (f"ob:{oid}", row_state) for oid, wamid, row_state in replies}
    ours = {reply_of[c.wamid][0] for c in commands if c.wamid in reply_of}
    sent = [r["body"] for r in stack.graph.requests if r["wamid"] and r["body"] is not None]
    sends = collections.Counter(body.get("biz_opaque_callback_data") for body in sent)
    swept = stack.swept()
    hook_texts = [c.text.split("text: ", 1)[1] for c in commands]
    return {
        "sweeper_enqueued_inbound": swept["inbound"],
        "sweeper_enqueued_sends": swept["outbound"],
        "sweeper_released_sends": swept["released"],
        "commands": len(commands),
        "inbound_stored_once": sum(stored[c.wamid] == 1 for c in commands),
        "inbound_stored_twice": sum(max(0, stored[c.wamid] - 1) for c in commands),
        "inbound_not_done": sum(state.get(c.wamid) != "done" for c in commands),
        "commands_executed_once": sum(hooks[text] == 1 for text in hook_texts),
        "commands_executed_twice": sum(max(0, hooks[text] - 1) for text in hook_texts),
        "reply_rows_once": len(ours),
        "replies_not_sent": sum(
            reply_of[c.wamid][1] not in SENT for c in commands if c.wamid in reply_of
        ),
        "replies_sent_once": sum(sends[ref] == 1 for ref in ours),
        "replies_sent_twice": sum(max(0, sends[ref] - 1) for ref in ours),
        "replies_wrong_text": sum(
            1
            for body in sent
            if body.get("biz_opaque_callback_data") in ours
            and not body["text"]["body"].startswith("Hook #")
        ),
    }


def until(condition: Callable[[], object], timeout: float) -> bool:
    """Poll `condition` until it holds or `timeout` seconds pass; whether it held."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def passed(figures: dict[str, Any]) -> bool:
    """Each command stored, executed, answered and sent once; nothing twice, nothing left over."""
    wanted = figures["commands"]
    return all(figures[name] == wanted for name in ONCE) and not any(
        figures[name] for name in NEVER
    )


def judged(figures: dict[str, Any], *checks: bool) -> dict[str, Any]:
    """Add the verdict: passed when the exactly-once figures and the drill's own checks hold."""
    figures["drill"] = "passed" if passed(figures) and all(checks) else "FAILED"
    return figures


def report(figures: dict[str, Any]) -> int:
    """Print the figures one a line, the verdict last; return the exit status."""
    for name, value in figures.items():
        print(f"{name}: {value}")
    return 0 if figures["drill"] == "passed" else 1
