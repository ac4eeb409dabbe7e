"""Initial schema: every model of the design, frozen as of this migration."""

import datetime as dt
import json
from decimal import Decimal
from typing import Any

from peewee import (
    BooleanField,
    CharField,
    DateField,
    DateTimeField,
    DecimalField,
    FloatField,
    ForeignKeyField,
    IntegerField,
    Model,
    TextField,
)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class JSONText(TextField):
    field_type = "LONGTEXT"

    def db_value(self, value: Any) -> str | None:
        return None if value is None else json.dumps(value, ensure_ascii=False, default=str)

    def python_value(self, value: Any) -> Any:
        return None if value is None else json.loads(value)


class LongText(TextField):
    field_type = "LONGTEXT"


class BaseModel(Model):
    class Meta:
        database = None
        legacy_table_names = False


class User(BaseModel):
    phone = CharField(max_length=20, unique=True)
    name = CharField(max_length=120, default="")
    created_at = DateTimeField(default=utcnow)


class WocsUser(BaseModel):
    phone = CharField(max_length=20, unique=True)
    name = CharField(max_length=120, default="")
    role = CharField(max_length=10, default="agent", index=True)
    active = BooleanField(default=True)
    created_at = DateTimeField(default=utcnow)


class Event(BaseModel):
    name = CharField(max_length=200)
    date = DateField(index=True)
    location = CharField(max_length=200, default="")
    fee = DecimalField(max_digits=12, decimal_places=2, default=Decimal("0.00"))
    eo_contact = CharField(max_length=40, default="")
    status = CharField(max_length=12, default="planned", index=True)
    checklist = JSONText(default=list)
    photos = JSONText(default=list)
    notes = JSONText(default=list)
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)


class Hook(BaseModel):
    text = TextField()
    tags = JSONText(default=list)
    views = IntegerField(default=0)
    likes = IntegerField(default=0)
    shares = IntegerField(default=0)
    engagement_rate = FloatField(default=0.0, index=True)
    used_count = IntegerField(default=0)
    last_used = DateTimeField(null=True)
    created_at = DateTimeField(default=utcnow)


class Campaign(BaseModel):
    code = CharField(max_length=32, unique=True)
    prize = CharField(max_length=200)
    requirements = TextField(default="")
    start_at = DateTimeField()
    end_at = DateTimeField()
    google_form_url = CharField(max_length=500, default="")
    qr_code = CharField(max_length=500, default="")
    status = CharField(max_length=10, default="open", index=True)
    created_at = DateTimeField(default=utcnow)


class Entry(BaseModel):
    campaign = ForeignKeyField(Campaign, backref="entries", on_delete="CASCADE")
    name = CharField(max_length=120, default="")
    phone = CharField(max_length=20)
    verified = BooleanField(default=False)
    submitted_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("campaign", "phone"), True), (("campaign", "submitted_at"), False))


class WocsTask(BaseModel):
    user = ForeignKeyField(WocsUser, null=True, backref="created_tasks", on_delete="SET NULL")
    command = CharField(max_length=40)
    title = CharField(max_length=300, default="")
    params = JSONText(default=dict)
    status = CharField(max_length=12, default="open")
    priority = CharField(max_length=8, default="normal")
    result = TextField(default="")
    due = DateField(null=True, index=True)
    assignee = ForeignKeyField(WocsUser, null=True, backref="tasks", on_delete="SET NULL")
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)
    started_at = DateTimeField(null=True)
    completed_at = DateTimeField(null=True)

    class Meta:
        indexes = ((("status", "due"), False), (("assignee", "status"), False))


class WocsTaskLog(BaseModel):
    task = ForeignKeyField(WocsTask, backref="logs", on_delete="CASCADE")
    message = TextField()
    level = CharField(max_length=8, default="info")
    at = DateTimeField(default=utcnow)


