"""Backups: snapshot → empty database → restore on both stacks, checksums, retention, slots, S3."""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import io
import os
import threading
from collections.abc import Iterator
from dataclasses import replace
from decimal import Decimal

import pymysql
import pytest
from peewee import fn

import models
from jobs import backups as scheduled
from jobs import sweeper
from models import BackupRun
from storage import LocalStorage, backups, snapshot
from storage.s3 import S3Storage
from tests.conftest import wait_until
from tests.s3_server import s3_env
from tests.scenarios import create_campaign
from wocs.settings import BackupSettings, ConfigError

NOON = dt.datetime(2026, 12, 4, 12, 0, 0)


def table_rows(database) -> dict[str, list[tuple]]:
    """Every row of every table a backup holds, as the database returns them, by id."""
    q = database.quote
    return {
        table: list(database.execute_sql(f"SELECT * FROM {q[0]}{table}{q[1]} ORDER BY id"))  # noqa: S608
        for table in snapshot.our_tables()
    }


def traffic(live) -> None:
    """A campaign with entries through the webhook, and rows whose values are awkward to carry."""
    create_campaign(live)
    for n in range(3):
        live.say(f"6013555000{n}", "JOIN RAYA26")
    live.settle()
    models.Event.create(
        name="Bazar Ramadan — Jalan TAR ✓", date=dt.date(2026, 3, 1), fee=Decimal("1234.56"),
        checklist=[{"item": "banner", "done": False}], notes=["'quotes' \"and\" \\ backslashes"],
    )  # fmt: skip
    models.Hook.create(text="first line\nsecond\ttabbed", engagement_rate=0.125, last_used=None)
    assert models.Entry.select().count() == 3 and models.OutboundMessage.select().count() > 0


@pytest.fixture
def empty_database(live, tmp_path) -> Iterator[object]:
    """A second database of the live one's engine, with no tables: where a restore goes."""
    url = live.settings.database_url
    if url.startswith("sqlite"):
        target = models.open_database(f"sqlite:///{tmp_path}/restored.sqlite3")
        yield target
        target.close()
        return
    name = live.runtime.database.database + "_restore"
    admin = pymysql.connect(**dict(live.runtime.database.connect_params, init_command=None))
    with admin.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")
        cursor.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
    target = models.open_database(url.rsplit("/", 1)[0] + "/" + name)
    yield target
    target.close()
    with admin.cursor() as cursor:
        cursor.execute(f"DROP DATABASE `{name}`")
    admin.close()


@pytest.fixture
def files(tmp_path) -> LocalStorage:
    return LocalStorage(tmp_path / "files")


# --- backup and restore ------------------------------------------------------------------------


def test_a_restored_backup_holds_every_row_of_every_table(live, files, empty_database):
    traffic(live)
    before = table_rows(live.runtime.database)
    taken = backups.take(live.runtime.database, files, NOON)
    assert taken.key == "backups/wocs-20261204T120000Z.jsonl.gz"
    assert taken.counts == {table: len(rows) for table, rows in before.items()}

    counts = snapshot.restore(empty_database, io.BytesIO(backups.read(taken.key, files)))

    assert counts == taken.counts
    assert table_rows(empty_database) == before
    with models.bound(empty_database):
        event = models.Event.get()
        assert event.fee == Decimal("1234.56") and event.date == dt.date(2026, 3, 1)
        assert models.Hook.get().last_used is None
        assert models.pending() == []


def test_after_a_restore_new_outbound_ids_skip_those_lost_rows_may_have_had(
    live, files, empty_database
):
    if not models.is_mysql():
        pytest.skip("SQLite numbers a new row max(id) + 1 whatever came before")
    traffic(live)
    top = models.OutboundMessage.select(fn.MAX(models.OutboundMessage.id)).scalar()
    taken = backups.take(live.runtime.database, files, NOON)
    snapshot.restore(empty_database, io.BytesIO(backups.read(taken.key, files)))
    (next_id,) = empty_database.execute_sql(
        "SELECT AUTO_INCREMENT FROM information_schema.TABLES"
        " WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'outbound_message'"
    ).fetchone()
    assert next_id == top + snapshot.ID_GAP["outbound_message"]


