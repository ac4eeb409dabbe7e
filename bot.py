"""WOCS's command line: serve, worker, db, verify-draw, templates, chat, doctor, backup, restore, demo."""

from __future__ import annotations

import argparse
import logging
import os
import sys

from dotenv import load_dotenv
from werkzeug.serving import run_simple

import commands
import models
from app import create_app, start_up
from cli import backup, demo, doctor
from cli.local import LocalBot
from jobs import runtime as jobs_runtime
from jobs.draws import NothingToVerify, verify_campaign
from jobs.worker import run_worker
from models import StaffMember
from ops import logs
from whatsapp import template_review
from wocs import message_templates, registry
from wocs.settings import ConfigError, Settings
from wocs.values import ValueProblem, parse_phone

log = logging.getLogger("wocs")


def _serve(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    start_up(settings)
    if not settings.embedded:
        doctor.brief(settings)
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
    registry.load(commands)
    start_up(settings)
    doctor.brief(settings)
    run_worker(jobs_runtime.build(settings), burst=args.burst)
    return 0


def _db(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    models.init_db(settings.database_url)
    if args.action == "downgrade":
        # Back to the schema the previous release expects: run it before that code starts.
        reverted = models.downgrade()
        print("reverted: " + ", ".join(reverted) if reverted else "no migration to revert")
        return 0
    applied = models.upgrade()
    start_up(settings)  # the admins and templates too, for the web workers that follow
    print("applied: " + ", ".join(applied) if applied else "the database is up to date")
    return 0


def _verify_draw(args: argparse.Namespace) -> int:
    """Recompute a campaign's draw from its published data; exit 0 only when it matches."""
    models.init_db(Settings.from_env().database_url)
    try:
        problems = verify_campaign(args.code)
    except NothingToVerify as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for problem in problems:
        print(f"MISMATCH: {problem}")
    if not problems:
        print(f"{args.code.upper()}: the draw matches its commitment, entries and winners.")
    return 1 if problems else 0


def _chat(args: argparse.Namespace) -> int:
    """Type messages as a phone number; they go through the webhook and jobs like Meta's."""
    try:
        phone = parse_phone(args.phone)
    except ValueProblem as exc:
        print(exc, file=sys.stderr)
        return 2
    # Jobs run in this process and replies are shown here, never sent to WhatsApp.
    bot = LocalBot(Settings.from_env())
    member = StaffMember.get_or_none(StaffMember.phone == phone)
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


def _doctor(args: argparse.Namespace) -> int:
    """Check every setting and connection; exit 1 when something is wrong."""
    return doctor.run(Settings.from_env(), fix=args.fix)


def _backup(args: argparse.Namespace) -> int:
    """Back the database up to the storage now, then prune backups past their keeping time."""
    return backup.backup(Settings.from_env())


def _restore(args: argparse.Namespace) -> int:
    """Restore a backup into an empty database and check every table's row count."""
    return backup.restore(Settings.from_env(), args.file)


def _demo(args: argparse.Namespace) -> int:
    """Play a scripted day on a throwaway database and print it as a conversation."""
    return demo.run()


def _templates(args: argparse.Namespace) -> int:
    """List the message templates with Meta's status, or submit them all for review."""
    settings = Settings.from_env()
    wired = jobs_runtime.build(settings).activate()
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
        for line in template_review.push(wired.transport, settings.waba_id):
            print(line)
        return 0
    message_templates.sync()
    if args.action == "approve":
        return _approve_locally(settings, args.names)
    for row in models.WhatsAppTemplate.select().order_by(models.WhatsAppTemplate.name):
        reason = f" — {row.reason}" if row.reason else ""
        print(f"{row.name} ({row.language}, {row.category}): {row.status}{reason}")
    return 0


def _approve_locally(settings: Settings, names: list[str]) -> int:
    """Approve templates as Meta's review would, only where no message reaches WhatsApp."""
    if settings.transport != "console":
        print(
            "Only WhatsApp approves templates for a real number: run `python bot.py templates "
            "push` and wait for its review. `approve` is for a trial with the console transport.",
            file=sys.stderr,
        )
        return 2
    if not names:
        print(
            "Name the templates to approve, e.g. `templates approve event_invite`.", file=sys.stderr
        )
        return 2
    unknown = [name for name in names if not message_templates.approve_locally(name)]
    for name in names:
        if name not in unknown:
            print(f"{name}: APPROVED (locally; nothing was sent to WhatsApp)")
    for name in unknown:
        print(f"{name}: there is no such template (see `templates list`)", file=sys.stderr)
    return 1 if unknown else 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of `python bot.py`."""
    load_dotenv()
    logs.configure(os.environ.get("WOCS_LOG_FORMAT", "").strip().lower())
    parser = argparse.ArgumentParser(prog="bot.py", description="WOCS command center")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the web server (and, embedded, the jobs)")
    serve.add_argument("--port", type=int, default=0)
    serve.add_argument("--host", default="127.0.0.1")
    serve.set_defaults(run=_serve)
    worker = sub.add_parser("worker", help="run an RQ worker with its scheduler (needs REDIS_URL)")
    worker.add_argument("--burst", action="store_true", help="stop when the queues are empty")
    worker.set_defaults(run=_worker)
    db = sub.add_parser("db", help="database schema: upgrade, or downgrade by one migration")
    db.add_argument("action", choices=["upgrade", "downgrade"])
    db.set_defaults(run=_db)
    verify = sub.add_parser("verify-draw", help="recompute a campaign's draw and check it")
    verify.add_argument("code")
    verify.set_defaults(run=_verify_draw)
    tpl = sub.add_parser(
        "templates", help="WhatsApp message templates: list, push to Meta, or approve locally"
    )
    tpl.add_argument("action", choices=["list", "push", "approve"])
    tpl.add_argument("names", nargs="*", help="approve: the templates to mark approved")
    tpl.set_defaults(run=_templates)
    chat = sub.add_parser("chat", help="talk to the bot from this terminal as a phone number")
    chat.add_argument("--as", dest="phone", required=True, help="the phone you write as")
    chat.set_defaults(run=_chat)
    check = sub.add_parser("doctor", help="check settings, connections and the Meta setup")
    check.add_argument(
        "--fix",
        action="store_true",
        help="subscribe the app to the WABA, add the bucket's lifecycle rule",
    )
    check.set_defaults(run=_doctor)
    save = sub.add_parser("backup", help="back the database up to the storage (backups/) now")
    save.set_defaults(run=_backup)
    load = sub.add_parser("restore", help="restore a backup into an empty database")
    load.add_argument("file", help="a backup file, or its key in the storage (backups/…)")
    load.set_defaults(run=_restore)
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
