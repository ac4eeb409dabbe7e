"""Peewee models, the database proxy, and connecting and migrating the database."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
from collections.abc import Iterator
from contextvars import ContextVar
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from peewee import (
    AutoField,
    BigIntegerField,
    BooleanField,
    CharField,
    DatabaseProxy,
    DateField,
    DateTimeField,
    DecimalField,
    DoubleField,
    ForeignKeyField,
    IntegerField,
    Model,
    MySQLDatabase,
    OperationalError,
    SqliteDatabase,
    TextField,
)
from playhouse.db_url import connect
from playhouse.migrations import Runner
from playhouse.shortcuts import ReconnectMixin

if TYPE_CHECKING:
    from peewee import ModelSelect

log = logging.getLogger(__name__)
_bound: ContextVar[Any] = ContextVar("wocs_database", default=None)


class ContextDatabase(DatabaseProxy):
    """The models' database: the one bound in this context (an app's runtime), else the process's."""

    __slots__ = ("_default",)

    def __setattr__(self, attr: str, value: Any) -> None:
        object.__setattr__(self, attr, value)  # the proxy's own slots; `obj` is read-only

    @property
    def obj(self) -> Any:
        """The database queries in this context go to."""
        bound = _bound.get()
        return self._default if bound is None else bound

    def initialize(self, obj: Any) -> None:
        """Set the process's database, used where no runtime bound one (scripts, migrations)."""
        object.__setattr__(self, "_default", obj)
        for callback in self._callbacks:
            callback(obj)


db = ContextDatabase()
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


# The job queues, drained in this order; outbox rows and broadcasts name the one their sends use.
HIGH, DEFAULT, BULK = "high", "default", "bulk"


def utcnow() -> dt.datetime:
    """The current UTC time as a naive datetime, the way every time is stored."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class JSONText(TextField):
    """JSON kept as text, identical on SQLite and MySQL (LONGTEXT there, past 64 KB)."""

    field_type = "LONGTEXT"

    def db_value(self, value: Any) -> str | None:
        return None if value is None else json.dumps(value, ensure_ascii=False, default=str)

    def python_value(self, value: Any) -> Any:
        return None if value is None else json.loads(value)


class LongText(TextField):
    """Text that may exceed MySQL's 64 KB TEXT (landing pages, raw payloads)."""

    field_type = "LONGTEXT"


class BaseModel(Model):
    # The primary key peewee would add anyway (an AutoField named id), spelled out so that the
    # type checker knows every model's `id`: the schema is the same.
    id = AutoField()

    # Peewee also adds, at run time, `<field>_id` for each foreign key (the raw id) and the
    # backref named on the foreign key (a select of the rows pointing here); its stubs cannot see
    # them, so each model declares its own for the type checker under TYPE_CHECKING, which adds
    # nothing at run time (tests/test_models.py checks them against what peewee adds).

    class Meta:
        database = db
        legacy_table_names = False


# ---- seed models -----------------------------------------------------------


class AppUser(BaseModel):
    """A mobile-app user, identified by phone."""

    phone = CharField(max_length=20, unique=True)
    name = CharField(max_length=120, default="")
    created_at = DateTimeField(default=utcnow)

    if TYPE_CHECKING:
        api_sessions: ModelSelect[ApiSession]
        sync_ops: ModelSelect[ApiSyncOp]
        uploads: ModelSelect[ApiUpload]

    class Meta:
        table_name = "user"


class StaffMember(BaseModel):
    """A whitelisted staff member: an admin or an agent."""

    phone = CharField(max_length=20, unique=True)
    name = CharField(max_length=120, default="")
    nickname = CharField(max_length=60, default="")  # what the team calls them, if set
    role = CharField(max_length=10, default="agent", index=True)
    active = BooleanField(default=True)
    on_duty = BooleanField(default=False)  # customers' conversations are routed to them
    # The latest /duty on: one sent after closing time covers the hours until the next opening.
    duty_since = DateTimeField(null=True)
    created_at = DateTimeField(default=utcnow)

    if TYPE_CHECKING:
        created_tasks: ModelSelect[WocsTask]
        tasks: ModelSelect[WocsTask]
        conversations: ModelSelect[Conversation]
        conversation_messages: ModelSelect[ConversationMessage]
        canned_replies: ModelSelect[CannedReply]

    class Meta:
        table_name = "wocs_user"


