"""WOCS's command line: serve, worker, db, verify-draw, templates, chat, doctor, backup, restore, demo."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys

import requests
from dotenv import load_dotenv
from werkzeug.serving import run_simple

import commands
import models
from app import create_app, start_up
from cli import backup, chat, demo, doctor
from cli.local import LocalBot
from domain.draw_record import public_record
from jobs import runtime as jobs_runtime
from jobs.worker import run_worker
from ops import logs
from whatsapp import template_review
from wocs import message_templates, registry
from wocs.draw_check import NothingToVerify, check_record
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
    """Recompute a campaign's draw from its published record; exit 0 only when it matches."""
    settings = Settings.from_env()
    try:
        record = _draw_record(args, settings)
        verdict = check_record(record, settings.beacon)
    except NothingToVerify as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    code = str(record.get("code", args.code or "")).upper()
    for note in verdict.notes:
        print(f"NOTE: {note}")
    for problem in verdict.problems:
        print(f"MISMATCH: {problem}")
    if not verdict.problems:
        decided = (
            "the operator's seed alone (no beacon)"
            if record.get("source") == "operator"
            else f"drand round {record['beacon']['round']}, whose signature verifies"
        )
        print(
            f"{code}: the draw matches its commitment, its {record['entry_count']} frozen "
            f"entries and its winners, decided by {decided}."
        )
    return 1 if verdict.problems else 0


def _draw_record(args: argparse.Namespace, settings: Settings) -> dict:
    """The published record: a downloaded draw.json, the page's at --url, or this database's."""
    if args.from_file:
        try:
            with open(args.from_file, encoding="utf-8") as handle:
                return dict(json.load(handle))
        except (OSError, ValueError, TypeError) as exc:
            raise NothingToVerify(f"cannot read {args.from_file}: {exc}") from exc
    if not args.code:
        raise NothingToVerify("give a campaign code, or --from-file with a downloaded draw.json")
    code = args.code.upper()[:32]
    if args.url:
        try:
            answer = requests.get(f"{args.url.rstrip('/')}/c/{code}/draw.json", timeout=30)
            if answer.status_code == 404:
                raise NothingToVerify(f"no campaign {code} at {args.url}")
            answer.raise_for_status()
            return dict(answer.json())
        except (requests.RequestException, ValueError) as exc:
            raise NothingToVerify(f"cannot fetch the draw of {code}: {exc}") from exc
    models.init_db(settings.database_url)
    campaign = models.Campaign.get_or_none(models.Campaign.code == code)
    if campaign is None:
        raise NothingToVerify(f"no campaign {code}")
    return public_record(campaign)  # exactly what the page publishes as draw.json


def _chat(args: argparse.Namespace) -> int:
    """Type messages as phone numbers; they go through the webhook and jobs like Meta's."""
    try:
        phone = parse_phone(args.phone)
    except ValueProblem as exc:
        print(exc, file=sys.stderr)
        return 2
    # Jobs run in this process and replies are shown here, never sent to WhatsApp.
    session = chat.Chat(LocalBot(Settings.from_env()), phone)
    print(f"Chatting as +{phone}, {chat.who(phone)}. {chat.HELP}")
    while True:
        try:
            text = input("you> ")
            while text.endswith("\\"):
                text = text[:-1] + "\n" + input("...> ")
        except EOFError:
            print()
            return 0
        if text.strip():
            print("\n".join(session.handle(text)))


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
    verify.add_argument("code", nargs="?", default="")
    verify.add_argument("--from-file", help="a draw.json downloaded from the campaign page")
    verify.add_argument("--url", help="the public site to fetch the page's draw.json from")
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
