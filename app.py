"""The app factory: create_app() builds the web app (webhook, public pages, JSON API)."""

from __future__ import annotations

import dataclasses
import logging
import secrets
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

import commands
import models
from api.mount import mount as mount_api
from jobs import runtime as jobs_runtime
from jobs.handoff import Handoff
from jobs.worker import InProcessWorkers
from models import StaffMember, WocsSecret
from ops import logs
from ops.health import bp as health_bp
from ops.metrics import bp as metrics_bp
from pages import site
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
    StaffMember.insert_many(rows).on_conflict_ignore().execute()
    StaffMember.update(role="admin", active=True).where(StaffMember.phone.in_(phones)).execute()


def shared_secret(settings: Settings) -> Settings:
    """The settings with one app secret for every process when WHATSAPP_APP_SECRET is unset."""
    # The first process to start makes it and keeps it in the database (table wocs_secret); the
    # rest read it, so a token or login code one web worker signed is good at every other.
    if not settings.generated_secret:
        return settings
    WocsSecret.insert(name="app_secret", value=secrets.token_hex(32)).on_conflict_ignore().execute()
    stored = WocsSecret.get(WocsSecret.name == "app_secret").value
    return dataclasses.replace(settings, app_secret=stored)


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
    """Build the web app on a database that start_up() prepared; embedded, with its workers.

    The app carries its own runtime (`app.extensions["wocs"]`): active while it serves a
    request and in the threads it starts, so two apps in one process never share wiring.
    """
    settings = settings or Settings.from_env()
    logs.configure(settings.log_format)
    registry.load(commands)
    runtime = jobs_runtime.build(settings, transport=transport, redis_connection=redis_connection)
    with runtime.active():
        settings = runtime.settings = shared_secret(settings)
    if settings.generated_secret:
        log.warning(
            "WHATSAPP_APP_SECRET is not set: webhooks from outside will be refused (403); "
            "API tokens are signed with a secret kept in the database"
        )

    app = Flask(__name__, template_folder="templates")
    app.config["WOCS_SETTINGS"] = settings
    app.extensions["wocs"] = runtime
    app.extensions["wocs_handoff"] = Handoff(runtime)
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes

    app.register_blueprint(webhooks_bp)
    app.register_blueprint(health_bp)
    app.register_blueprint(metrics_bp)
    app.register_blueprint(pages_bp)
    app.register_blueprint(landing_bp)
    site.init(app)  # security headers on every answer outside the API, errors included
    mount_api(app, settings, runtime)  # the mobile app's JSON API under /api/v1
    app.wsgi_app = runtime.serve(app.wsgi_app)  # type: ignore[method-assign]
    behind_proxies(app, settings.trusted_proxies)  # outermost: the API sees the caller too

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
