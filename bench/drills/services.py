"""Private MariaDB and Redis servers for the drills, so stopping them disturbs no one else.

Each runs from its own folder on a free port, without the machine's configuration files,
and is removed afterwards. Both need only the server binaries (Debian: mariadb-server,
redis-server).
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pymysql
import redis

from bench.lib import free_port

START_TIMEOUT = 60.0


def _binary(name: str) -> str:
    """A server binary on PATH, or in /usr/sbin where Debian puts mariadbd."""
    found = shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/local/sbin")
    if found is None:
        raise RuntimeError(f"{name} is not installed (Debian: apt-get install -y mariadb-server)")
    return found


def _stop(proc: subprocess.Popen | None, timeout: float = 60.0) -> None:
    """SIGTERM (a clean shutdown, as `systemctl stop` does) and wait; SIGKILL if it hangs."""
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


class PrivateRedis:
    """A redis-server without persistence: stopping it loses every queued job, as a crash would."""

    def __init__(self, folder: Path) -> None:
        self.folder, self.port = folder, free_port()
        self.proc: subprocess.Popen | None = None
        folder.mkdir(parents=True, exist_ok=True)

    def url(self, db: int = 0) -> str:
        """The REDIS_URL for one of its databases."""
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> None:
        """Start the server and wait until it answers PING."""
        command = [_binary("redis-server"), "--port", str(self.port), "--bind", "127.0.0.1"]
        command += ["--save", "", "--appendonly", "no", "--dir", str(self.folder)]
        with (self.folder / "redis.log").open("ab") as log:
            self.proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        client = redis.Redis(port=self.port, socket_connect_timeout=0.5)
        _wait(lambda: bool(client.ping()), self.proc, "redis-server", self.folder / "redis.log")

    def stop(self) -> None:
        """Stop the server; everything it held is gone."""
        _stop(self.proc)


class PrivateMariaDB:
    """A mariadbd with its own data folder; root without a password on 127.0.0.1."""

    def __init__(self, folder: Path) -> None:
        self.folder, self.port = folder, free_port()
        self.data = folder / "data"
        self.proc: subprocess.Popen | None = None

    def url(self, database: str) -> str:
        """The DATABASE_URL of one database on it."""
        return f"mysql://root@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        """Create the data folder the first time, start the server and wait until it answers."""
        # mariadbd refuses to run as root unless told to; as anyone else it runs as that user.
        user = ["--user=" + pwd.getpwuid(os.geteuid()).pw_name] if os.geteuid() == 0 else []
        if not self.data.exists():
            install = [_binary("mariadb-install-db"), "--no-defaults", *user]
            install += [f"--datadir={self.data}", "--auth-root-authentication-method=normal"]
            install += ["--skip-test-db"]
            subprocess.run(install, check=True, capture_output=True, timeout=120)
        command = [_binary("mariadbd"), "--no-defaults", *user, f"--datadir={self.data}"]
        command += [f"--port={self.port}", "--bind-address=127.0.0.1", "--skip-name-resolve"]
        command += [f"--socket={self.folder / 'mysqld.sock'}", f"--pid-file={self.folder}/pid"]
        command += ["--innodb-buffer-pool-size=128M", f"--log-error={self.folder}/error.log"]
        self.proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _wait(self._answers, self.proc, "mariadbd", self.folder / "error.log")

    def _answers(self) -> bool:
        with pymysql.connect(host="127.0.0.1", port=self.port, user="root", connect_timeout=1):
            return True

    def create_database(self, name: str) -> None:
        """An empty utf8mb4 database."""
        with (
            pymysql.connect(host="127.0.0.1", port=self.port, user="root") as conn,
            conn.cursor() as cursor,
        ):
            cursor.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")

    def stop(self) -> None:
        """A clean shutdown; connected clients see their connections drop."""
        _stop(self.proc)


def _wait(ready, proc: subprocess.Popen, name: str, log: Path) -> None:
    """Poll `ready()` until it holds; fail with the server's log if it exits or takes too long."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(f"{name} exited with {proc.returncode}:\n{tail}")
        with contextlib.suppress(Exception):
            if ready():
                return
        time.sleep(0.1)
    raise RuntimeError(f"{name} did not answer within {START_TIMEOUT:.0f} s")


@contextlib.contextmanager
def private_services(folder: Path) -> Iterator[tuple[PrivateMariaDB, PrivateRedis]]:
    """A private MariaDB and Redis under `folder`, stopped and removed afterwards."""
    mariadb, cache = PrivateMariaDB(folder / "mariadb"), PrivateRedis(folder / "redis")
    try:
        mariadb.start()
        cache.start()
        yield mariadb, cache
    finally:
        cache.stop()
        mariadb.stop()
        shutil.rmtree(folder, ignore_errors=True)
