"""WOCS: the app factory create_app() and the command line (serve, worker, chat, demo, …)."""

from __future__ import annotations

import argparse
import dataclasses
import logging
import os
import secrets
import sys
from typing import Any

from flask import Flask, jsonify
from werkzeug.middleware.proxy_fix import ProxyFix

import models
import storage
from api import mount as mount_api
from jobs import runtime as jobs_runtime
from jobs.worker import InProcessWorkers, run_worker
from models import WocsSecret, WocsUser
from whatsapp.transports import Transport
from wocs import templates
from wocs.settings import ConfigError, Settings

log = logging.getLogger("wocs")


def seed_admins(phones: tuple[str, ...]) -> None:
    """Make sure every phone in WOCS_ADMINS is an active admin; safe when many processes start."""
    if not phones:
        return
    rows = [{"phone": p, "name": f"Admin {p[-4:]}", "role": "admin"} for p in phones]
    WocsUser.insert_many(rows).on_conflict_ignore().execute()
    WocsUser.update(role="admin", active=True).where(WocsUser.phone.in_(phones)).execute()


def shared_secret(settings: Settings) -> Settings:
    """The settings with one app secret for every process when WHATSAPP_APP_SECRET is unset."""
    # The first process to start makes it and keeps it in the database (table wocs_secret); the
    # rest read it, so a token or login code one web worker signed is good at every other.
    if not settings.generated_secret:
        return settings
    WocsSecret.insert(name="app_secret", value=secrets.token_hex(32)).on_conflict_ignore().execute()
    stored = WocsSecret.get(WocsSecret.name == "app_secret").value
    return dataclasses.replace(settings, app_secret=stored)


def create_app(
    settings: Settings | None = None,
    *,
    start_workers: bool | None = None,
    transport: Transport | None = None,
    redis_connection: Any = None,
) -> Flask:
    """Build the web app; in embedded mode also migrate and start the in-process workers."""
    settings = settings or Settings.from_env()
    storage.from_env(os.environ)  # a half-configured bucket stops the start, not the first photo
    runtime = jobs_runtime.configure(
        settings, transport=transport, redis_connection=redis_connection
    )
    if settings.embedded:
        models.upgrade()
    seed_admins(settings.admins)
    templates.sync()
    settings = runtime.settings = shared_secret(settings)
    if settings.generated_secret:
        log.warning(
            "WHATSAPP_APP_SECRET is not set: webhooks from outside will be refused (403); "
            "API tokens are signed with a secret kept in the database"
        )

    app = Flask(__name__, template_folder="templates")
    app.config["WOCS_SETTINGS"] = settings
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes

    from pages import site
    from pages.landing import bp as landing_bp
    from pages.routes import bp as pages_bp
    from webhooks.routes import bp as webhooks_bp

    app.register_blueprint(webhooks_bp)
    app.register_blueprint(pages_bp)
    app.register_blueprint(landing_bp)
    site.init(app)  # security headers on every answer outside the API, errors included
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


def _serve(args: argparse.Namespace) -> int:
    from werkzeug.serving import run_simple

    settings = Settings.from_env()
    app = create_app(settings)
    port = args.port or settings.port
    mode = "embedded (SQLite + in-process jobs)" if settings.embedded else "production"
    print(f"WOCS on http://{args.host}:{port}  mode: {mode}  transport: {settings.transport}")
    run_simple(args.host, port, app, threaded=True, use_reloader=False)
    return 0


