"""The team's desk: after-hours duty, unanswered conversations offered on, replies' subjects, canned replies."""

import datetime as dt

from peewee import CharField, DateTimeField, ForeignKeyField, IntegerField, Model, TextField


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class BaseModel(Model):
    class Meta:
        legacy_table_names = False


class StaffMember(BaseModel):
    class Meta:
        table_name = "wocs_user"


class CannedReply(BaseModel):
    key = CharField(max_length=40, unique=True)
    text = TextField()
    author = ForeignKeyField(StaffMember, null=True, on_delete="SET NULL")
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)

    class Meta:
        table_name = "canned_reply"


TABLES = [CannedReply]
COLUMNS = [
    ("wocs_user", "duty_since", DateTimeField(null=True)),
    ("conversation", "turn_at", DateTimeField(null=True)),
    ("conversation", "offers", IntegerField(default=0)),
    ("conversation", "offered_at", DateTimeField(null=True)),
    ("conversation_message", "about", CharField(max_length=60, default="")),
]


def up(migrator, db):
    migrator.migrate(*(migrator.add_column(t, c, f) for t, c, f in COLUMNS))
    migrator.migrate(
        migrator.add_index("conversation_message", ("about",), False),
    )
    with db.bind_ctx(TABLES):
        db.create_tables(TABLES)


def down(migrator, db):
    with db.bind_ctx(TABLES):
        db.drop_tables(TABLES)
    migrator.migrate(migrator.drop_index("conversation_message", "conversation_message_about"))
    migrator.migrate(*(migrator.drop_column(t, c) for t, c, _ in reversed(COLUMNS)))
