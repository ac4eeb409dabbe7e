"""The JSON API's photo uploads: a key handed out with an upload URL, until attached."""

import datetime as dt

from peewee import CharField, DateTimeField, ForeignKeyField, IntegerField, Model


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class BaseModel(Model):
    class Meta:
        legacy_table_names = False


class User(BaseModel):
    phone = CharField(max_length=20, unique=True)


class ApiUpload(BaseModel):
    user = ForeignKeyField(User, backref="uploads", on_delete="CASCADE")
    key = CharField(max_length=191, unique=True)
    filename = CharField(max_length=200, default="")
    content_type = CharField(max_length=40)
    size = IntegerField()
    state = CharField(max_length=10, default="pending")
    expires_at = DateTimeField()
    created_at = DateTimeField(default=utcnow)


def up(migrator, db):
    with db.bind_ctx([User, ApiUpload]):
        db.create_tables([ApiUpload])


def down(migrator, db):
    with db.bind_ctx([User, ApiUpload]):
        db.drop_tables([ApiUpload])
