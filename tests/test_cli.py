"""The command line, run as a newcomer would: chat, db upgrade, serve, and a production worker."""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys
import time

import pytest
import redis
import requests

ROOT = pathlib.Path(__file__).resolve().parents[1]


def _env(tmp_path, **extra: str) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("WHATSAPP_", "WOCS_", "REDIS_"))
    }
    env.update({"DATABASE_URL": f"sqlite:///{tmp_path}/cli.sqlite3", **extra})
    return env


def _bot(*args: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "bot.py", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        **kw,
    )


def test_chat_runs_commands_through_the_webhook_and_jobs(tmp_path):
    script = (
        "/admin add phone: 012-999 8888 role: agent name: Siti\n"
        "/agent task: Setup booth\\\n"
        "for: Siti\\\n"
        "due: 2030-01-20\n"
        "/task list\n"
    )
    done = _bot(
        "chat", "--as", "012-345 6789", input=script, env=_env(tmp_path, WOCS_ADMINS="60123456789")
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "Chatting as +60123456789, admin" in out
    assert "bot> Siti (+60129998888) added as agent." in out
    assert "bot → +60129998888: New task #1 from Admin 6789: Setup booth" in out
    assert "bot> Task #1 created for Siti, due Sun 20 Jan 2030. I've told them." in out
    assert "#1 Setup booth — Siti, due Sun 20 Jan 2030 (open)" in out


def test_chat_shows_buttons_numbered_and_a_typed_number_taps_one(tmp_path):
    script = (
        "/event create name: Raya Bazaar date: 2030-01-20 location: Dataran Merdeka\n"
        "/event status 1 cancelled\n"
        "2\n"
        "/event status 1 cancelled\n"
        "1\n"
    )
    env = _env(tmp_path, WOCS_ADMINS="60123456789")
    done = _bot("chat", "--as", "012-345 6789", input=script, env=env)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "bot> Cancel event #1 (Raya Bazaar, Sun 20 Jan 2030 at Dataran Merdeka)?" in out
    assert "     [1] ✅ Yes / Ya  → /confirm 1\n     [2] ❌ No / Tidak  → /cancel 1\n" in out
    assert "     (type a number to tap it, or write your answer)" in out
    assert "bot> Cancelled: nothing was done about /event status (question 1)." in out
    assert "bot> Event #1 (Raya Bazaar) is now cancelled." in out


def test_chat_lets_a_customer_and_an_agent_talk_by_quote_reply(tmp_path):
    script = (
        "/admin add phone: 012-999 8888 role: agent name: Siti\n"
        "!as 012-999 8888\n"
        "/duty on\n"
        "!as 013-555 1234\n"
        "Hi, do you deliver to Shah Alam?\n"
        "!as 012-999 8888\n"
        ">4 Yes, RM5 to Shah Alam.\n"
        ">9 Hello?\n"
        "!as 013-555 1234\n"
        ">4 Thanks\n"
    )
    done = _bot(
        "chat", "--as", "012-345 6789", input=script, env=_env(tmp_path, WOCS_ADMINS="60123456789")
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "Now writing as +60129998888, agent Siti." in out
    assert "[3] bot> You're on duty" in out
    assert "Now writing as +60135551234, a customer (not on the team)." in out
    assert "[4] bot → +60129998888: 💬 #1 +60 13-555 ****: Hi, do you deliver to Shah Alam?" in out
    assert "[5] bot> What would you like to do? Tap Menu" in out  # the customer's menu
    assert "[6] bot → +60135551234: Yes, RM5 to Shah Alam." in out  # the quote-reply, delivered
    assert "(there is no message [9]; the numbers are in front of each one)" in out
    assert "([4] went to +60129998888: write `!as 60129998888` first)" in out


def test_chat_as_a_stranger_is_refused(tmp_path):
    done = _bot("chat", "--as", "0175550000", input="/task list\n", env=_env(tmp_path))
    assert "bot> Sorry, commands are only for our team." in done.stdout


def test_db_upgrade_applies_then_reports_up_to_date(tmp_path):
    first = _bot("db", "upgrade", env=_env(tmp_path))
    assert first.returncode == 0 and "applied: 0001_initial" in first.stdout
    again = _bot("db", "upgrade", env=_env(tmp_path))
    assert "the database is up to date" in again.stdout
    last = first.stdout.strip().rsplit(", ", 1)[-1]
    back = _bot("db", "downgrade", env=_env(tmp_path))
    assert back.returncode == 0 and back.stdout.strip() == f"reverted: {last}"
    assert _bot("db", "upgrade", env=_env(tmp_path)).stdout.strip() == f"applied: {last}"


def test_a_token_without_app_secret_will_not_start(tmp_path):
    env = _env(tmp_path, WHATSAPP_TOKEN="t", WHATSAPP_PHONE_NUMBER_ID="1")
    done = _bot("serve", env=env)
    assert done.returncode == 2
    assert "WHATSAPP_APP_SECRET" in done.stderr


def test_serve_starts_on_the_embedded_default(tmp_path):
    env = _env(tmp_path, PORT="0")
    port = 5000 + os.getpid() % 1000
    proc = subprocess.Popen(
        [sys.executable, "bot.py", "serve", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                health = requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except requests.ConnectionError:
                assert proc.poll() is None and time.monotonic() < deadline, "serve did not come up"
                time.sleep(0.2)
        assert health.json() == {"status": "ok", "embedded": True}
        unsigned = requests.post(f"http://127.0.0.1:{port}/webhooks/whatsapp", json={}, timeout=5)
        assert unsigned.status_code == 401
    finally:
        proc.terminate()
        proc.wait(10)


@pytest.mark.skipif(
    not os.environ.get("TEST_REDIS_URL"), reason="needs TEST_REDIS_URL and TEST_DATABASE_URL"
)
def test_production_worker_process_handles_a_command(tmp_path):
    """The web app enqueues on real Redis; a separate `python bot.py worker` process runs the job."""
    import models
    from app import create_app, start_up
    from tests.conftest import ADMIN, SECRET
    from whatsapp.graph_test_server import GraphTestServer
    from wocs.settings import Settings

    db_url = os.environ["TEST_DATABASE_URL"]
    # A Redis database of its own: the session's live app has workers on TEST_REDIS_URL's queues,
    # and they (with their own transport) would take this job before the worker process did.
    base, _, number = os.environ["TEST_REDIS_URL"].rpartition("/")
    redis_url = f"{base}/{(int(number or 0) + 1) % 16}"
    redis.Redis.from_url(redis_url).flushdb()
    with GraphTestServer(token="t") as graph:
        env = _env(
            tmp_path,
            DATABASE_URL=db_url,
            REDIS_URL=redis_url,
            WHATSAPP_TOKEN="t",
            WHATSAPP_PHONE_NUMBER_ID="1",
            WHATSAPP_APP_SECRET=SECRET,
            WHATSAPP_API_BASE=graph.base_url,
            WOCS_ADMINS=ADMIN,
        )
        settings = Settings.from_env(env)
        models.init_db(db_url)
        models.upgrade()  # what the release step (`python bot.py db upgrade`) does first
        start_up(settings)
        app = create_app(settings, start_workers=False)
        models.InboundMessage.delete().where(
            models.InboundMessage.wamid == "wamid.cli.worker"
        ).execute()
        import json

        from webhooks.routes import signature_for
        from whatsapp.payload import text_message_body

        raw = json.dumps(text_message_body(ADMIN, "/help task done", "wamid.cli.worker")).encode()
        answer = app.test_client().post(
            "/webhooks/whatsapp",
            data=raw,
            content_type="application/json",
            headers={"X-Hub-Signature-256": signature_for(SECRET, raw)},
        )
        assert answer.status_code == 200
        log = tmp_path / "worker.log"
        with log.open("w") as errors:
            worker = subprocess.Popen(
                [sys.executable, "bot.py", "worker"], cwd=ROOT, env=env, stderr=errors
            )
            try:
                sent = graph.wait_for(1, timeout=30)
            finally:
                worker.terminate()
                try:
                    worker.wait(15)
                except subprocess.TimeoutExpired:  # never left running beyond the test
                    worker.kill()
                    worker.wait()
        assert sent[0]["to"] == f"+{ADMIN}"
        assert sent[0]["text"]["body"].startswith("/task done <n> [note: <what was done>]")
        # The start's brief check: this number id is not the Graph server's, and it said so,
        # and the worker went on to work.
        logged = log.read_text()
        assert "doctor: token: GET /1 failed" in logged and "checks wrong" in logged, logged


def test_templates_can_be_tried_locally_and_a_local_one_is_refused_in_plain_words(tmp_path):
    env = _env(tmp_path, WOCS_ADMINS="60123456789")
    send = "/send to: 012-345 0000 template: event_invite vars: Bazaar; Sat\n"
    before = _bot("chat", "--as", "012-345 6789", input=send, env=env)
    assert "has not been sent to WhatsApp for review yet" in before.stdout
    assert "templates approve event_invite" in before.stdout
    approved = _bot("templates", "approve", "event_invite", env=env)
    assert approved.returncode == 0, approved.stderr
    assert "event_invite: APPROVED (locally" in approved.stdout
    assert "event_invite (en, MARKETING): APPROVED" in _bot("templates", "list", env=env).stdout
    after = _bot("chat", "--as", "012-345 6789", input=send, env=env)
    assert "1 recipient" in after.stdout, after.stdout
    unknown = _bot("templates", "approve", "evnt_invite", env=env)
    assert unknown.returncode == 1 and "no such template" in unknown.stderr


def test_templates_are_never_approved_locally_for_a_real_number(tmp_path):
    cloud = {"WHATSAPP_TOKEN": "t", "WHATSAPP_PHONE_NUMBER_ID": "1", "WHATSAPP_APP_SECRET": "s"}
    done = _bot("templates", "approve", "event_invite", env=_env(tmp_path, **cloud))
    assert done.returncode == 2 and "Only WhatsApp approves templates" in done.stderr


def test_the_command_line_logs_json_lines_when_asked(tmp_path):
    done = _bot("db", "upgrade", env=_env(tmp_path, WOCS_LOG_FORMAT="json"))
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stderr.splitlines() if line.strip()]
    assert any("applied migrations" in line["message"] for line in lines), done.stderr
    refused = _bot("db", "upgrade", env=_env(tmp_path, WOCS_LOG_FORMAT="xml"))
    assert refused.returncode == 2 and "WOCS_LOG_FORMAT must be plain or json" in refused.stderr
