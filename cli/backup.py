"""`python bot.py backup` and `python bot.py restore FILE`: the database to the storage and back."""

from __future__ import annotations

import datetime as dt
import io
import sys

import models
import storage
from storage import StorageError, backups, snapshot
from wocs.settings import Settings


def backup(settings: Settings) -> int:
    """Back the database up to the storage now and prune old backups; exit 1 on failure."""
    database = models.open_database(settings.database_url)
    files = storage.build(settings.storage)
    now = models.utcnow().replace(microsecond=0)
    try:
        taken = backups.take(database, files, now)
        pruned = backups.prune(files, now, dt.timedelta(days=settings.backups.keep_days))
    except (snapshot.SnapshotError, StorageError) as exc:
        print(f"backup failed: {exc}", file=sys.stderr)
        return 1
    finally:
        database.close()
    print(f"backed up {taken.rows} rows to {files.url_for(taken.key)} ({taken.size:,} bytes)")
    print(f"sha256 {taken.sha256}")
    if pruned:
        print(f"deleted {len(pruned)} backup(s) older than {settings.backups.keep_days} days")
    return 0


def restore(settings: Settings, where: str) -> int:
    """Restore a backup (a local file or a storage key) into the empty database; print its rows.

    Exit 0 when every table holds the rows the backup holds, 1 when the file is damaged or the
    rows do not match, 2 when the database is not empty.
    """
    database = models.open_database(settings.database_url)
    try:
        data = backups.read(where, storage.build(settings.storage))
        counts = snapshot.restore(database, io.BytesIO(data))
    except snapshot.NotEmpty as exc:
        print(f"restore refused: {exc}", file=sys.stderr)
        return 2
    except (snapshot.SnapshotError, StorageError) as exc:
        print(f"restore failed: {exc}", file=sys.stderr)
        return 1
    finally:
        database.close()
    width = max(map(len, counts))
    for table, rows in counts.items():
        print(f"{table:<{width}}  {rows:>9,}")
    print(f"restored {sum(counts.values()):,} rows in {len(counts)} tables; the counts match.")
    return 0
