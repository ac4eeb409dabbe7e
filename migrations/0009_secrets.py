"""Secrets WOCS makes itself (the app secret when none is configured), shared by every process."""

import datetime as dt

from peewee import CharField, DateTimeField, Model


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class BaseModel(Model):
    class Meta:
        legacy_table_names = False


class WocsSecret(BaseModel):
    name = CharField(max_length=64, unique=True)
    value = CharField(max_length=128)
    created_at = DateTimeField(default=utcnow)


def up(migrator, db):
    with db.bind_ctx([WocsSecret]):
        db.create_tables([WocsSecret])


def down(migrator, db):
    with db.bind_ctx([WocsSecret]):
        db.drop_tables([WocsSecret])