class Event(BaseModel):
    """A booth at an event."""

    name = CharField(max_length=200)
    date = DateField(index=True)  # the day in business time
    starts_at = DateTimeField(null=True)  # the moment it starts (UTC), when a time was given
    location = CharField(max_length=200, default="")
    fee = DecimalField(max_digits=12, decimal_places=2, default=Decimal("0.00"))
    eo_contact = CharField(max_length=40, default="")
    status = CharField(max_length=12, default="planned", index=True)
    checklist = JSONText(default=list)
    photos = JSONText(default=list)
    notes = JSONText(default=list)
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)

    if TYPE_CHECKING:
        attachments: ModelSelect[WocsAttachment]


class Hook(BaseModel):
    """A TikTok content hook and how it performed."""

    text = TextField()
    tags = JSONText(default=list)
    views = IntegerField(default=0)
    likes = IntegerField(default=0)
    shares = IntegerField(default=0)
    engagement_rate = DoubleField(default=0.0, index=True)  # FLOAT on MySQL ties close rates
    used_count = IntegerField(default=0)
    last_used = DateTimeField(null=True)
    created_at = DateTimeField(default=utcnow)


class Campaign(BaseModel):
    """A lucky-draw campaign customers enter by message."""

    code = CharField(max_length=32, unique=True)
    prize = CharField(max_length=200)
    requirements = TextField(default="")
    start_at = DateTimeField()
    end_at = DateTimeField()
    google_form_url = CharField(max_length=500, default="")
    qr_code = CharField(max_length=500, default="")
    status = CharField(max_length=10, default="open", index=True)
    created_at = DateTimeField(default=utcnow)

    if TYPE_CHECKING:
        entries: ModelSelect[Entry]
        draws: ModelSelect[Draw]
        broadcasts: ModelSelect[Broadcast]


class Entry(BaseModel):
    """One customer's entry in a campaign's draw."""

    campaign = ForeignKeyField(Campaign, backref="entries", on_delete="CASCADE")
    name = CharField(max_length=120, default="")
    phone = CharField(max_length=140)  # the entrant's address: a phone, else a BSUID
    ticket = CharField(
        max_length=12, default=""
    )  # published instead of the phone, see jobs/draws.py
    verified = BooleanField(default=False)
    submitted_at = DateTimeField(default=utcnow)
    claimed_at = DateTimeField(null=True)  # when a winner collected the prize
    claimed_by = CharField(max_length=140, default="")  # the staff member who handed it over

    if TYPE_CHECKING:
        campaign_id: int

    class Meta:
        indexes = ((("campaign", "phone"), True), (("campaign", "submitted_at"), False))


class WocsTask(BaseModel):
    """A piece of work created by a command, usually assigned to an agent."""

    user = ForeignKeyField(StaffMember, null=True, backref="created_tasks", on_delete="SET NULL")
    command = CharField(max_length=40)
    title = CharField(max_length=300, default="")
    params = JSONText(default=dict)
    status = CharField(max_length=12, default="open")
    priority = CharField(max_length=8, default="normal")
    result = TextField(default="")
    due = DateField(null=True, index=True)  # the day in business time
    due_at = DateTimeField(
        null=True, index=True
    )  # the moment it is due (UTC), when a time was given
    assignee = ForeignKeyField(StaffMember, null=True, backref="tasks", on_delete="SET NULL")
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)
    started_at = DateTimeField(null=True)
    completed_at = DateTimeField(null=True)

    if TYPE_CHECKING:
        user_id: int | None
        assignee_id: int | None
        logs: ModelSelect[WocsTaskLog]
        attachments: ModelSelect[WocsAttachment]

    class Meta:
        indexes = ((("status", "due"), False), (("assignee", "status"), False))


class WocsTaskLog(BaseModel):
    """A line in a task's history."""

    task = ForeignKeyField(WocsTask, backref="logs", on_delete="CASCADE")
    message = TextField()
    level = CharField(max_length=8, default="info")
    at = DateTimeField(default=utcnow)

    if TYPE_CHECKING:
        task_id: int


