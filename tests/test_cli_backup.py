"""`python bot.py backup` and `restore FILE` as an operator runs them: output and exit codes."""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]


def _bot(tmp_path, db: str, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WHATSAPP_", "WOCS_", "S3_"))}
    env.pop("REDIS_URL", None)
    env |= {
        "DATABASE_URL": f"sqlite:///{tmp_path}/{db}.sqlite3",
        "STORAGE_DIR": f"{tmp_path}/files",
    }
    env |= {"WOCS_ADMINS": "60123456789"}
    return subprocess.run(
        [sys.executable, "bot.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_backup_then_restore_into_a_new_database_and_refusals(tmp_path):
    assert _bot(tmp_path, "live", "db", "upgrade").returncode == 0
    saved = _bot(tmp_path, "live", "backup")
    assert saved.returncode == 0, saved.stderr
    assert "backed up" in saved.stdout and "sha256 " in saved.stdout
    (path,) = (tmp_path / "files" / "backups").glob("*.jsonl.gz")
    key = path.relative_to(tmp_path / "files").as_posix()

    restored = _bot(tmp_path, "new", "restore", key)  # a storage key
    assert restored.returncode == 0, restored.stderr
    assert "wocs_user" in restored.stdout and "the counts match" in restored.stdout

    again = _bot(tmp_path, "new", "restore", str(path))  # a local path, into a full database
    assert again.returncode == 2 and "already holds data" in again.stderr

    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    tampered = _bot(tmp_path, "other", "restore", str(path))
    assert tampered.returncode == 1 and "checksum does not match" in tampered.stderr

    missing = _bot(tmp_path, "other", "restore", "backups/wocs-20200101T000000Z.jsonl.gz")
    assert missing.returncode == 1 and "no such file" in missing.stderr
    assert "Traceback" not in tampered.stderr + missing.stderr