def test_a_database_with_rows_is_refused(live, files):
    taken = backups.take(live.runtime.database, files, NOON)  # the admin is in it
    with pytest.raises(snapshot.NotEmpty, match="wocs_user has 1 row"):
        snapshot.restore(live.runtime.database, io.BytesIO(backups.read(taken.key, files)))
    assert models.StaffMember.select().count() == 1


def test_a_tampered_backup_is_refused(live, files, empty_database):
    taken = backups.take(live.runtime.database, files, NOON)
    path = files.root / taken.key
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    with pytest.raises(backups.ChecksumMismatch, match="checksum does not match"):
        backups.read(taken.key, files)
    (files.root / (taken.key + backups.CHECKSUM)).unlink()
    with pytest.raises(backups.ChecksumMismatch, match="no checksum"):
        backups.read(str(path), files)


def test_a_backup_cut_short_is_refused_even_with_a_matching_checksum(live, files, empty_database):
    taken = backups.take(live.runtime.database, files, NOON)
    lines = gzip.decompress(files.open_bytes(taken.key)).splitlines(keepends=True)
    cut = gzip.compress(b"".join(lines[:-1]))  # the counts line is gone
    with pytest.raises(snapshot.SnapshotError, match="cut short"):
        snapshot.restore(empty_database, io.BytesIO(cut))
    with pytest.raises(snapshot.SnapshotError, match="not a WOCS backup"):
        snapshot.restore(empty_database, io.BytesIO(gzip.compress(b'{"hello": 1}\n')))
    assert hashlib.sha256(cut).hexdigest() != taken.sha256


def test_a_column_name_from_the_file_never_reaches_the_sql(live, files, empty_database):
    taken = backups.take(live.runtime.database, files, NOON)
    text = gzip.decompress(files.open_bytes(taken.key)).decode()
    evil = text.replace('"phone"', '"phone) VALUES (1); DROP TABLE campaign; --"', 1)
    with pytest.raises(snapshot.SnapshotError, match="not a table or column name"):
        snapshot.restore(empty_database, io.BytesIO(gzip.compress(evil.encode())))


# --- retention --------------------------------------------------------------------------------


def test_pruning_deletes_what_is_past_the_keeping_time_and_never_the_newest(files):
    for days_ago in (40, 31, 30, 29, 1):
        key = backups.key_for(NOON - dt.timedelta(days=days_ago))
        files.save(key, b"x", "application/gzip")
        files.save(key + backups.CHECKSUM, b"y", "text/plain")
    files.save("backups/notes.txt", b"mine", "text/plain")

    deleted = backups.prune(files, NOON, dt.timedelta(days=30))

    assert deleted == [backups.key_for(NOON - dt.timedelta(days=d)) for d in (40, 31)]
    assert [when for when, _ in backups.listed(files)] == [
        NOON - dt.timedelta(days=d) for d in (30, 29, 1)
    ]
    assert "backups/notes.txt" in files.keys("backups")
    assert len(files.keys("backups")) == 7  # three backups, their checksums, the notes
    # A month later with no new backup, the last one is still there.
    assert len(backups.prune(files, NOON + dt.timedelta(days=60), dt.timedelta(days=30))) == 2
    assert backups.listed(files) == [
        (NOON - dt.timedelta(days=1), backups.key_for(NOON - dt.timedelta(days=1)))
    ]


# --- once per slot ----------------------------------------------------------------------------


def test_slots_start_at_midnight_utc_every_so_many_hours():
    assert scheduled.slot_of(dt.datetime(2026, 12, 4, 17, 59, 59, 9), 6) == dt.datetime(
        2026, 12, 4, 12
    )
    assert scheduled.slot_of(dt.datetime(2026, 12, 4, 0, 0), 6) == dt.datetime(2026, 12, 4, 0)
    assert scheduled.slot_of(dt.datetime(2026, 12, 4, 23, 30), 24) == dt.datetime(2026, 12, 4, 0)


