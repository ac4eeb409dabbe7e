"""A consistent snapshot of our tables in a portable format (gzip'd JSON lines), and its restore.

The same format comes out of SQLite and MySQL/MariaDB and goes back into either: line one
names the format, the engine and the applied migrations; then each table's column names
followed by its rows as JSON arrays; the last line holds every table's row count, so a
file cut short is refused even before its checksum is.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import gzip
import json
import re
import sqlite3
import tempfile
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

import pymysql
from peewee import DatabaseError, MySQLDatabase
from playhouse.migrations import Runner

import models

FORMAT, VERSION = "wocs-backup", 1
HISTORY = "schema_migration"  # playhouse's migration history, restored with the rest
BATCH = 500  # rows per INSERT statement on restore
# Table and column names go into SQL text, so only plain lower-case identifiers are let in.
_IDENT = re.compile(r"[a-z_][a-z0-9_]{0,63}")
# Ids that leave the database: Meta echoes "ob:<outbound id>" in its statuses and Redis may still
# hold jobs naming inbound ids. Rows written after the backup are lost, but their ids are out
# there, so new rows start this far past the restored ones (MySQL; SQLite always takes max + 1).
ID_GAP = {"outbound_message": 1_000_000, "inbound_message": 1_000_000}
# A cell's JSON when JSON has no type for it: one tag, one string.
_TAGS: dict[str, Callable[[str], Any]] = {
    "dt": dt.datetime.fromisoformat,
    "date": dt.date.fromisoformat,
    "dec": Decimal,
    "b64": base64.b64decode,
}


class SnapshotError(Exception):
    """A snapshot that cannot be taken or restored; the message says why."""


class NotEmpty(SnapshotError):
    """The database to restore into already holds rows."""


def our_tables() -> list[str]:
    """The tables a snapshot holds: every model's, then the migration history."""
    return [model._meta.table_name for model in models.ALL_MODELS] + [HISTORY]


def _cell(value: Any) -> Any:
    """A value JSON cannot hold as is, as a one-key tagged object."""
    if isinstance(value, dt.datetime):
        return {"dt": value.isoformat(sep=" ")}
    if isinstance(value, dt.date):
        return {"date": value.isoformat()}
    if isinstance(value, Decimal):
        return {"dec": str(value)}
    if isinstance(value, bytes | bytearray | memoryview):
        return {"b64": base64.b64encode(bytes(value)).decode("ascii")}
    raise TypeError(f"cannot store a {type(value).__name__} in a snapshot")


def _uncell(obj: dict[str, Any]) -> Any:
    if len(obj) == 1:
        ((tag, text),) = obj.items()
        if tag in _TAGS:
            return _TAGS[tag](text)
    return obj


def _quoted(database: Any, name: str) -> str:
    """`name` quoted for the engine, once it is known to be a plain identifier."""
    if not _IDENT.fullmatch(name):
        raise SnapshotError(f"{name[:40]!r} is not a table or column name WOCS uses")
    return f"{database.quote[0]}{name}{database.quote[1]}"


