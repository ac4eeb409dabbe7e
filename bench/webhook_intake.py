"""Webhook intake: WOCS vs pywa references under gunicorn on MariaDB + Redis; one figure a line."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import pymysql
import redis
from rq.job import Job

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as `python bench/...`

from bench.lib import ROOT, gunicorn, http_request, mysql_params, open_loop, percentile, wrk
from webhooks.routes import signature_for
from whatsapp.graph_test_server import GraphTestServer
from whatsapp.payload import text_message_body

SECRET = "bench-app-secret"  # noqa: S105  (signs synthetic bodies only)
PATH = "/webhooks/whatsapp"
WARMUP = 400  # requests at 200/s before measuring, so both workers have imported everything
CUSTOMERS = 5000
TEXTS = (
    "Hi, is the stall open today?",
    "/menu",
    "2 nasi lemak ayam please",
    "STOP",
    "Terima kasih!",
)
# The reference's table, as a pywa user would create it: one row per message, unique id.
PYWA_TABLE_SQL = """
CREATE TABLE IF NOT EXISTS pywa_message (
    id BIGINT AUTO_INCREMENT PRIMARY KEY,
    wamid VARCHAR(191) NOT NULL UNIQUE,
    sender VARCHAR(20) NOT NULL,
    sender_name VARCHAR(120) NOT NULL,
    body TEXT NOT NULL,
    sent_at DATETIME NULL,
    received_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
) CHARACTER SET utf8mb4
"""
SERVERS = {
    # name: (gunicorn app, extra env, table holding one row per message)
    "wocs": ("app:create_app()", {}, "inbound_message"),
    "pywa_insert": (
        "bench.reference_pywa_app:app",
        {"PYWA_BENCH_HANDLER": "insert"},
        "pywa_message",
    ),
    "pywa_noop": ("bench.reference_pywa_app:app", {"PYWA_BENCH_HANDLER": "noop"}, ""),
}

# wrk Lua: thread k of n keeps lines k, k+n, … of the body file, so no id repeats across threads.
WRK_LUA = r"""
local threads, created = {}, 0
function setup(thread)
  thread:set("id", created)
  created = created + 1
  table.insert(threads, thread)
