"""Prizes collected (an entry's claimed_at), and the questions a command waits on an answer to."""

import datetime as dt
import json
from typing import Any

from peewee import CharField, DateTimeField, Model, TextField


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class JSONText(TextField):
    field_type = "LONGTEXT"

    def db_value(self, value: Any) -> str | None:
        return None if value is None else json.dumps(value, ensure_ascii=False, default=str)

    def python_value(self, value: Any) -> Any:
        return None if value is None else json.loads(value)


class WocsConfirmation(Model):
    phone = CharField(max_length=140)
    command = CharField(max_length=40)
    params = JSONText(default=dict)
    facts = JSONText(default=dict)
    question = TextField(default="")
    state = CharField(max_length=10, default="pending")
    expires_at = DateTimeField()
    created_at = DateTimeField(default=utcnow)
    answered_at = DateTimeField(null=True)

    class Meta:
        table_name = "wocs_confirmation"
        indexes = ((("phone", "state"), False),)


def up(migrator, db):
    with db.bind_ctx([WocsConfirmation]):
        db.create_tables([WocsConfirmation])
    migrator.migrate(
        migrator.add_column("entry", "claimed_at", DateTimeField(null=True)),
        migrator.add_column("entry", "claimed_by", CharField(max_length=140, default="")),
    )


def down(migrator, db):
    migrator.migrate(
        migrator.drop_column("entry", "claimed_at"),
        migrator.drop_column("entry", "claimed_by"),
    )
    with db.bind_ctx([WocsConfirmation]):
        db.drop_tables([WocsConfirmation])