class WocsAttachment(BaseModel):
    task = ForeignKeyField(WocsTask, null=True, backref="attachments", on_delete="CASCADE")
    event = ForeignKeyField(Event, null=True, backref="attachments", on_delete="CASCADE")
    filename = CharField(max_length=255)
    url = CharField(max_length=1000)
    size = IntegerField(default=0)
    created_at = DateTimeField(default=utcnow)


class WocsLandingVersion(BaseModel):
    slug = CharField(max_length=80)
    title = CharField(max_length=200, default="")
    content = LongText()
    published = BooleanField(default=False)
    version = IntegerField()
    created_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("slug", "version"), True),)


class WocsAppConfig(BaseModel):
    key = CharField(max_length=64, unique=True)
    value = TextField(default="")
    description = TextField(default="")
    updated_at = DateTimeField(default=utcnow)


class Contact(BaseModel):
    phone = CharField(max_length=20, unique=True, null=True)
    bsuid = CharField(max_length=80, unique=True, null=True)
    name = CharField(max_length=120, default="")
    opted_out_at = DateTimeField(null=True)
    last_inbound_at = DateTimeField(null=True)
    last_menu_at = DateTimeField(null=True)
    created_at = DateTimeField(default=utcnow)


class InboundMessage(BaseModel):
    wamid = CharField(max_length=191, unique=True)
    sender = CharField(max_length=20, default="", index=True)
    sender_bsuid = CharField(max_length=80, default="")
    sender_name = CharField(max_length=120, default="")
    type = CharField(max_length=24)
    body = TextField(default="")
    raw = JSONText()
    state = CharField(max_length=12, default="received")
    attempts = IntegerField(default=0)
    error = TextField(default="")
    sent_at = DateTimeField(null=True)
    received_at = DateTimeField(default=utcnow)
    processed_at = DateTimeField(null=True)

    class Meta:
        indexes = ((("state", "received_at"), False),)


class OutboundMessage(BaseModel):
    idempotency_key = CharField(max_length=191, unique=True)
    to = CharField(max_length=20, index=True)
    kind = CharField(max_length=12, default="text")
    body = TextField(default="")
    template = JSONText(null=True)
    queue = CharField(max_length=10, default="high")
    state = CharField(max_length=12, default="pending")
    wamid = CharField(max_length=191, null=True, unique=True)
    error = TextField(default="")
    error_code = IntegerField(null=True, index=True)
    attempts = IntegerField(default=0)
    inbound = ForeignKeyField(InboundMessage, null=True, backref="replies", on_delete="SET NULL")
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)
    sent_at = DateTimeField(null=True)
    delivered_at = DateTimeField(null=True)
    read_at = DateTimeField(null=True)
    failed_at = DateTimeField(null=True)

    class Meta:
        indexes = ((("state", "updated_at"), False),)


class Draw(BaseModel):
    campaign = ForeignKeyField(Campaign, unique=True, backref="draws", on_delete="CASCADE")
    commitment = CharField(max_length=64)
    seed = CharField(max_length=64)
    entries_digest = CharField(max_length=64, default="")
    entry_count = IntegerField(default=0)
    winners = JSONText(default=list)
    state = CharField(max_length=10, default="committed")
    drawn_at = DateTimeField(null=True)


class AuditLog(BaseModel):
    actor = CharField(max_length=40)
    action = CharField(max_length=60, index=True)
    entity = CharField(max_length=60, default="")
    before = JSONText(null=True)
    after = JSONText(null=True)
    source = CharField(max_length=12, default="whatsapp")
    at = DateTimeField(default=utcnow, index=True)


MODELS = [
    User,
    WocsUser,
    Event,
    Hook,
    Campaign,
    Entry,
    WocsTask,
    WocsTaskLog,
    WocsAttachment,
    WocsLandingVersion,
    WocsAppConfig,
    Contact,
    InboundMessage,
    OutboundMessage,
    Draw,
    AuditLog,
]


def up(migrator, db):
    with db.bind_ctx(MODELS):
        db.create_tables(MODELS)


def down(migrator, db):
    with db.bind_ctx(MODELS):
        db.drop_tables(MODELS)
