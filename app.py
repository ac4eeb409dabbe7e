"""The app factory: create_app() builds the web app (webhook, public pages, JSON API)."""

from __future__ import annotations

import logging
import os
from typing import Any

from flask import Flask, jsonify
from werkzeug.middleware.proxy_fix import ProxyFix

import commands
import models
import storage
from api.mount import mount as mount_api
from jobs import runtime as jobs_runtime
from jobs.worker import InProcessWorkers
from models import WocsUser
from pages.landing import bp as landing_bp
from pages.routes import bp as pages_bp
from webhooks.routes import bp as webhooks_bp
from whatsapp.transports import Transport
from wocs import message_templates, registry
from wocs.settings import Settings

log = logging.getLogger("wocs")


def seed_admins(phones: tuple[str, ...]) -> None:
    """Make sure every phone in WOCS_ADMINS is an active admin; safe when many processes start."""
    if not phones:
        return
    rows = [{"phone": p, "name": f"Admin {p[-4:]}", "role": "admin"} for p in phones]
    WocsUser.insert_many(rows).on_conflict_ignore().execute()
    WocsUser.update(role="admin", active=True).where(WocsUser.phone.in_(phones)).execute()


def start_up(settings: Settings) -> None:
    """What a start does once before serving or working: migrate (embedded), admins, templates.

    `serve`, `worker` and `db upgrade` run it; gunicorn's workers only build the app, after
    `python bot.py db upgrade` ran it for them.
    """
    models.init_db(settings.database_url)
    if settings.embedded:
        models.upgrade()
    seed_admins(settings.admins)
    message_templates.sync()


def create_app(
    settings: Settings | None = None,
    *,
    start_workers: bool | None = None,
    transport: Transport | None = None,
    redis_connection: Any = None,
) -> Flask:
    """Build the web app on a database that start_up() prepared; embedded, with its workers."""
    settings = settings or Settings.from_env()
    registry.load(commands)
    storage.from_env(os.environ)  # a half-configured bucket stops the start, not the first photo
    runtime = jobs_runtime.configure(
        settings, transport=transport, redis_connection=redis_connection
    )
    if settings.generated_secret:
        log.warning("WHATSAPP_APP_SECRET is not set: webhooks from outside will be refused (403)")

    app = Flask(__name__, template_folder="templates")
    app.config["WOCS_SETTINGS"] = settings
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes

    app.register_blueprint(webhooks_bp)
    app.register_blueprint(pages_bp)
    app.register_blueprint(landing_bp)
    mount_api(app, settings)  # the mobile app's JSON API under /api/v1
    behind_proxies(app, settings.trusted_proxies)  # outermost: the API sees the caller too

    @app.get("/healthz")
    def health() -> Any:
        """Liveness for load balancers: the database answers."""
        models.db.execute_sql("SELECT 1")
        return jsonify(status="ok", embedded=settings.embedded)

    if start_workers if start_workers is not None else settings.embedded:
        app.extensions["wocs_workers"] = InProcessWorkers(runtime).start()
    return app


def behind_proxies(app: Flask, hops: int) -> None:
    """Take the caller's address, scheme and host from the `hops` proxies in front, if any.

    Only that many X-Forwarded-* entries are believed, counted from the nearest proxy, so a
    client cannot forge its address past the per-address rate limits.
    """
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