def _worker(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    if settings.embedded:
        print(
            "`worker` needs REDIS_URL; in embedded mode `serve` runs the jobs itself.",
            file=sys.stderr,
        )
        return 2
    runtime = jobs_runtime.configure(settings)
    seed_admins(settings.admins)
    run_worker(runtime, burst=args.burst)
    return 0


def _db(args: argparse.Namespace) -> int:
    models.init_db(Settings.from_env().database_url)
    applied = models.upgrade()
    print("applied: " + ", ".join(applied) if applied else "the database is up to date")
    return 0


def _verify_draw(args: argparse.Namespace) -> int:
    """Recompute a campaign's draw from its published data; exit 0 only when it matches."""
    from jobs.draws import verify_campaign

    models.init_db(Settings.from_env().database_url)
    problems = verify_campaign(args.code)
    for problem in problems:
        print(f"MISMATCH: {problem}")
    if not problems:
        print(f"{args.code.upper()}: the draw matches its commitment, entries and winners.")
    return 1 if problems else 0


def _chat(args: argparse.Namespace) -> int:
    """Type messages as a phone number; they go through the webhook and jobs like Meta's."""
    from cli.local import LocalBot
    from wocs.values import ValueProblem, parse_phone

    try:
        phone = parse_phone(args.phone)
    except ValueProblem as exc:
        print(exc, file=sys.stderr)
        return 2
    # Jobs run in this process and replies are shown here, never sent to WhatsApp.
    bot = LocalBot(Settings.from_env())
    member = WocsUser.get_or_none(WocsUser.phone == phone)
    who = (
        f"{member.role} {member.name}"
        if member and member.active
        else "a customer (not on the team)"
    )
    print(f"Chatting as +{phone}, {who}. End a line with \\ to continue it; Ctrl-D quits.")
    while True:
        try:
            text = input("you> ")
            while text.endswith("\\"):
                text = text[:-1] + "\n" + input("...> ")
        except EOFError:
            print()
            return 0
        if not text.strip():
            continue
        status, answer = bot.say(phone, text)
        if status != 200:
            print(f"(webhook answered {status}: {answer})")
            continue
        replies = bot.collect(lambda sent: True, timeout=5)
        for message in replies:
            label = "bot> " if message.to == phone else f"bot → +{message.to}: "
            shown_kind = "" if message.kind == "text" else f"[{message.kind}] "
            print(label + shown_kind + message.text.replace("\n", "\n     "))
        if not replies:
            print("(no reply)")


def _demo(args: argparse.Namespace) -> int:
    """Play a scripted day on a throwaway database and print it as a conversation."""
    from cli.demo import run

    return run()


def _templates(args: argparse.Namespace) -> int:
    """List the message templates with Meta's status, or submit them all for review."""
    settings = Settings.from_env()
    wired = jobs_runtime.configure(settings)
    if settings.embedded:
        models.upgrade()
    if args.action == "push":
        if not (settings.waba_id and settings.transport == "cloud"):
            print(
                "Pushing templates needs WHATSAPP_WABA_ID and the cloud transport "
                "(WHATSAPP_TOKEN, WHATSAPP_PHONE_NUMBER_ID).",
                file=sys.stderr,
            )
            return 2
        for line in templates.push(wired.transport, settings.waba_id):
            print(line)
        return 0
    templates.sync()
    for row in models.WhatsAppTemplate.select().order_by(models.WhatsAppTemplate.name):
        reason = f" — {row.reason}" if row.reason else ""
        print(f"{row.name} ({row.language}, {row.category}): {row.status}{reason}")
    return 0


class QuietHeyoo(logging.Filter):
    """Drop heyoo's chatter: it logs every send on the root logger; the transport logs a masked line."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.WARNING or "heyoo" not in record.pathname


def main(argv: list[str] | None = None) -> int:
    """Entry point of `python bot.py`."""
    from dotenv import load_dotenv

    load_dotenv()
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    parser = argparse.ArgumentParser(prog="bot.py", description="WOCS command center")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the web server (and, embedded, the jobs)")
    serve.add_argument("--port", type=int, default=0)
    serve.add_argument("--host", default="127.0.0.1")
    serve.set_defaults(run=_serve)
    worker = sub.add_parser("worker", help="run an RQ worker with its scheduler (needs REDIS_URL)")
    worker.add_argument("--burst", action="store_true", help="stop when the queues are empty")
    worker.set_defaults(run=_worker)
    db = sub.add_parser("db", help="database maintenance")
    db.add_argument("action", choices=["upgrade"])
    db.set_defaults(run=_db)
    verify = sub.add_parser("verify-draw", help="recompute a campaign's draw and check it")
    verify.add_argument("code")
    verify.set_defaults(run=_verify_draw)
    tpl = sub.add_parser("templates", help="WhatsApp message templates: list, or push to Meta")
    tpl.add_argument("action", choices=["list", "push"])
    tpl.set_defaults(run=_templates)
    chat = sub.add_parser("chat", help="talk to the bot from this terminal as a phone number")
    chat.add_argument("--as", dest="phone", required=True, help="the phone you write as")
    chat.set_defaults(run=_chat)
    demo = sub.add_parser("demo", help="a scripted day on a throwaway database, as a conversation")
    demo.set_defaults(run=_demo)
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except ConfigError as exc:
        print(f"Configuration problem: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
