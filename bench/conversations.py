"""Conversations on the production stack: a customer's message to the agent's phone, and back.

Production stack as `bench/round_trip.py --during-broadcast` runs it: gunicorn (2 sync workers)
on MariaDB + Redis, two `python bot.py worker` processes, the Graph API test server answering
each send after 100–300 ms and posting signed statuses back. Four agents are on duty. Customers
write at half the conversation rate (open loop); each forward that reaches an agent's phone is
quote-replied by that agent a second later (an agent reads before answering), so the two
directions together make the conversation rate. `/task list` commands from the admin run at
their own rate alongside (bench/round_trip.py's), and their round trip is the reference.

Measured, from each message's post to its copy reaching the Graph server: a customer's message
forwarded to the agent, and an agent's quote-reply delivered to the customer; the same again
while a broadcast sends a template to `--broadcast` entrants.

Run: python bench/conversations.py [--rate 20] [--commands 20] [--seconds 30] [--broadcast 10000]
(BENCH_STACK_DATABASE_URL and BENCH_STACK_REDIS_URL name a database and Redis db it may empty.)
Prints one figure per line; exits 1 if a message was forwarded or delivered other than once,
or a p99 is 1 s or more.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import re
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import models
from bench import broadcast, round_trip
from bench.lib import percentile, production_stack, send
from models import StaffMember
from whatsapp.graph_test_server import GraphTestServer

AGENTS = [f"6011100000{n}" for n in range(4)]
CUSTOMERS = 200  # distinct customers; each writes again once their first question is answered
THINK = 1.0  # seconds an agent takes to answer after the forward reaches their phone
GOAL = 1.0  # p99 target, seconds, both ways
WAIT = 120.0  # seconds to wait for the last answers after the load


def seed_team() -> None:
    """The agents, on duty (written directly, as /admin add and /duty on would leave them)."""
    models.init_db(round_trip.DATABASE_URL)
    StaffMember.insert_many(
        [
            {"phone": p, "name": f"Agent {n}", "role": "agent", "on_duty": True}
            for n, p in enumerate(AGENTS)
        ]
    ).execute()


def customer(n: int) -> str:
    """The phone of the customer who writes question `n`."""
    return f"6013{n % CUSTOMERS:07d}"


@dataclass
class Flow:
    """When each question and answer of a phase was posted (wall clock), and the webhook's answers."""

    prefix: str
    asked: dict[str, float] = field(default_factory=dict)  # question tag → posted at
    answered: dict[str, float] = field(default_factory=dict)  # answer text → posted at
    statuses: list[int] = field(default_factory=list)


class Forwards:
    """The forwards of one phase's questions as they are accepted, scanning new requests only."""

    def __init__(self, graph: GraphTestServer, prefix: str) -> None:
        self.graph, self.tag = graph, re.compile(rf"({prefix} question \d+)")
        self.seen, self.waiting = 0, []  # requests scanned; forwards not answered by Graph yet

    def accepted(self) -> list[tuple[str, dict]]:
        """(question tag, Graph request) of the forwards accepted since the last call."""
        fresh = self.graph.requests[self.seen :]
        self.seen += len(fresh)
        for r in fresh:
            body = r["body"] or {}
            text = body.get("text", {}).get("body", "") if body.get("type") == "text" else ""
            if text.startswith("💬") and (hit := self.tag.search(text)):
                self.waiting.append((hit[1], r))
        done = [(q, r) for q, r in self.waiting if r["wamid"]]
        # A refused send never gets a wamid (its retry is a new request): dropped after a minute.
        self.waiting = [
            (q, r) for q, r in self.waiting if not r["wamid"] and r["at"] > time.time() - 60
        ]
        return done


async def _converse(port: int, graph: GraphTestServer, rate: float, seconds: float, flow: Flow):
    """Customers ask at rate/2; each forward is quote-replied by its agent THINK s after it lands."""
    wall = time.time() - time.perf_counter()  # perf_counter → wall clock, as the Graph server's
    asking, start = rate / 2, time.perf_counter() + 0.05
    count, posts, replied = int(asking * seconds), [], set()

    def post(payload: bytes, at: float) -> float:
        posts.append(asyncio.create_task(_post_at(port, payload, at, flow)))
        return at + wall

    forwards = Forwards(graph, flow.prefix)

    async def answer_forwards() -> None:
        while len(replied) < count and time.perf_counter() < start + seconds + WAIT:
            for question, r in forwards.accepted():
                if question in replied:
                    continue
                replied.add(question)
                text = question.replace("question", "answer")
                agent = r["body"]["to"].lstrip("+")
                wamid = f"wamid.{text.replace(' ', '.')}"
                payload = round_trip.command_request(text, wamid, agent, r["wamid"])
                flow.answered[text] = post(
                    payload, max(time.perf_counter(), r["at"] - wall + THINK)
                )
            await asyncio.sleep(0.05)

    answering = asyncio.create_task(answer_forwards())
    for n in range(count):
        at = start + n / asking
        await asyncio.sleep(max(0.0, at - time.perf_counter()))
        question = f"{flow.prefix} question {n}"
        wamid = f"wamid.{flow.prefix}.q{n}"
        text = f"{question}: do you deliver to Shah Alam?"
        flow.asked[question] = post(round_trip.command_request(text, wamid, customer(n)), at)
    await answering
    await asyncio.gather(*posts)


