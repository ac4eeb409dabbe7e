"""Conversation traffic for the drills: customers' messages to agents on duty, quote-replies back.

Each customer message must be forwarded to an agent's phone exactly once, and each agent's
quote-reply to that forward delivered to the customer exactly once, whatever the drill breaks.
"""

from __future__ import annotations

import collections
import time
from collections.abc import Sequence

from bench.drills.harness import SENT, Command, Stack, signed_body, signed_request

AGENTS = [f"6011100000{n}" for n in range(4)]
ONCE = ("forwarded_once", "forwards_sent_once", "answers_delivered_once")
NEVER = ("forwarded_twice", "forwards_sent_twice", "answers_delivered_twice")


def seed_agents(stack: Stack) -> None:
    """Four agents on duty (rows as /admin add and /duty on leave them)."""
    for n, phone in enumerate(AGENTS):
        stack.rows(
            "INSERT IGNORE INTO wocs_user (phone, name, nickname, role, active, on_duty, created_at)"
            " VALUES (%s, %s, '', 'agent', 1, 1, NOW())",
            phone,
            f"Agent {n}",
        )


def stand_down(stack: Stack) -> None:
    """The agents off duty again, so that later drills on the stack meet no conversations."""
    stack.rows("UPDATE wocs_user SET on_duty = 0 WHERE phone LIKE '601110000%%'")


def customer_phone(n: int) -> str:
    """The phone of the customer who writes message `n`."""
    return f"6013{n:07d}"


def questions(drill: str, count: int) -> list[Command]:
    """`count` customer messages, each from its own customer (so each opens a conversation)."""
    return [
        Command(f"wamid.{drill}.q{n}", f"{drill} question {n}: do you deliver?")
        for n in range(count)
    ]


def question_requests(asked: Sequence[Command]) -> list[bytes]:
    """The signed webhook requests that deliver each question from its customer."""
    return [signed_request(signed_body(c, customer_phone(n))) for n, c in enumerate(asked)]


def _forwards(stack: Stack) -> dict[str, list[tuple[int, str, str, str]]]:
    """Per customer message (wamid): its forward rows (outbox id, to, state, wamid)."""
    rows = stack.rows(
        "SELECT i.wamid, o.id, o.`to`, o.state, o.wamid FROM outbound_message o"
        " JOIN conversation_message m ON o.idempotency_key = CONCAT('forward:', m.id)"
        " JOIN inbound_message i ON m.inbound_id = i.id"
    )
    found = collections.defaultdict(list)
    for wamid, oid, to, state, sent_as in rows:
        found[wamid].append((oid, to, state, sent_as))
    return found


def drain_forwards(stack: Stack, asked: Sequence[Command], timeout: float) -> float:
    """Wait until every question's forward was accepted by Graph; the seconds waited."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        found = _forwards(stack)
        if all(any(f[2] in SENT for f in found[c.wamid]) for c in asked):
            break
        time.sleep(0.5)
    return time.monotonic() - started


def answers(stack: Stack, asked: Sequence[Command]) -> tuple[list[Command], list[bytes]]:
    """Each agent's quote-reply to the forward they got of each question, and its request."""
    found, replies, requests = _forwards(stack), [], []
    for c in asked:
        sent = [f for f in found[c.wamid] if f[3]]
        if not sent:
            continue  # not forwarded: verify counts it
        _, agent, _, forward_wamid = sent[0]
        reply = Command(
            c.wamid.replace(".q", ".a"), c.text.split(":")[0].replace("question", "answer")
        )
        replies.append(reply)
        body = signed_body(reply, agent, quoting=forward_wamid)
        requests.append(signed_request(body))
    return replies, requests


def _deliveries(stack: Stack) -> dict[str, list[tuple[str, str]]]:
    """Per agent quote-reply (wamid): the outbox rows sending it to a customer (ref, state)."""
    rows = stack.rows(
        "SELECT i.wamid, o.id, o.state FROM outbound_message o"
        " JOIN inbound_message i ON o.inbound_id = i.id WHERE o.idempotency_key LIKE 'notice:%%'"
        " AND o.`to` LIKE '6013%%'"
    )
    found = collections.defaultdict(list)
    for wamid, oid, state in rows:
        found[wamid].append((f"ob:{oid}", state))
    return found


def drain_answers(stack: Stack, answered: Sequence[Command], timeout: float) -> float:
    """Wait until every quote-reply reached its customer through Graph; the seconds waited."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        found = _deliveries(stack)
        if all(any(state in SENT for _, state in found[c.wamid]) for c in answered):
            break
        time.sleep(0.5)
    return time.monotonic() - started


def verify(stack: Stack, asked: Sequence[Command], answered: Sequence[Command]) -> dict[str, int]:
    """Per question: forward rows and accepted sends; per quote-reply: accepted sends to the customer."""
    forwards, deliveries = _forwards(stack), _deliveries(stack)
    sent = [r["body"] for r in stack.graph.requests if r["wamid"] and r["body"] is not None]
    sends = collections.Counter(body.get("biz_opaque_callback_data") for body in sent)
    forward_sends = [sum(sends[f"ob:{f[0]}"] for f in forwards[c.wamid]) for c in asked]
    answer_sends = [sum(sends[ref] for ref, _ in deliveries[c.wamid]) for c in answered]
    return {
        "customer_messages": len(asked),
        "forwarded_once": sum(len(forwards[c.wamid]) == 1 for c in asked),
        "forwarded_twice": sum(max(0, len(forwards[c.wamid]) - 1) for c in asked),
        "forwards_sent_once": sum(n == 1 for n in forward_sends),
        "forwards_sent_twice": sum(max(0, n - 1) for n in forward_sends),
        "agent_quote_replies": len(answered),
        "answers_delivered_once": sum(n == 1 for n in answer_sends),
        "answers_delivered_twice": sum(max(0, n - 1) for n in answer_sends),
    }


def passed(figures: dict) -> bool:
    """Every question forwarded and sent once, every quote-reply delivered once; none twice."""
    wanted = figures["customer_messages"]
    return (
        figures["agent_quote_replies"] == wanted
        and all(figures[name] == wanted for name in ONCE)
        and not any(figures[name] for name in NEVER)
    )