end
function init(args)
  local step, i = tonumber(args[1]), 0
  bodies, n, sent, ok, wrapped = {}, 0, 0, 0, 0
  for line in io.lines(args[2]) do
    if i % step == id then
      local tab = line:find("\t", 1, true)
      bodies[#bodies + 1] = {line:sub(1, tab - 1), line:sub(tab + 1)}
    end
    i = i + 1
  end
end
function request()
  n = n + 1
  if n > #bodies then n, wrapped = 1, wrapped + 1 end
  sent = sent + 1
  local b = bodies[n]
  return wrk.format("POST", "/webhooks/whatsapp",
    {["Content-Type"] = "application/json", ["X-Hub-Signature-256"] = b[1]}, b[2])
end
function response(status, headers, body)
  if status == 200 then ok = ok + 1 end
end
function done(summary, latency, requests)
  local sent, ok, wrapped = 0, 0, 0
  for _, t in ipairs(threads) do
    sent, ok, wrapped = sent + t:get("sent"), ok + t:get("ok"), wrapped + t:get("wrapped")
  end
  local e = summary.errors
  local seconds = summary.duration / 1e6
  io.write(string.format("wrk_requests: %d\nwrk_seconds: %.3f\nwrk_rps: %.1f\n",
    summary.requests, seconds, summary.requests / seconds))
  io.write(string.format("wrk_p50_ms: %.2f\nwrk_p99_ms: %.2f\n",
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
  io.write(string.format("wrk_sent: %d\nwrk_ok: %d\nwrk_wrapped: %d\nwrk_non2xx: %d\n",
    sent, ok, wrapped, e.status))
  io.write(string.format("wrk_socket_errors: %d\n", e.connect + e.read + e.write + e.timeout))
end
"""


def signed_bodies(start: int, count: int) -> Iterator[tuple[str, bytes]]:
    """Signed text-message bodies number start… with distinct message ids, as Meta sends them (2026)."""
    for i in range(start, start + count):
        customer = i % CUSTOMERS
        phone, bsuid = str(60_120_000_000 + customer), f"MY.{10**17 + customer}"
        body = text_message_body(
            phone,
            TEXTS[i % len(TEXTS)],
            f"wamid.HBgMNjAxMjBCENCH{i:012d}",
            name=f"Customer {customer}",
            phone_number_id="1",
        )
        # Meta adds business-scoped user ids since 2026; pywa drops text messages without them.
        value = body["entry"][0]["changes"][0]["value"]
        value["contacts"][0]["user_id"] = bsuid
        value["messages"][0]["from_user_id"] = bsuid
        raw = json.dumps(body, separators=(",", ":")).encode()
        yield signature_for(SECRET, raw), raw


def raw_requests(bodies: Sequence[tuple[str, bytes]]) -> list[bytes]:
    """Complete HTTP requests for the open-loop generator."""
    return [
        http_request(PATH, raw, {"Content-Type": "application/json", "X-Hub-Signature-256": sig})
        for sig, raw in bodies
    ]


def wamid_of(raw: bytes) -> str:
    """The message id inside one body."""
    return json.loads(raw)["entry"][0]["changes"][0]["value"]["messages"][0]["id"]


class Store:
    """The benchmark's database and Redis: reset between phases, counted after each."""

    def __init__(self, database_url: str, redis_url: str) -> None:
        self.db = pymysql.connect(**mysql_params(database_url))
        self.redis = redis.Redis.from_url(redis_url)

    def reset(self) -> None:
        """Empty the message tables and the Redis database."""
        # Let the web workers' hand-off threads enqueue the last phase's ids first: TRUNCATE
        # restarts the ids, so a late job would carry an id the next phase stores again.
        time.sleep(0.5)
        with self.db.cursor() as cursor:
            cursor.execute("SET FOREIGN_KEY_CHECKS = 0")  # outbound_message refers to inbound
            for table in ("inbound_message", "pywa_message"):
                cursor.execute(f"TRUNCATE TABLE {table}")
            cursor.execute("SET FOREIGN_KEY_CHECKS = 1")
        self.redis.flushdb()

    def wamids(self, table: str) -> set[str]:
        """Message ids stored in a table."""
        with self.db.cursor() as cursor:
            cursor.execute(f"SELECT wamid FROM {table}")  # noqa: S608  (a constant name)
            return {row[0] for row in cursor.fetchall()}

    def queued(self) -> int:
        """Messages waiting on RQ's `high` queue: one a job, or the ids a fan-out job carries."""
        job_ids = [job_id.decode() for job_id in self.redis.lrange("rq:queue:high", 0, -1)]
        total = 0
        for start in range(0, len(job_ids), 1000):
            for job in Job.fetch_many(job_ids[start : start + 1000], connection=self.redis):
                total += len(job.args[0]) if job.func_name == "jobs.inbound.fan_out" else 1
        return total


def check(store: Store, label: str, table: str, sent: int, ok: int, ok_ids: set[str] | None) -> str:
    """One line saying whether every answered message was stored once and queued; '' if fine."""
    time.sleep(1.0)  # requests cut off by wrk's stop may still be finishing in a worker
    stored = store.wamids(table) if table else set()
    queued = store.queued() if table == "inbound_message" else None
    problems = []
    if ok < sent and ok_ids is not None:
        problems.append(f"{sent - ok} requests not answered 200")
    if table and ok_ids is not None and stored != ok_ids:
        problems.append(f"stored ids differ from 200-answered ids ({len(stored)} vs {len(ok_ids)})")
    if table and not ok <= len(stored) <= sent:
        problems.append(f"stored {len(stored)} is outside [200s {ok}, sent {sent}]")
    if queued is not None and queued != len(stored):
        problems.append(f"queued {queued} != stored {len(stored)}")
    counts = f"sent={sent} ok200={ok} stored={len(stored) if table else '-'} queued={'-' if queued is None else queued}"
    print(f"{label}_check: {'FAILED ' + '; '.join(problems) if problems else 'ok'} ({counts})")
    return "; ".join(problems)


def run_server(name: str, args: argparse.Namespace, env: dict, bodies, body_file: Path, tmp: Path):
    """Warm up, then the fixed-rate point and saturation, each from empty tables; return figures."""
    app, extra, table = SERVERS[name]
    store, figures, failures = Store(env["DATABASE_URL"], env["REDIS_URL"]), {}, []
    fixed_count = int(args.rate * args.duration)
    warm, fixed = bodies[:WARMUP], bodies[WARMUP : WARMUP + fixed_count]
    with gunicorn(app, {**env, **extra}, tmp / f"{name}.log") as (port, workers):
        store.reset()
        warmed = open_loop(port, raw_requests(warm), rate=200)
        if warmed.statuses.count(200) != len(warm):
            failures.append(f"{name} warm-up: statuses {sorted(set(warmed.statuses))}")
        store.reset()
        result = open_loop(port, raw_requests(fixed), rate=args.rate)
        label = f"{name}_{args.rate:g}rps"
        ms = [s * 1000 for s in result.latencies]
        figures[f"{label}_p50_ms"], figures[f"{label}_p99_ms"] = (
            percentile(ms, 50),
            percentile(ms, 99),
        )
        figures[f"{label}_max_ms"] = max(ms)
        figures[f"{label}_achieved_rps"] = len(ms) / result.elapsed
        figures[f"{label}_generator_max_lag_ms"] = result.max_lateness * 1000
        ok_ids = {
            wamid_of(raw) for (_, raw), s in zip(fixed, result.statuses, strict=True) if s == 200
        }
        failures.append(check(store, label, table, len(fixed), len(ok_ids), ok_ids))
        store.reset()
        profilers = [profile(pid, args, tmp, name) for pid in workers] if args.profile else []
        url = f"http://127.0.0.1:{port}{PATH}"
        sat = wrk(
            url,
            tmp / "intake.lua",
            [str(args.threads), str(body_file)],
            args.threads,
            args.connections,
            args.duration,
        )
        for proc in profilers:
            proc.wait()
        label = f"{name}_saturation"
        figures[f"{label}_rps"] = sat["wrk_rps"]
        figures[f"{label}_p50_ms"], figures[f"{label}_p99_ms"] = (
            sat["wrk_p50_ms"],
            sat["wrk_p99_ms"],
        )
        if sat["wrk_wrapped"] or sat["wrk_non2xx"]:
            failures.append(
                f"{label}: {sat['wrk_wrapped']:.0f} wrapped, {sat['wrk_non2xx']:.0f} non-2xx"
            )
        failures.append(check(store, label, table, int(sat["wrk_sent"]), int(sat["wrk_ok"]), None))
        store.reset()
    return figures, [f for f in failures if f]


def profile(pid: int, args: argparse.Namespace, tmp: Path, name: str) -> subprocess.Popen:
    """Sample one gunicorn worker with py-spy for the saturation run (collapsed stacks)."""
    out = Path(args.profile) / f"{name}-{pid}.txt"
    out.parent.mkdir(parents=True, exist_ok=True)
    command = ["py-spy", "record", "--pid", str(pid), "--duration", str(args.duration)]
    # --idle keeps the samples where the worker waits for MariaDB or Redis: wall time, not CPU.
    command += ["--rate", "200", "--idle", "--format", "raw", "--output", str(out), "--nonblocking"]
    with (tmp / "py-spy.log").open("ab") as log:  # the child keeps its own descriptor
        return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=log)


def prepare(env: dict) -> None:
    """Create the database if missing, apply WOCS's migrations, create the reference's table."""
    params = mysql_params(env["DATABASE_URL"])
    name = params.pop("database")
    with pymysql.connect(**params) as server, server.cursor() as cursor:
        cursor.execute(f"CREATE DATABASE IF NOT EXISTS `{name}` CHARACTER SET utf8mb4")
    subprocess.run(
        [sys.executable, "bot.py", "db", "upgrade"],
        cwd=ROOT,
        env={**os.environ, **env},
        check=True,
        capture_output=True,
    )
    with pymysql.connect(**mysql_params(env["DATABASE_URL"])) as db, db.cursor() as cursor:
        cursor.execute(PYWA_TABLE_SQL)


def report_targets(figures: dict[str, float], rate: float) -> None:
    """The ratios to the references and whether the issue's targets were met."""
    for other, floor in (("pywa_insert", 1.0), ("pywa_noop", 0.5)):
        if "wocs_saturation_rps" in figures and f"{other}_saturation_rps" in figures:
            ratio = figures["wocs_saturation_rps"] / figures[f"{other}_saturation_rps"]
            print(f"wocs_vs_{other}: {ratio:.2f}")
            print(
                f"target_wocs_vs_{other}: {'met' if ratio >= floor else 'missed'} (>= {floor:.2f})"
            )
    p99 = figures.get(f"wocs_{rate:g}rps_p99_ms")
    if p99 is not None and rate == 500:
        print(f"target_wocs_500rps_p99: {'met' if p99 < 20 else 'missed'} (< 20 ms)")


def main(argv: list[str] | None = None) -> int:
    """Run the three servers one after another and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--duration", type=int, default=20, help="seconds per measured phase")
    parser.add_argument("--rate", type=float, default=500, help="fixed arrival rate, requests/s")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections")
    parser.add_argument(
        "--saturation-bodies", type=int, default=300_000, help="distinct bodies for wrk"
    )
    parser.add_argument("--servers", default=",".join(SERVERS), help="comma-separated subset")
    parser.add_argument("--profile", metavar="DIR", help="py-spy each worker during saturation")
    args = parser.parse_args(argv)
    graph = GraphTestServer().start()  # nothing should call it: intake sends nothing
    env = {
        "DATABASE_URL": os.environ.get(
            "BENCH_DATABASE_URL", "mysql://root@127.0.0.1:3306/wocs_bench"
        ),
        "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/9"),
        "WHATSAPP_TOKEN": "t",
        "WHATSAPP_PHONE_NUMBER_ID": "1",
        "WHATSAPP_APP_SECRET": SECRET,
        "WHATSAPP_VERIFY_TOKEN": "bench-verify",
        "WHATSAPP_API_BASE": graph.base_url,
    }
    prepare(env)
    head = WARMUP + int(args.rate * args.duration)
    bodies = list(signed_bodies(0, head))  # the open-loop phases; saturation reads a file
    figures, failures = {}, []
    with tempfile.TemporaryDirectory(prefix="wocs-intake-") as tmp_name:
        tmp = Path(tmp_name)
        (tmp / "intake.lua").write_text(WRK_LUA)
        body_file = tmp / "bodies.tsv"
        with body_file.open("wb") as out:
            for sig, raw in signed_bodies(head, args.saturation_bodies):
                out.write(sig.encode() + b"\t" + raw + b"\n")
        for name in args.servers.split(","):
            got, failed = run_server(name, args, env, bodies, body_file, tmp)
            figures.update(got)
            failures += failed
            for key, value in got.items():
                print(f"{key}: {value:.2f}", flush=True)
    report_targets(figures, args.rate)
    print(f"graph_requests: {len(graph.requests)}")
    graph.stop()
    for failure in failures:
        print(f"FAILED: {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