class WocsAttachment(BaseModel):
    """A stored file attached to a task or an event."""

    task = ForeignKeyField(WocsTask, null=True, backref="attachments", on_delete="CASCADE")
    event = ForeignKeyField(Event, null=True, backref="attachments", on_delete="CASCADE")
    filename = CharField(max_length=255)
    url = CharField(max_length=1000)
    size = IntegerField(default=0)
    media_id = CharField(max_length=64, default="")  # WhatsApp media still to fetch
    mime_type = CharField(max_length=100, default="")
    state = CharField(max_length=10, default="stored")  # pending until fetched
    created_at = DateTimeField(default=utcnow)

    if TYPE_CHECKING:
        task_id: int | None
        event_id: int | None


class WocsLandingVersion(BaseModel):
    """One published version of a landing page."""

    slug = CharField(max_length=80)
    title = CharField(max_length=200, default="")
    content = LongText()
    published = BooleanField(default=False)
    version = IntegerField()
    created_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("slug", "version"), True),)


class WocsSecret(BaseModel):
    """A secret WOCS made itself, once, so that every process uses the same one."""

    name = CharField(max_length=64, unique=True)
    value = CharField(max_length=128)
    created_at = DateTimeField(default=utcnow)


class WocsConfirmation(BaseModel):
    """A command's question to its sender ("draw now?", "who is it for?"), run again when answered."""

    phone = CharField(max_length=140)
    command = CharField(max_length=40)  # the command's full name, e.g. "draw"
    params = JSONText(default=dict)  # the arguments it runs with when confirmed
    facts = JSONText(default=dict)  # what the question showed; a change asks again
    question = TextField(default="")
    # pending → confirmed | cancelled; the prompts of wocs.prompts: asking → answered, paging → paged
    state = CharField(max_length=10, default="pending")
    expires_at = DateTimeField()
    created_at = DateTimeField(default=utcnow)
    answered_at = DateTimeField(null=True)

    class Meta:
        table_name = "wocs_confirmation"
        indexes = ((("phone", "state"), False),)


class WocsAppConfig(BaseModel):
    """A feature flag or setting changed from WhatsApp."""

    key = CharField(max_length=64, unique=True)
    value = TextField(default="")
    description = TextField(default="")
    updated_at = DateTimeField(default=utcnow)


# ---- the message path ------------------------------------------------------


class Contact(BaseModel):
    """Anyone who has written to the business number: one person, however Meta names them."""

    phone = CharField(max_length=20, unique=True, null=True)
    bsuid = CharField(max_length=140, unique=True, null=True)  # stored exactly as Meta sent it
    parent_bsuid = CharField(max_length=140, default="")
    username = CharField(max_length=100, default="")  # the display handle, never an address
    name = CharField(max_length=120, default="")
    opted_out_at = DateTimeField(null=True)
    last_inbound_at = DateTimeField(null=True)
    last_menu_at = DateTimeField(null=True)
    created_at = DateTimeField(default=utcnow)

    if TYPE_CHECKING:
        conversations: ModelSelect[Conversation]


class InboundMessage(BaseModel):
    """A message Meta delivered to us, stored once per message id."""

    wamid = CharField(max_length=191, unique=True)
    sender = CharField(max_length=20, default="", index=True)
    sender_bsuid = CharField(max_length=140, default="")
    sender_parent_bsuid = CharField(max_length=140, default="")
    sender_username = CharField(max_length=100, default="")
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

    if TYPE_CHECKING:
        replies: ModelSelect[OutboundMessage]
        conversation_messages: ModelSelect[ConversationMessage]

    class Meta:
        indexes = ((("state", "received_at"), False),)


class AccountEvent(BaseModel):
    """A change Meta reported to the business account or its number (bans, quality, limits)."""

    key = CharField(max_length=64, unique=True)  # digest of what Meta sent: a redelivery is one row
    account = CharField(max_length=40, default="")
    kind = CharField(max_length=40)  # the webhook field, e.g. phone_number_quality_update
    event = CharField(max_length=60, default="")
    summary = TextField(default="")
    raw = JSONText()
    happened_at = DateTimeField(null=True)
    received_at = DateTimeField(default=utcnow)

    class Meta:
        table_name = "account_event"


