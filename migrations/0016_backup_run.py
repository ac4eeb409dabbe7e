"""Backup slots: the row a worker claims before it backs up, so each slot is backed up once."""

import datetime as dt

from peewee import BigIntegerField, CharField, DateTimeField, Model


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class BaseModel(Model):
    class Meta:
        legacy_table_names = False


class BackupRun(BaseModel):
    slot = DateTimeField(unique=True)
    state = CharField(max_length=10, default="running")
    worker = CharField(max_length=120, default="")
    started_at = DateTimeField(default=utcnow)
    finished_at = DateTimeField(null=True)
    key = CharField(max_length=191, default="")
    size = BigIntegerField(default=0)
    rows = BigIntegerField(default=0)
    error = CharField(max_length=500, default="")


def up(migrator, db):
    with db.bind_ctx([BackupRun]):
        db.create_tables([BackupRun])


def down(migrator, db):
    with db.bind_ctx([BackupRun]):
        db.drop_tables([BackupRun])