async def _post_at(port: int, payload: bytes, at: float, flow: Flow) -> None:
    await asyncio.sleep(max(0.0, at - time.perf_counter()))
    status, _ = await send(port, payload, at, 10.0)
    flow.statuses.append(status)


def phase(port: int, graph: GraphTestServer, args: argparse.Namespace, prefix: str) -> dict:
    """Conversations and commands at once for `args.seconds`; the phase's figures."""
    flow = Flow(prefix)
    done: dict[str, round_trip.Phase] = {}
    alongside = threading.Thread(
        target=lambda: done.update(
            c=round_trip.commands(port, graph, args.commands, args.seconds, f"{prefix}c")
        )
    )
    alongside.start()
    asyncio.run(_converse(port, graph, args.rate, args.seconds, flow))
    alongside.join()
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline and len(_delivered(graph, flow)) < len(flow.answered):
        time.sleep(0.5)
    time.sleep(2)  # late duplicates, if any, are counted
    return _figures(graph, flow, done["c"])


def _delivered(graph: GraphTestServer, flow: Flow) -> list[tuple[str, float]]:
    """(answer text, arrival) of every accepted send of this phase's answers to a customer."""
    return [
        (r["body"]["text"]["body"], r["at"])
        for r in list(graph.requests)
        if r["wamid"]
        and (r["body"] or {}).get("type") == "text"
        and r["body"]["text"]["body"] in flow.answered
    ]


def _figures(graph: GraphTestServer, flow: Flow, commands: round_trip.Phase) -> dict:
    forwards = collections.defaultdict(list)
    for question, r in Forwards(graph, flow.prefix).accepted():
        forwards[question].append(r["at"])
    deliveries = collections.defaultdict(list)
    for text, at in _delivered(graph, flow):
        deliveries[text].append(at)
    forward = [min(forwards[q]) - flow.asked[q] for q in flow.asked if forwards[q]]
    back = [min(deliveries[a]) - flow.answered[a] for a in flow.answered if deliveries[a]]
    once = all(len(forwards[q]) == 1 for q in flow.asked) and all(
        len(deliveries[a]) == 1 for a in flow.answered
    )
    figures = {
        "customer_messages": len(flow.asked),
        "forwarded": len(forward),
        "agent_quote_replies": len(flow.answered),
        "delivered": len(back),
        "webhook_200": f"{flow.statuses.count(200)} of {len(flow.statuses)}",
        "check_exactly_once": "ok" if once and len(back) == len(flow.asked) else "FAILED",
    }
    for name, values in (("forward", forward), ("reply", back), ("command", commands.latencies)):
        for label, pct in (("p50", 50), ("p99", 99), ("max", 100)):
            figures[f"{name}_{label}_ms"] = round(percentile(values, pct) * 1000, 1)
    figures["commands"] = f"{len(commands.latencies)} of {commands.count} answered"
    return figures


def _met(figures: dict) -> bool:
    return (
        figures["check_exactly_once"] == "ok"
        and figures["forward_p99_ms"] < GOAL * 1000
        and figures["reply_p99_ms"] < GOAL * 1000
    )


def main() -> None:
    """Run the stack; conversations with commands alongside, then again during a broadcast."""
    options = argparse.ArgumentParser()
    options.add_argument("--rate", type=float, default=20.0, help="conversation messages a second")
    options.add_argument("--commands", type=float, default=20.0, help="commands a second")
    options.add_argument("--seconds", type=float, default=30.0)
    options.add_argument("--broadcast", type=int, default=10_000, help="0: no broadcast phase")
    options.add_argument("--workers", type=int, default=2, help="`bot.py worker` processes")
    options.add_argument("--latency-ms", default="100-300", help="Graph answer time, LOW-HIGH")
    args = options.parse_args()
    round_trip.fresh_database()
    log = Path(tempfile.gettempdir()) / "wocs-bench-conversations.log"
    latency = round_trip.latency_range(args.latency_ms)
    with GraphTestServer(token=round_trip.TOKEN, latency=latency) as graph:
        env = round_trip.stack_env(graph)
        with production_stack(env, log, workers=args.workers) as (port, _, _):
            seed_team()
            broadcast.post_statuses(graph, port)
            print(f"workers: {args.workers}")
            print(f"graph_latency_ms: {args.latency_ms}")
            print(f"agents_on_duty: {len(AGENTS)}, customers: {CUSTOMERS}")
            phases = [("alone", phase(port, graph, args, "cv"))]
            if args.broadcast:
                sending = broadcast.start(port, args.broadcast)
                deadline = time.monotonic() + 120
                while not broadcast.template_sends(graph) and time.monotonic() < deadline:
                    time.sleep(0.2)  # the load starts once the broadcast is sending
                phases.append(("during_broadcast", phase(port, graph, args, "cvb")))
                still = len(broadcast.template_sends(graph)) < args.broadcast
                broadcast.wait_until_sent(graph, sending)
                lines, _ = broadcast.figures(graph, sending, 80)
    for name, figures in phases:
        for key, value in figures.items():
            print(f"{name}_{key}: {value}")
    if args.broadcast:
        print(f"broadcast_still_sending_after_the_phase: {'yes' if still else 'no'}")
        print("\n".join(f"broadcast_{line}" for line in lines))
    sys.exit(0 if all(_met(figures) for _, figures in phases) else 1)


if __name__ == "__main__":
    main()