class Draw(BaseModel):
    """A campaign's committed, then revealed, lucky draw."""

    campaign = ForeignKeyField(Campaign, unique=True, backref="draws", on_delete="CASCADE")
    commitment = CharField(max_length=64)
    seed = CharField(max_length=64)
    entries_digest = CharField(max_length=64, default="")
    entry_count = IntegerField(default=0)
    winners = JSONText(default=list)
    winner_count = IntegerField(default=1)
    requested_by = CharField(max_length=20, default="")  # who gets the result
    # committed (open) → closed (entries frozen, round fixed) → queued → drawn
    # → (redrawing → redrawn, for unclaimed prizes) → finished (every prize collected)
    state = CharField(max_length=10, default="committed")
    drawn_at = DateTimeField(null=True)
    frozen_at = DateTimeField(null=True)  # when the entries were frozen
    beacon_round = BigIntegerField(null=True)  # the drand round fixed at the freeze
    beacon_margin = IntegerField(default=0)  # seconds between the freeze and that round's earliest
    chain_hash = CharField(max_length=64, default="")  # the drand chain that round is of
    beacon_randomness = CharField(max_length=64, default="")
    beacon_signature = CharField(max_length=192, default="")
    source = CharField(max_length=10, default="beacon")  # beacon, or operator (an override)
    # Redraws of unclaimed prizes, in order: each its own fixed round, randomness and source.
    redraws = JSONText(default=list)

    if TYPE_CHECKING:
        campaign_id: int


class WhatsAppTemplate(BaseModel):
    """A message template as Meta knows it: pushed from templates/whatsapp/, its approval status."""

    name = CharField(max_length=120)
    language = CharField(max_length=12, default="en")
    category = CharField(max_length=20, default="UTILITY")
    body = TextField(default="")
    variables = IntegerField(default=0)  # how many {{n}} placeholders the body has
    status = CharField(max_length=20, default="LOCAL")  # LOCAL until pushed; then Meta's word
    meta_id = CharField(max_length=64, default="")
    reason = TextField(default="")
    updated_at = DateTimeField(default=utcnow)

    class Meta:
        table_name = "whatsapp_template"
        indexes = ((("name", "language"), True),)


class Broadcast(BaseModel):
    """One template sent to an audience (a phone or a segment), now or at a set time."""

    audience = CharField(max_length=140)  # a phone, a BSUID, entrants:CODE, agents, admins, …
    campaign = ForeignKeyField(Campaign, null=True, backref="broadcasts", on_delete="SET NULL")
    template = CharField(max_length=120)
    language = CharField(max_length=12, default="en")
    params = JSONText(default=list)
    requested_by = CharField(max_length=20, default="")  # who gets the progress
    queue = CharField(max_length=10, default=BULK)
    send_at = DateTimeField(null=True, index=True)  # None: now
    state = CharField(max_length=10, default="queued")  # queued → expanding → sending → done
    total = IntegerField(default=0)
    sent = IntegerField(default=0)
    skipped = IntegerField(default=0)
    failed = IntegerField(default=0)
    reported = IntegerField(default=0)  # the last progress step told (0, 25, 50, 75, 100)
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)
    finished_at = DateTimeField(null=True)

    if TYPE_CHECKING:
        campaign_id: int | None
        messages: ModelSelect[OutboundMessage]


