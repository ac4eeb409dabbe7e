"""Customer conversations: their messages both ways and team notes, and who is on duty."""

import datetime as dt

from peewee import BooleanField, CharField, DateTimeField, ForeignKeyField, Model, TextField


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class BaseModel(Model):
    class Meta:
        legacy_table_names = False


class Contact(BaseModel):
    class Meta:
        table_name = "contact"


class StaffMember(BaseModel):
    class Meta:
        table_name = "wocs_user"


class InboundMessage(BaseModel):
    class Meta:
        table_name = "inbound_message"


class OutboundMessage(BaseModel):
    class Meta:
        table_name = "outbound_message"


class Conversation(BaseModel):
    contact = ForeignKeyField(Contact, on_delete="CASCADE")
    state = CharField(max_length=10, default="open", index=True)
    assignee = ForeignKeyField(StaffMember, null=True, on_delete="SET NULL")
    opened_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)
    closed_at = DateTimeField(null=True)
    last_customer_at = DateTimeField(null=True)
    away_at = DateTimeField(null=True)


class ConversationMessage(BaseModel):
    conversation = ForeignKeyField(Conversation, on_delete="CASCADE")
    direction = CharField(max_length=4)
    inbound = ForeignKeyField(InboundMessage, null=True, on_delete="SET NULL")
    outbound = ForeignKeyField(OutboundMessage, null=True, on_delete="SET NULL")
    forward = ForeignKeyField(OutboundMessage, null=True, on_delete="SET NULL")
    text = TextField(default="")
    author = ForeignKeyField(StaffMember, null=True, on_delete="SET NULL")
    created_at = DateTimeField(default=utcnow)

    class Meta:
        table_name = "conversation_message"


TABLES = [Conversation, ConversationMessage]


def up(migrator, db):
    migrator.migrate(
        migrator.add_column("wocs_user", "on_duty", BooleanField(default=False)),
    )
    with db.bind_ctx(TABLES):
        db.create_tables(TABLES)


def down(migrator, db):
    with db.bind_ctx(TABLES):
        db.drop_tables(TABLES)
    migrator.migrate(migrator.drop_column("wocs_user", "on_duty"))
