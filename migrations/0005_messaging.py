"""Messaging: WhatsApp templates with their approval status, broadcasts, paced sends."""

import datetime as dt
import json
from typing import Any

from peewee import CharField, DateTimeField, ForeignKeyField, IntegerField, Model, TextField


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class JSONText(TextField):
    field_type = "LONGTEXT"

    def db_value(self, value: Any) -> str | None:
        return None if value is None else json.dumps(value, ensure_ascii=False, default=str)

    def python_value(self, value: Any) -> Any:
        return None if value is None else json.loads(value)


class BaseModel(Model):
    class Meta:
        legacy_table_names = False


class Campaign(BaseModel):
    code = CharField(max_length=32, unique=True)


class WhatsAppTemplate(BaseModel):
    name = CharField(max_length=120)
    language = CharField(max_length=12, default="en")
    category = CharField(max_length=20, default="UTILITY")
    body = TextField(default="")
    variables = IntegerField(default=0)
    status = CharField(max_length=20, default="LOCAL")
    meta_id = CharField(max_length=64, default="")
    reason = TextField(default="")
    updated_at = DateTimeField(default=utcnow)

    class Meta:
        table_name = "whatsapp_template"
        indexes = ((("name", "language"), True),)


class Broadcast(BaseModel):
    audience = CharField(max_length=60)
    campaign = ForeignKeyField(Campaign, null=True, backref="broadcasts", on_delete="SET NULL")
    template = CharField(max_length=120)
    language = CharField(max_length=12, default="en")
    params = JSONText(default=list)
    requested_by = CharField(max_length=20, default="")
    queue = CharField(max_length=10, default="bulk")
    send_at = DateTimeField(null=True, index=True)
    state = CharField(max_length=10, default="queued")
    total = IntegerField(default=0)
    sent = IntegerField(default=0)
    skipped = IntegerField(default=0)
    failed = IntegerField(default=0)
    reported = IntegerField(default=0)
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)
    finished_at = DateTimeField(null=True)


NEW = [WhatsAppTemplate, Broadcast]


def up(migrator, db):
    with db.bind_ctx([Campaign, *NEW]):
        db.create_tables(NEW)
    migrator.migrate(
        migrator.add_column("outbound_message", "broadcast", IntegerField(null=True)),
        migrator.add_index("outbound_message", ("broadcast",), False),
        migrator.add_column("outbound_message", "retry_at", DateTimeField(null=True)),
    )


def down(migrator, db):
    migrator.migrate(
        migrator.drop_index("outbound_message", "outbound_message_broadcast"),
        migrator.drop_column("outbound_message", "broadcast"),
        migrator.drop_column("outbound_message", "retry_at"),
    )
    with db.bind_ctx([Campaign, *NEW]):
        db.drop_tables(NEW)
