"""Reference for the webhook intake benchmark: a minimal pywa Flask webhook, as a pywa user writes it.

Run under gunicorn as `bench.reference_pywa_app:app`. PYWA_BENCH_HANDLER picks the handler:
`insert` (default) stores each text message with one INSERT, `noop` does nothing. The other
variables are the ones WOCS reads: DATABASE_URL, WHATSAPP_TOKEN, WHATSAPP_PHONE_NUMBER_ID,
WHATSAPP_APP_SECRET, WHATSAPP_VERIFY_TOKEN, WHATSAPP_API_BASE.
"""

from __future__ import annotations

import os

import httpx
import pymysql
from flask import Flask
from pywa import WhatsApp, filters, types

from bench.lib import mysql_params

INSERT_SQL = (
    "INSERT IGNORE INTO pywa_message (wamid, sender, sender_name, body, sent_at) "
    "VALUES (%s, %s, %s, %s, %s)"
)


app = Flask(__name__)
# pywa sets the session's base URL to graph.facebook.com when it is built; keep a handle so
# the base can be pointed at the local Graph stand-in afterwards. Nothing here calls Graph:
# pywa only contacts it at start to register a callback_url, which is not given.
session = httpx.Client()
wa = WhatsApp(
    phone_id=os.environ["WHATSAPP_PHONE_NUMBER_ID"],
    token=os.environ["WHATSAPP_TOKEN"],
    session=session,
    server=app,
    webhook_endpoint="/webhooks/whatsapp",
    verify_token=os.environ.get("WHATSAPP_VERIFY_TOKEN") or "verify",
    app_secret=os.environ["WHATSAPP_APP_SECRET"],
)
session.base_url = os.environ.get("WHATSAPP_API_BASE", "https://graph.facebook.com/v25.0")

if os.environ.get("PYWA_BENCH_HANDLER", "insert") == "insert":
    # One connection per gunicorn worker: a sync worker handles one request at a time.
    db = pymysql.connect(**mysql_params(os.environ["DATABASE_URL"]))

    @wa.on_message(filters.text)
    def store_text(_: WhatsApp, msg: types.Message) -> None:
        """Store the text message with one INSERT."""
        with db.cursor() as cursor:
            cursor.execute(
                INSERT_SQL,
                (
                    msg.id,
                    msg.from_user.wa_id or "",
                    msg.from_user.name or "",
                    msg.text,
                    msg.timestamp.replace(tzinfo=None),
                ),
            )

else:

    @wa.on_message(filters.text)
    def ignore_text(_: WhatsApp, msg: types.Message) -> None:
        """Do nothing: what pywa's own parsing and dispatch cost."""