class OutboundMessage(BaseModel):
    """A message we send, keyed by what caused it so it is sent once."""

    idempotency_key = CharField(max_length=191, unique=True)
    to = CharField(max_length=140, index=True)  # a phone (digits), else the BSUID it goes to
    kind = CharField(max_length=12, default="text")
    body = TextField(default="")
    media_path = CharField(max_length=500, default="")  # a local file to upload and send
    template = JSONText(null=True)
    queue = CharField(max_length=10, default=HIGH)
    state = CharField(max_length=12, default="pending")
    wamid = CharField(max_length=191, null=True, unique=True)
    error = TextField(default="")
    error_code = IntegerField(null=True, index=True)
    attempts = IntegerField(default=0)
    inbound = ForeignKeyField(InboundMessage, null=True, backref="replies", on_delete="SET NULL")
    broadcast = ForeignKeyField(
        Broadcast, null=True, backref="messages", on_delete="SET NULL", column_name="broadcast"
    )
    retry_at = DateTimeField(null=True)  # a paced or failed send waits until then
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)
    sent_at = DateTimeField(null=True)
    delivered_at = DateTimeField(null=True)
    read_at = DateTimeField(null=True)
    failed_at = DateTimeField(null=True)

    if TYPE_CHECKING:
        inbound_id: int | None
        broadcast_id: int | None
        conversation_messages: ModelSelect[ConversationMessage]
        conversation_forwards: ModelSelect[ConversationMessage]

    class Meta:
        indexes = ((("state", "updated_at"), False),)


class AuditLog(BaseModel):
    """Who changed or was refused what, from where."""

    actor = CharField(max_length=140)
    action = CharField(max_length=60, index=True)
    entity = CharField(max_length=60, default="")
    before = JSONText(null=True)
    after = JSONText(null=True)
    source = CharField(max_length=12, default="whatsapp")
    at = DateTimeField(default=utcnow, index=True)


# ---- the JSON API -----------------------------------------------------------


class ApiOtp(BaseModel):
    """A login code sent by WhatsApp to an app user, kept only as a keyed hash."""

    phone = CharField(max_length=20)
    code_hash = CharField(max_length=64)
    attempts = IntegerField(default=0)
    expires_at = DateTimeField()
    used_at = DateTimeField(null=True)
    created_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("phone", "created_at"), False),)


class ApiSession(BaseModel):
    """One login of the app: the family its refresh tokens belong to, revoked as one."""

    user = ForeignKeyField(AppUser, backref="api_sessions", on_delete="CASCADE")
    created_at = DateTimeField(default=utcnow)
    revoked_at = DateTimeField(null=True)
    revoked_reason = CharField(max_length=20, default="")

    if TYPE_CHECKING:
        user_id: int
        refresh_tokens: ModelSelect[ApiRefreshToken]


class ApiRefreshToken(BaseModel):
    """A single-use refresh token, kept only as a hash."""

    session = ForeignKeyField(ApiSession, backref="refresh_tokens", on_delete="CASCADE")
    token_hash = CharField(max_length=64, unique=True)
    expires_at = DateTimeField()
    used_at = DateTimeField(null=True)
    created_at = DateTimeField(default=utcnow)

    if TYPE_CHECKING:
        session_id: int


class ApiSyncOp(BaseModel):
    """An operation from the app's offline queue, applied once; a replay gets the first result."""

    user = ForeignKeyField(AppUser, backref="sync_ops", on_delete="CASCADE")
    op_id = CharField(max_length=64)
    client_ts = DateTimeField(null=True)  # when the user made the change: its time for merging
    first_audit = IntegerField(null=True)  # the audit entries the operation wrote
    last_audit = IntegerField(null=True)
    audit_ids = JSONText(default=list)
    result = JSONText(null=True)
    created_at = DateTimeField(default=utcnow)

    if TYPE_CHECKING:
        user_id: int

    class Meta:
        indexes = ((("user", "op_id"), True), (("first_audit", "last_audit"), False))


class ApiUpload(BaseModel):
    """A photo the app was given an upload URL for, until it is attached to an event."""

    user = ForeignKeyField(AppUser, backref="uploads", on_delete="CASCADE")
    key = CharField(max_length=191, unique=True)
    filename = CharField(max_length=200, default="")
    content_type = CharField(max_length=40)
    size = IntegerField()
    state = CharField(max_length=10, default="pending")  # pending → stored → attached
    expires_at = DateTimeField()
    created_at = DateTimeField(default=utcnow)

    if TYPE_CHECKING:
        user_id: int


class BackupRun(BaseModel):
    """A backup slot, claimed by the one worker that takes its backup, and how that went."""

    slot = DateTimeField(unique=True)  # when the slot starts (naive UTC)
    state = CharField(max_length=10, default="running")  # running → done | failed
    worker = CharField(max_length=120, default="")
    started_at = DateTimeField(default=utcnow)
    finished_at = DateTimeField(null=True)
    key = CharField(max_length=191, default="")  # the backup's key in the storage
    size = BigIntegerField(default=0)
    rows = BigIntegerField(default=0)
    error = CharField(max_length=500, default="")


