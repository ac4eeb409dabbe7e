"""The JSON API's offline sync: operations applied once, with the audit entries they wrote."""

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


class User(BaseModel):
    phone = CharField(max_length=20, unique=True)


class ApiSyncOp(BaseModel):
    user = ForeignKeyField(User, backref="sync_ops", on_delete="CASCADE")
    op_id = CharField(max_length=64)
    client_ts = DateTimeField(null=True)
    first_audit = IntegerField(null=True)
    last_audit = IntegerField(null=True)
    audit_ids = JSONText(default=list)
    result = JSONText(null=True)
    created_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("user", "op_id"), True), (("first_audit", "last_audit"), False))


def up(migrator, db):
    with db.bind_ctx([User, ApiSyncOp]):
        db.create_tables([ApiSyncOp])


def down(migrator, db):
    with db.bind_ctx([User, ApiSyncOp]):
        db.drop_tables([ApiSyncOp])