def _line(obj: Any) -> bytes:
    return (
        json.dumps(obj, default=_cell, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"
    )


Reader = Callable[[str], tuple[list[str], Iterable[tuple]]]


@contextlib.contextmanager
def _sqlite_reader(path: str) -> Iterator[Reader]:
    """Tables read from a copy made with SQLite's online backup API (consistent while others write)."""
    with tempfile.TemporaryDirectory(prefix="wocs-backup-") as tmp:
        source = sqlite3.connect(path, timeout=30)
        copy = sqlite3.connect(Path(tmp) / "copy.sqlite3")
        try:
            source.backup(copy)
            source.close()

            def read(table: str) -> tuple[list[str], Iterable[tuple]]:
                cursor = copy.execute(f'SELECT * FROM "{table}" ORDER BY id')  # noqa: S608  (ours)
                return [c[0] for c in cursor.description], cursor

            yield read
        finally:
            source.close()
            copy.close()


@contextlib.contextmanager
def _mysql_reader(database: MySQLDatabase) -> Iterator[Reader]:
    """Tables read inside one START TRANSACTION WITH CONSISTENT SNAPSHOT, on a connection of its own."""
    params = dict(database.connect_params)
    params.pop("init_command", None)  # READ COMMITTED would give each SELECT its own snapshot
    conn = pymysql.connect(database=database.database, **params)
    try:
        with conn.cursor() as cursor:
            cursor.execute("SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            cursor.execute("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY")

        def read(table: str) -> tuple[list[str], Iterable[tuple]]:
            cursor = conn.cursor(pymysql.cursors.SSCursor)  # streamed, not held in memory
            cursor.execute(f"SELECT * FROM `{table}` ORDER BY id")  # noqa: S608  (ours)
            return [c[0] for c in cursor.description], cursor

        yield read
        conn.rollback()
    finally:
        conn.close()


@contextlib.contextmanager
def _reader(database: Any) -> Iterator[Reader]:
    """The reader for the database's engine; its errors become SnapshotErrors."""
    if not isinstance(database, MySQLDatabase) and database.database in ("", ":memory:"):
        raise SnapshotError("an in-memory SQLite database cannot be backed up")
    try:
        if isinstance(database, MySQLDatabase):
            with _mysql_reader(database) as read:
                yield read
        else:
            with _sqlite_reader(database.database) as read:
                yield read
    except (sqlite3.Error, pymysql.MySQLError) as exc:
        raise SnapshotError(f"could not read the database: {exc}") from exc


def dump(database: Any, out: IO[bytes], taken_at: dt.datetime) -> dict[str, int]:
    """Write a consistent snapshot of our tables to `out`, gzip'd; the row count of each table."""
    engine = "mysql" if isinstance(database, MySQLDatabase) else "sqlite"
    counts: dict[str, int] = {}
    with _reader(database) as read, gzip.GzipFile(fileobj=out, mode="wb", mtime=0) as gz:
        columns, history = read(HISTORY)
        at = columns.index("name")
        migrations = sorted(row[at] for row in history)
        head = {"format": FORMAT, "version": VERSION, "engine": engine, "migrations": migrations}
        gz.write(_line(head | {"taken_at": taken_at}))
        for table in our_tables():
            columns, rows = read(table)
            gz.write(_line({"table": table, "columns": columns}))
            count = 0
            for row in rows:
                gz.write(_line(list(row)))
                count += 1
            counts[table] = count
        gz.write(_line({"counts": counts}))
    return counts


def _lines(data: IO[bytes]) -> Iterator[Any]:
    """The snapshot's decoded lines; SnapshotError for a file that is not gzip'd JSON lines."""
    try:
        for raw in gzip.GzipFile(fileobj=data, mode="rb"):
            yield json.loads(raw, object_hook=_uncell)
    except (OSError, EOFError, ValueError) as exc:
        raise SnapshotError(f"the file is damaged or not a WOCS backup ({exc})") from exc


def restore(database: Any, data: IO[bytes]) -> dict[str, int]:
    """Load a snapshot into an empty database and check it; the row count of each table."""
    lines = _lines(data)
    head = next(lines, None)
    if not isinstance(head, dict) or head.get("format") != FORMAT:
        raise SnapshotError("the file is not a WOCS backup")
    if head.get("version") != VERSION:
        raise SnapshotError(f"backup format version {head.get('version')} is not {VERSION}")
    try:
        return _restore(database, head, lines)
    except DatabaseError as exc:
        raise SnapshotError(f"the database refused the backup's rows: {exc}") from exc


def _restore(database: Any, head: dict[str, Any], lines: Iterator[Any]) -> dict[str, int]:
    with models.bound(database):
        _check_empty(database)
        runner = Runner(database, directory=str(models.MIGRATIONS_DIR))
        _schema_at(runner, head["migrations"])
        counts = _load(database, lines)
        found = {table: _count(database, table) for table in counts}
        if found != counts:
            wrong = ", ".join(f"{t}: {found[t]} of {n}" for t, n in counts.items() if found[t] != n)
            raise SnapshotError(f"rows missing after the restore: {wrong}")
        _skip_lost_ids(database)
        runner.up()  # migrations newer than the backup
    return counts


def _count(database: Any, table: str) -> int:
    sql = f"SELECT COUNT(*) FROM {_quoted(database, table)}"  # noqa: S608  (an identifier)
    return database.execute_sql(sql).fetchone()[0]


def _check_empty(database: Any) -> None:
    for table in our_tables()[:-1]:  # the history alone is what `db upgrade` leaves
        if database.table_exists(table) and (rows := _count(database, table)):
            raise NotEmpty(
                f"the database already holds data ({table} has {rows} row(s)). Restore into a new, "
                "empty database; do not run `db upgrade` on it first (that adds the admins and templates)."
            )


def _schema_at(runner: Runner, wanted: list[str]) -> None:
    """Create the tables as they were when the backup was taken."""
    known = {m.name for m in runner.migrations()}
    unknown = [name for name in wanted if name not in known]
    if unknown:
        raise SnapshotError(
            f"the backup was taken by a newer WOCS (migration {unknown[0]}); restore with that version"
        )
    applied = sorted(runner.applied())
    if not applied and wanted:
        runner.up(target=wanted[-1])
    elif applied != wanted:
        raise SnapshotError(
            f"the database's schema ({applied[-1]}) is not the backup's; "
            "restore into a database with no tables"
        )


def _skip_lost_ids(database: Any) -> None:
    """Start new ids of the tables in ID_GAP past any id given out since the backup."""
    if not isinstance(database, MySQLDatabase):
        return
    for table, gap in ID_GAP.items():
        name = _quoted(database, table)
        (top,) = database.execute_sql(f"SELECT COALESCE(MAX(id), 0) FROM {name}").fetchone()  # noqa: S608
        database.execute_sql(f"ALTER TABLE {name} AUTO_INCREMENT = {int(top) + gap}")


@contextlib.contextmanager
def _unchecked_keys(database: Any) -> Iterator[None]:
    """Foreign keys not checked row by row: tables load in any order, self-references too."""
    if isinstance(database, MySQLDatabase):
        database.execute_sql("SET FOREIGN_KEY_CHECKS = 0")
        try:
            with database.atomic():
                yield
        finally:
            database.execute_sql("SET FOREIGN_KEY_CHECKS = 1")
    else:
        with database.atomic():
            # Checked once, at the commit, when every row is in.
            database.execute_sql("PRAGMA defer_foreign_keys = ON")
            yield


def _load(database: Any, lines: Iterator[Any]) -> dict[str, int]:
    """Insert every table's rows; the counts the file promised, once they match what it held."""
    loaded: dict[str, int] = {}
    batch: list[list[Any]] = []
    insert, table = "", ""
    tables = set(our_tables())

    def flush() -> None:
        if batch:
            database.cursor().executemany(insert, batch)
            batch.clear()

    with _unchecked_keys(database):
        database.execute_sql(f"DELETE FROM {_quoted(database, HISTORY)}")  # noqa: S608
        for item in lines:
            if isinstance(item, list):
                batch.append(item)
                loaded[table] += 1
                if len(batch) >= BATCH:
                    flush()
                continue
            flush()
            if "counts" in item:
                if item["counts"] != loaded:
                    raise SnapshotError(
                        "the row counts at the end of the file do not match its rows"
                    )
                return loaded
            table, columns = item["table"], item["columns"]
            if table not in tables:
                raise SnapshotError(f"the backup holds a table WOCS does not have: {table}")
            names = ", ".join(_quoted(database, column) for column in columns)
            marks = ", ".join([database.param] * len(columns))
            insert = f"INSERT INTO {_quoted(database, table)} ({names}) VALUES ({marks})"  # noqa: S608
            loaded[table] = 0
    raise SnapshotError("the file ends before its row counts: it was cut short")