class Conversation(BaseModel):
    """A customer's conversation with the team; a closed one reopens when they write again."""

    contact = ForeignKeyField(Contact, backref="conversations", on_delete="CASCADE")
    state = CharField(max_length=10, default="open", index=True)  # open | waiting | closed
    assignee = ForeignKeyField(
        StaffMember, null=True, backref="conversations", on_delete="SET NULL"
    )
    opened_at = DateTimeField(default=utcnow)  # the latest opening (a reopen counts)
    updated_at = DateTimeField(default=utcnow)
    closed_at = DateTimeField(null=True)
    last_customer_at = DateTimeField(null=True)  # the customer's latest message
    away_at = DateTimeField(null=True)  # the away message of this opening went out then
    turn_at = DateTimeField(null=True)  # it became the team's turn then (open since)
    # How often it went to the next person for want of an answer; numbers each offer's messages.
    offers = IntegerField(default=0)
    offered_at = DateTimeField(null=True)  # the latest offer: the next one waits from here

    if TYPE_CHECKING:
        contact_id: int
        assignee_id: int | None
        messages: ModelSelect[ConversationMessage]


class ConversationMessage(BaseModel):
    """One message of a conversation: the customer's (in), the team's (out), or a team note."""

    conversation = ForeignKeyField(Conversation, backref="messages", on_delete="CASCADE")
    direction = CharField(max_length=4)  # in | out | note
    inbound = ForeignKeyField(
        InboundMessage, null=True, backref="conversation_messages", on_delete="SET NULL"
    )
    outbound = ForeignKeyField(  # out: the send to the customer
        OutboundMessage, null=True, backref="conversation_messages", on_delete="SET NULL"
    )
    # in: the copy forwarded to a team member; its wamid, stored when Meta took the send, is
    # what the context.id of their quote-reply names (one source of truth, webhook-settled too).
    forward = ForeignKeyField(
        OutboundMessage, null=True, backref="conversation_forwards", on_delete="SET NULL"
    )
    text = TextField(default="")
    author = ForeignKeyField(
        StaffMember, null=True, backref="conversation_messages", on_delete="SET NULL"
    )
    # in: what the customer answered (`broadcast:12`, `winner:RAYA26`), "" for anything else.
    about = CharField(max_length=60, default="", index=True)
    created_at = DateTimeField(default=utcnow)

    if TYPE_CHECKING:
        conversation_id: int
        inbound_id: int | None
        outbound_id: int | None
        forward_id: int | None
        author_id: int | None

    class Meta:
        table_name = "conversation_message"


class CannedReply(BaseModel):
    """A ready answer the team sends by its key (`/reply 14 :harga`)."""

    key = CharField(max_length=40, unique=True)
    text = TextField()
    author = ForeignKeyField(StaffMember, null=True, backref="canned_replies", on_delete="SET NULL")
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)

    if TYPE_CHECKING:
        author_id: int | None

    class Meta:
        table_name = "canned_reply"


ALL_MODELS: list[type[BaseModel]] = [
    AppUser,
    StaffMember,
    Event,
    Hook,
    Campaign,
    Entry,
    WocsTask,
    WocsTaskLog,
    WocsAttachment,
    WocsLandingVersion,
    WocsAppConfig,
    WocsConfirmation,
    WocsSecret,
    Contact,
    InboundMessage,
    OutboundMessage,
    AccountEvent,
    Draw,
    WhatsAppTemplate,
    Broadcast,
    AuditLog,
    ApiOtp,
    ApiSession,
    ApiRefreshToken,
    ApiSyncOp,
    ApiUpload,
    BackupRun,
    Conversation,
    ConversationMessage,
    CannedReply,
]


class DatabaseTimeout(OperationalError):
    """A query that outlasted the read or write timeout: the database is slow, not gone."""


