"""Changes Meta reports to the business account or its number, kept once each."""

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


class AccountEvent(Model):
    key = CharField(max_length=64, unique=True)
    account = CharField(max_length=40, default="")
    kind = CharField(max_length=40)
    event = CharField(max_length=60, default="")
    summary = TextField(default="")
    raw = JSONText()
    happened_at = DateTimeField(null=True)
    received_at = DateTimeField(default=utcnow)

    class Meta:
        table_name = "account_event"


def up(migrator, db):
    with db.bind_ctx([AccountEvent]):
        db.create_tables([AccountEvent])


def down(migrator, db):
    with db.bind_ctx([AccountEvent]):
        db.drop_tables([AccountEvent])
