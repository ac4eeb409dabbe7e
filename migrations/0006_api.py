"""The JSON API: login codes, sessions and their refresh tokens."""

import datetime as dt

from peewee import CharField, DateTimeField, ForeignKeyField, IntegerField, Model


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class BaseModel(Model):
    class Meta:
        legacy_table_names = False


class User(BaseModel):
    phone = CharField(max_length=20, unique=True)


class ApiOtp(BaseModel):
    phone = CharField(max_length=20)
    code_hash = CharField(max_length=64)
    attempts = IntegerField(default=0)
    expires_at = DateTimeField()
    used_at = DateTimeField(null=True)
    created_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("phone", "created_at"), False),)


class ApiSession(BaseModel):
    user = ForeignKeyField(User, backref="api_sessions", on_delete="CASCADE")
    created_at = DateTimeField(default=utcnow)
    revoked_at = DateTimeField(null=True)
    revoked_reason = CharField(max_length=20, default="")


class ApiRefreshToken(BaseModel):
    session = ForeignKeyField(ApiSession, backref="refresh_tokens", on_delete="CASCADE")
    token_hash = CharField(max_length=64, unique=True)
    expires_at = DateTimeField()
    used_at = DateTimeField(null=True)
    created_at = DateTimeField(default=utcnow)


NEW = [ApiOtp, ApiSession, ApiRefreshToken]


def up(migrator, db):
    with db.bind_ctx([User, *NEW]):
        db.create_tables(NEW)


def down(migrator, db):
    with db.bind_ctx([User, *NEW]):
        db.drop_tables(NEW)
