"""Shared benchmark helpers: gunicorn servers, an open-loop load generator, wrk, percentiles."""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def mysql_params(url: str) -> dict[str, Any]:
    """PyMySQL connect() arguments (autocommit) for a `mysql://user:pass@host:port/db` URL."""
    parts = urlparse(url)
    return {
        "host": parts.hostname or "127.0.0.1",
        "port": parts.port or 3306,
        "user": unquote(parts.username or "root"),
        "password": unquote(parts.password or ""),
        "database": parts.path.lstrip("/") or None,
        "charset": "utf8mb4",
        "autocommit": True,
    }


def percentile(values: Sequence[float], pct: float) -> float:
    """The nearest-rank percentile (the value at least `pct` % of samples do not exceed)."""
    ordered = sorted(values)
    if not ordered:
        return math.nan
    return ordered[max(0, math.ceil(pct / 100 * len(ordered)) - 1)]


@contextlib.contextmanager
def gunicorn(
    app: str, env: dict[str, str], log: Path, workers: int = 2
) -> Iterator[tuple[int, list[int]]]:
    """Run `gunicorn --workers N app` on a free port; yield (port, worker pids); stop it after."""
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", "--workers", str(workers)]
    command += ["--bind", f"127.0.0.1:{port}", app]
    with log.open("ab") as out:
        proc = subprocess.Popen(
            command, cwd=ROOT, env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        workers_pids = _wait_ready(proc, port, workers, log)
        yield port, workers_pids
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _wait_ready(proc: subprocess.Popen, port: int, workers: int, log: Path) -> list[int]:
    """Wait until every worker has loaded the app and the port answers HTTP."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(
                f"gunicorn exited with {proc.returncode}:\n{log.read_text()[-3000:]}"
            )
        children = _children(proc.pid)
        if len(children) >= workers and _answers(port):
            # A sync worker loads the app after it is forked; give the slower one a moment.
            time.sleep(1.0)
            return children
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not start in 60 s:\n{log.read_text()[-3000:]}")


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as conn:
            conn.sendall(b"GET /healthz HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n")
            return conn.recv(12).startswith(b"HTTP/1.")
    except OSError:
        return False


@dataclass
class OpenLoopResult:
    """What an open-loop run saw: per-request status and latency, and how late sends went out."""

    statuses: list[int]
    latencies: list[float]  # seconds from the scheduled send time to the last response byte
    max_lateness: float  # worst delay between a scheduled time and the actual send
    elapsed: float  # first scheduled send to last response


def http_request(path: str, body: bytes, headers: dict[str, str]) -> bytes:
    """A raw HTTP/1.1 POST with `Connection: close` (gunicorn's sync workers close anyway)."""
    lines = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: close"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def send(port: int, payload: bytes, scheduled: float, timeout: float) -> tuple[int, float]:
    """Post one raw request; its status (0: no answer) and seconds since `scheduled` (perf_counter)."""
    try:
        async with asyncio.timeout(timeout):
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(payload)
            answer = await reader.read()  # the server closes after the response
            writer.close()
        status = int(answer[9:12]) if answer.startswith(b"HTTP/1.") else 0
    except (OSError, TimeoutError, ValueError):
        status = 0
    return status, time.perf_counter() - scheduled


async def _open_loop(
    port: int, payloads: Sequence[bytes], rate: float, timeout: float, copies: int
):
    start = time.perf_counter() + 0.05
    lateness, tasks = 0.0, []
    for index, payload in enumerate(payloads):
        scheduled = start + index / rate
        delay = scheduled - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        lateness = max(lateness, time.perf_counter() - scheduled)
        for _ in range(copies):
            tasks.append(asyncio.create_task(send(port, payload, scheduled, timeout)))
    results = await asyncio.gather(*tasks)
    return results, lateness, time.perf_counter() - start


def open_loop(
    port: int, payloads: Sequence[bytes], rate: float, timeout: float = 10.0, copies: int = 1
) -> OpenLoopResult:
    """Send each raw request at its scheduled time (rate per second), whatever earlier ones do.

    With `copies`, each request goes out that many times at once, on separate connections
    (results in order: the copies of the first request, then those of the second, …).

    Latency counts from the scheduled time, not the actual send, so a stalled
    server cannot hide its queue (no coordinated omission).
    """
    results, lateness, elapsed = asyncio.run(_open_loop(port, payloads, rate, timeout, copies))
    return OpenLoopResult(
        statuses=[status for status, _ in results],
        latencies=[latency for _, latency in results],
        max_lateness=lateness,
        elapsed=elapsed,
    )


def wrk(url: str, script: Path, args: Sequence[str], threads: int, connections: int, seconds: int):
    """Run wrk with a Lua script; return the `key: value` lines its done() printed."""
    if shutil.which("wrk") is None:
        raise RuntimeError("wrk is not installed: apt-get install -y wrk")
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s"]
    command += ["-s", str(script), url, "--", *args]
    done = subprocess.run(
        command, capture_output=True, text=True, check=True, timeout=seconds + 120
    )
    figures = {}
    for line in done.stdout.splitlines():
        key, sep, value = line.partition(": ")
        if sep and key.startswith("wrk_"):
            figures[key] = float(value)
    if "wrk_requests" not in figures:
        raise RuntimeError(f"wrk printed no figures:\n{done.stdout}\n{done.stderr}")
    return figures


@contextlib.contextmanager
def production_stack(
    env: dict[str, str], log: Path, worker: bool = True, workers: int = 1
) -> Iterator[tuple[int, list[int], subprocess.Popen | None]]:
    """Migrate, then run `workers` × `python bot.py worker` (unless told not to) and gunicorn.

    Yields (web port, web worker pids, the first RQ worker process or None); stops all after.
    """
    # No scheduled backup in the middle of a measurement, unless a benchmark asks for one.
    full_env = {"BACKUP_EVERY_HOURS": "0", **os.environ, **env}
    subprocess.run([sys.executable, "bot.py", "db", "upgrade"], cwd=ROOT, env=full_env, check=True)
    procs = []
    if worker:
        with log.open("ab") as out:
            command = [sys.executable, "bot.py", "worker"]
            procs = [
                subprocess.Popen(command, cwd=ROOT, env=full_env, stdout=out, stderr=out)
                for _ in range(workers)
            ]
    try:
        with gunicorn("app:create_app()", env, log) as (port, web_pids):
            yield port, web_pids, procs[0] if procs else None
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:  # a worker is never left running after its stack
                proc.kill()
                proc.wait()