class ReconnectingMySQL(ReconnectMixin, MySQLDatabase):
    """MySQL that reconnects once when the server dropped the connection, not after a timeout."""

    # PyMySQL reports a timeout as a lost connection (2013), which ReconnectMixin would retry:
    # the same slow query again, doubling the wait a web worker has to survive.
    def _reconnect(self, func: Any, *args: Any, **kwargs: Any) -> Any:
        return super()._reconnect(_timeouts_not_retried(func), *args, **kwargs)


def _timeouts_not_retried(func: Any) -> Any:
    def call(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except OperationalError as exc:
            if "timed out" in str(exc):  # ReconnectMixin retries only the exact classes it lists
                raise DatabaseTimeout(*exc.args) from exc
            raise

    return call


DEFAULT_TIMEOUT = 10  # seconds; a web request must answer 503 well before gunicorn's 30 s kill


def open_database(url: str, timeout: int = DEFAULT_TIMEOUT) -> Any:
    """The database object for a URL (SQLite or MySQL/MariaDB), no wait longer than `timeout` s."""
    # A MySQL URL's own read_timeout, write_timeout or connect_timeout parameters win.
    if url.startswith("sqlite"):
        path = url.split("///", 1)[1] if "///" in url else ":memory:"
        if path not in ("", ":memory:"):
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        # WAL lets the web process read while a worker thread writes.
        return SqliteDatabase(
            path or ":memory:",
            pragmas={"journal_mode": "wal", "foreign_keys": 1, "busy_timeout": timeout * 1000},
            check_same_thread=False,
        )
    if url.startswith("mysql"):
        probe = connect(url)
        params = dict(probe.connect_params)
        params.setdefault("charset", "utf8mb4")
        params.setdefault("connect_timeout", min(3, timeout))
        params.setdefault("read_timeout", timeout)
        params.setdefault("write_timeout", timeout)
        # READ COMMITTED, as Django chose for MySQL: a locking read that finds no row takes no
        # gap lock, so jobs creating different contacts at once never deadlock on the empty gap
        # between two phones, and two about one person meet at its unique key instead.
        params.setdefault("init_command", "SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED")
        return ReconnectingMySQL(probe.database, **params)
    raise ValueError(f"DATABASE_URL must start with sqlite:// or mysql://, not {url.split(':')[0]}")


def init_db(url: str, timeout: int = DEFAULT_TIMEOUT) -> Any:
    """Point the model proxy at the database for `url`."""
    database = open_database(url, timeout)
    db.initialize(database)
    return database


@contextlib.contextmanager
def bound(database: Any) -> Iterator[Any]:
    """Within the block, in this thread or task only, the models use `database`."""
    token = _bound.set(database)
    try:
        yield database
    finally:
        _bound.reset(token)


def bind(database: Any) -> None:
    """From now on, in this thread only, the models use `database` (a thread's whole life)."""
    _bound.set(database)


def pending() -> list[str]:
    """The names of the schema migrations not yet applied."""
    runner = Runner(db.obj, directory=str(MIGRATIONS_DIR))
    return [m.name for m in runner.status() if m.applied is None and m.path]


def upgrade() -> list[str]:
    """Apply pending schema migrations; return the names applied."""
    runner = Runner(db.obj, directory=str(MIGRATIONS_DIR))
    applied = runner.up()
    if applied:
        log.info("applied migrations: %s", ", ".join(applied))
    return applied


def downgrade() -> list[str]:
    """Revert the most recently applied schema migration; return its name (none: [])."""
    runner = Runner(db.obj, directory=str(MIGRATIONS_DIR))
    reverted = runner.down() if runner.applied() else []
    if reverted:
        log.info("reverted migrations: %s", ", ".join(reverted))
    return reverted


def is_mysql() -> bool:
    """True when the models talk to MySQL/MariaDB."""
    return isinstance(db.obj, MySQLDatabase)


def write_transaction() -> Any:
    """A transaction that holds its write lock from the start.

    SQLite's default deferred transaction fails, rather than waits, when it
    reads and then writes while another connection has committed meanwhile.
    """
    return db.atomic() if is_mysql() else db.atomic("IMMEDIATE")


def for_update(query: Any) -> Any:
    """Lock the selected rows until the transaction ends (SQLite locks the whole file)."""
    return query.for_update() if is_mysql() else query