def test_two_workers_claiming_one_slot_at_once_give_it_to_one(live):
    slot, won = dt.datetime(2026, 12, 4, 12), []
    start = threading.Barrier(2)

    def claimer(name: str) -> None:
        own = models.open_database(live.settings.database_url)
        with models.bound(own):
            start.wait()
            if scheduled.claim(slot, NOON, name):
                won.append(name)
        own.close()

    threads = [threading.Thread(target=claimer, args=(f"worker-{n}",)) for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(won) == 1
    assert [(r.slot, r.worker, r.state) for r in BackupRun.select()] == [(slot, won[0], "running")]


def test_a_slot_is_taken_again_only_after_a_failure_or_a_dead_worker(live):
    slot = dt.datetime(2026, 12, 4, 12)
    assert scheduled.claim(slot, NOON, "a")
    assert not scheduled.claim(slot, NOON + scheduled.LEASE - dt.timedelta(seconds=1), "b")
    assert scheduled.claim(slot, NOON + scheduled.LEASE + dt.timedelta(seconds=1), "b")
    BackupRun.update(state="failed", finished_at=NOON + scheduled.LEASE).execute()
    later = NOON + scheduled.LEASE + scheduled.RETRY_AFTER
    assert not scheduled.claim(slot, later, "c")
    assert scheduled.claim(slot, later + dt.timedelta(seconds=1), "c")
    BackupRun.update(state="done").execute()
    assert not scheduled.claim(slot, NOON + dt.timedelta(days=1), "d")


@pytest.fixture
def scheduled_backups(live) -> Iterator[None]:
    """The live app's workers back up every 6 hours (the other tests turn it off)."""
    wired = live.runtime
    kept = wired.settings
    wired.settings = replace(kept, backups=BackupSettings(every_hours=6, keep_days=30))
    yield
    wired.settings = kept


def test_every_sweep_of_every_worker_backs_a_slot_up_once(live, scheduled_backups):
    now = models.utcnow()
    for _ in range(3):  # three workers' sweeps
        sweeper.sweep()
    wait_until(lambda: BackupRun.select().where(BackupRun.state == "done").exists())
    assert sweeper.sweep()["backups"] == 0
    live.settle()
    (run,) = BackupRun.select()
    assert run.slot == scheduled.slot_of(now, 6) and run.rows > 0
    assert [key for _, key in backups.listed(live.runtime.storage)] == [run.key]
    assert scheduled.run_backup(run.slot.strftime(scheduled.SLOT)) == "taken by another worker"


def test_a_failed_backup_is_recorded_and_raised(live, scheduled_backups, tmp_path):
    wired = live.runtime
    kept = wired.storage
    (tmp_path / "blocker").write_text("a file where the folder should be")
    wired.storage = LocalStorage(tmp_path / "blocker")
    try:
        with pytest.raises(Exception, match="could not write"):
            scheduled.run_backup("20261204T1200Z", now=NOON)
    finally:
        wired.storage = kept
    (run,) = BackupRun.select()
    assert run.state == "failed" and "could not write" in run.error


# --- S3 ---------------------------------------------------------------------------------------


def test_backups_go_to_an_s3_bucket_and_come_back(live, s3_url, empty_database):
    env = s3_env(s3_url, "wocs-files") | {"S3_PREFIX": f"prod{os.getpid()}"}
    bucket = S3Storage(
        "wocs-files", endpoint_url=s3_url, region=env["S3_REGION"], prefix=env["S3_PREFIX"],
        access_key_id=env["AWS_ACCESS_KEY_ID"], secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
    )  # fmt: skip
    traffic(live)
    old = backups.take(live.runtime.database, bucket, NOON - dt.timedelta(days=31))
    taken = backups.take(live.runtime.database, bucket, NOON)
    assert bucket.keys("backups") == sorted(
        [old.key, old.key + ".sha256", taken.key, taken.key + ".sha256"]
    )
    assert backups.prune(bucket, NOON, dt.timedelta(days=30)) == [old.key]
    snapshot.restore(empty_database, io.BytesIO(backups.read(taken.key, bucket)))
    assert table_rows(empty_database) == table_rows(live.runtime.database)


# --- settings ---------------------------------------------------------------------------------


def test_backup_settings_default_to_every_six_hours_kept_thirty_days():
    assert BackupSettings.from_env({}) == BackupSettings(every_hours=6, keep_days=30)
    assert BackupSettings.from_env({"BACKUP_EVERY_HOURS": "0"}).every_hours == 0


@pytest.mark.parametrize(
    "env", [{"BACKUP_EVERY_HOURS": "5"}, {"BACKUP_EVERY_HOURS": "six"}, {"BACKUP_KEEP_DAYS": "0"}]
)
def test_backup_settings_that_make_no_sense_are_refused(env):
    with pytest.raises(ConfigError, match="BACKUP_"):
        BackupSettings.from_env(env)
