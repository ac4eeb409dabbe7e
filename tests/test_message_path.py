"""End to end over HTTP: signed webhooks in, commands run by workers, replies out through the Graph API."""

from __future__ import annotations

import concurrent.futures
import dataclasses
import uuid

from jobs import inbound, runtime
from models import AuditLog, InboundMessage, OutboundMessage, StaffMember, WocsTask, WocsTaskLog
from tests.conftest import ADMIN
from whatsapp.payload import text_message_body
from wocs.replies import reply

SITI = "60129998888"
STRANGER = "60175550000"


def test_admin_adds_agent_assigns_task_and_hears_it_is_done(live):
    live.say(ADMIN, "/admin add phone: 012-999 8888 role: agent name: Siti")
    assert live.replies_to(ADMIN) == ["Siti (+60129998888) added as agent."]
    assert StaffMember.get(StaffMember.phone == SITI).role == "agent"

    live.say(ADMIN, "/agent task: Setup booth\nfor: Siti\ndue: 2030-01-20")
    confirmation = live.replies_to(ADMIN, 2)[1]
    task = WocsTask.get()
    assert confirmation == f"Task #{task.id} created for Siti, due Sun 20 Jan 2030. I've told them."
    assert (task.title, task.assignee.phone, str(task.due), task.status) == (
        "Setup booth",
        SITI,
        "2030-01-20",
        "open",
    )
    told = live.replies_to(SITI, 2)[1]
    assert told.startswith(
        f"New task #{task.id} from Admin 6789: Setup booth\nDue: Sun 20 Jan 2030"
    )

    live.say(SITI, f"/task done {task.id} note: tables and banner up")
    assert live.replies_to(SITI, 3)[2] == f"Task #{task.id} is done. Thank you!"
    assert live.replies_to(ADMIN, 3)[2] == (
        f"Siti finished task #{task.id}: Setup booth\nNote: tables and banner up"
    )
    task = WocsTask.get_by_id(task.id)
    assert (task.status, task.result) == ("done", "tables and banner up")
    assert [log.message.split(" (by")[0] for log in task.logs.order_by(WocsTaskLog.id)] == [
        "created for Siti",
        "done: tables and banner up",
    ]
    live.settle()
    sent = OutboundMessage.select().where(OutboundMessage.state == "sent")
    assert sent.count() == 6 and all(row.wamid for row in sent)


def test_stranger_is_refused_politely_and_audited(live):
    live.say(STRANGER, "/agent task: Steal stock\nfor: Siti\ndue: 2030-01-20")
    reply = live.replies_to(STRANGER)[0]
    assert reply.startswith("Sorry, commands are only for our team.")
    assert WocsTask.select().count() == 0
    refusal = AuditLog.get(AuditLog.action == "command.refused")
    assert refusal.actor == STRANGER and refusal.after["reason"] == "not on the whitelist"


def test_agent_cannot_run_admin_commands(live):
    StaffMember.create(phone=SITI, name="Siti", role="agent")
    live.say(SITI, "/admin list")
    assert live.replies_to(SITI) == ["Sorry, only admins can use /admin list."]
    assert AuditLog.get(AuditLog.action == "command.refused").entity == "admin list"


def test_same_body_three_times_concurrently_gives_one_task_and_one_reply(live):
    StaffMember.create(phone=SITI, name="Siti", role="agent")
    body = text_message_body(
        ADMIN, "/agent task: Count stock\nfor: Siti\ndue: 2030-02-01", "wamid.dup.1"
    )
    with concurrent.futures.ThreadPoolExecutor(3) as pool:
        answers = list(pool.map(lambda _: live.post(body), range(3)))
    assert [a.status_code for a in answers] == [200, 200, 200]
    live.replies_to(ADMIN)
    live.settle()
    assert InboundMessage.select().count() == 1
    assert WocsTask.select().count() == 1
    assert len([body for body in live.graph.sent() if body["to"] == f"+{ADMIN}"]) == 1
    assert len([body for body in live.graph.sent() if body["to"] == f"+{SITI}"]) == 1


def test_typo_gets_usage_and_closest_key(live):
    live.say(ADMIN, "/agent task: Setup booth\nfr: Siti\ndue: 2030-01-20")
    assert live.replies_to(ADMIN) == [
        "Line 2: /agent has no key fr:. Did you mean for:? It takes task:, for:, due:, priority:, note:.\n"
        "Usage: /agent task: <what to do> for: <name or phone> due: <date> "
        "[priority: low|normal|high|urgent] [note: <details>]"
    ]


def test_help_shows_only_what_the_sender_may_run(live):
    StaffMember.create(phone=SITI, name="Siti", role="agent")
    live.say(SITI, "/help")
    agent_help = live.replies_to(SITI)[0]
    # An agent's list no longer fits one message either: one line a family, theirs only.
    assert (
        "/task done|list|show|start (also /tugas)" in agent_help
        and "/admin" not in agent_help
        and "/agent " not in agent_help
    )
    live.say(ADMIN, "/help")
    live.say(ADMIN, "/help admin add")
    overview, detail = live.replies_to(ADMIN, 2)
    # An admin's full list no longer fits one message: one line a family, details on asking.
    assert "/admin add|list|nickname|remove" in overview and "/broadcast" in overview
    assert detail.startswith("/admin add phone: <phone>")


def test_unknown_command_suggests_the_closest(live):
    live.say(ADMIN, "/tsak list")
    assert live.replies_to(ADMIN) == [
        "I don't know /tsak. Did you mean /task?\nSend /help to see everything."
    ]


def test_customer_gets_the_away_message_once_and_can_stop(live):
    live.say(STRANGER, "hello")
    live.say(STRANGER, "hello again")
    live.say(STRANGER, "STOP")
    live.say(STRANGER, "stop")  # already opted out: no second confirmation
    replies = live.replies_to(STRANGER, 2)
    assert replies[0].startswith("Thanks for your message!")  # nobody is on duty
    assert replies[1].startswith("You won't get promotions from us any more.")
    live.settle()
    assert len(live.graph.sent()) == 2


def test_transient_graph_errors_are_retried_and_sent_once(live, monkeypatch):
    monkeypatch.setattr("jobs.outbox.RETRY_SECONDS", [1, 1, 1, 1, 1])
    live.graph.fail_next(2, code=131000, http_status=500)
    live.say(ADMIN, "/task list")
    assert live.replies_to(ADMIN, timeout=60) == ["No open tasks."]
    live.settle()  # the Graph server logs the send before the sender records its answer
    row = OutboundMessage.get()
    assert (row.state, row.attempts) == ("sent", 3)


def test_outside_window_is_not_retried(live):
    live.graph.fail_next(1, code=131047, http_status=400)
    live.say(ADMIN, "/task list")
    live.settle()
    row = OutboundMessage.get()
    assert (row.state, row.error_code, row.attempts) == ("failed", 131047, 1)
    assert live.graph.sent() == []


def test_status_webhooks_move_the_outbound_row_forward(live):
    live.say(ADMIN, "/task list")
    live.replies_to(ADMIN)
    live.settle()
    row = OutboundMessage.get()
    for state in ("read", "delivered"):  # Meta may send read before delivered
        body = {
            "object": "whatsapp_business_account",
            "entry": [
                {
                    "id": "1",
                    "changes": [
                        {
                            "field": "messages",
                            "value": {
                                "messaging_product": "whatsapp",
                                "statuses": [
                                    {
                                        "id": row.wamid,
                                        "status": state,
                                        "timestamp": "1767225600",
                                        "recipient_id": ADMIN,
                                    }
                                ],
                            },
                        }
                    ],
                }
            ],
        }
        assert live.post(body).status_code == 200
    row = OutboundMessage.get_by_id(row.id)
    assert row.state == "read" and row.delivered_at is not None and row.read_at is not None


def test_unique_wamids_each_processed(live):
    for n in range(5):
        live.say(ADMIN, "/task list", wamid=f"wamid.many.{n}.{uuid.uuid4().hex}")
    assert len(live.replies_to(ADMIN, 5)) == 5


def test_a_flood_from_one_phone_gets_one_slow_down_then_silence(live, monkeypatch):
    wired = runtime.current()
    monkeypatch.setattr(wired, "settings", dataclasses.replace(wired.settings, sender_limit=2))
    # The five messages are counted in one minute however long they take to handle.
    monkeypatch.setattr(inbound, "counting_minute", lambda: 29_000_000)
    for _ in range(5):
        live.say(ADMIN, "/task list")
    live.settle()
    assert sorted(live.replies_to(ADMIN, 3)) == sorted(
        ["No open tasks."] * 2 + [reply("slow_down")]
    )
    assert len(live.graph.sent()) == 3
    assert InboundMessage.select().where(InboundMessage.state == "ignored").count() == 2


def test_a_notice_outside_the_window_is_reported_to_whoever_sent_it(live):
    StaffMember.create(phone=SITI, name="Siti", role="agent")
    live.say(ADMIN, "/agent task: Setup booth\nfor: Siti\ndue: tomorrow")
    live.replies_to(ADMIN)
    live.settle()  # the first notice to Siti went out: the failure below is the second one's
    # Siti has not written in 24 hours; only her notice is refused, whichever send goes first.
    live.graph.refuse(SITI, code=131047, message="Re-engagement message")
    live.say(ADMIN, "/agent task: Pack hampers\nfor: Siti\ndue: tomorrow")
    texts = live.replies_to(ADMIN, 3)
    live.settle()
    failed = OutboundMessage.get(OutboundMessage.state == "failed")
    assert (failed.to, failed.error_code) == (SITI, 131047)
    # The report and the second reply race to the Graph server: either may arrive first.
    (report,) = [text for text in texts[1:] if text.startswith("I couldn't deliver")]
    assert report.startswith("I couldn't deliver your message to 60*****")
    assert "haven't written to us in the last 24 hours" in report


def test_a_send_whose_answer_never_came_is_settled_by_the_status_not_sent_again(live):
    from tests.conftest import SECRET, TOKEN, wait_until
    from whatsapp.cloud import CloudTransport

    wired = runtime.current()
    before = wired.transport
    wired.transport = CloudTransport(
        TOKEN, live.settings.phone_number_id, api_base=live.graph.base_url, timeout=1.0
    )
    try:
        live.graph.send_statuses_to(f"{live.url}/webhooks/whatsapp", SECRET)
        live.graph.stall_next(1, seconds=6.0)  # answered after a retry would have gone out
        live.say(ADMIN, "/task list")
        wait_until(
            lambda: OutboundMessage.select().where(OutboundMessage.state == "sending").exists()
        )
        wait_until(lambda: OutboundMessage.get().state == "delivered", timeout=20)
    finally:
        wired.transport = before
    row = OutboundMessage.get()
    # One claim, one POST: a delivered row is never claimed again, so nothing is left to wait for.
    assert (row.attempts, row.wamid is not None) == (1, True)
    assert (len(live.graph.requests), live.graph.successes()) == (1, 1)
