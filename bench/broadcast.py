"""Broadcast throughput: a template to a campaign's 10,000 entrants through the production stack.

Production stack: gunicorn (2 sync workers) on MariaDB + Redis, `--workers` × `python bot.py
worker`, and the Graph API test server standing in for Meta: it answers each send after
100–300 ms and posts signed `sent` and `delivered` statuses back, as Meta does. The admin posts
`/broadcast`; the figures come from what the Graph server received and the broadcast's row.

Run: python bench/broadcast.py [--recipients 10000] [--mps 80] [--workers 2]
Prints one figure per line; exits 1 if a recipient got the template other than once, the
broadcast's own counts are off, or more sends than WHATSAPP_MPS reached Meta in some second.
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import models
from bench.lib import open_loop, production_stack
from bench.round_trip import (
    ADMIN,
    DATABASE_URL,
    SECRET,
    TOKEN,
    command_request,
    fresh_database,
    latency_range,
    stack_env,
)
from jobs.ratelimit import BULK_SHARE
from models import Broadcast, Campaign, Entry, WocsConfirmation, utcnow
from whatsapp.graph_test_server import GraphTestServer
from wocs import message_templates as templates

CODE, TEMPLATE = "BENCH26", "campaign_reminder"
PROGRESS_MARKS = ("📣", "✅")  # how the broadcast's start, quarter and done messages begin
STALL_SECONDS = 60.0  # no new recipient for this long: the broadcast is stuck


def post_statuses(graph: GraphTestServer, port: int) -> None:
    """Have the Graph stand-in post `sent` and `delivered` for each send, as Meta does."""
    graph.send_statuses_to(f"http://127.0.0.1:{port}/webhooks/whatsapp", SECRET)


@dataclass
class Sending:
    """A broadcast the admin asked for: who should get it and when it was asked."""

    phones: list[str]
    posted_at: float  # wall clock, as the Graph server's times


def seed(recipients: int) -> list[str]:
    """A campaign with `recipients` entrants and its template approved, written directly."""
    models.init_db(DATABASE_URL)
    now = utcnow()
    campaign = Campaign.create(
        code=CODE, prize="Hamper", start_at=now - dt.timedelta(days=1), end_at=now
    )
    phones = [f"6019{n:07d}" for n in range(recipients)]
    for first in range(0, recipients, 1000):
        Entry.insert_many(
            [{"campaign": campaign, "phone": p, "ticket": p[-8:]} for p in phones[first:][:1000]]
        ).execute()
    templates.sync()
    templates.record_status(TEMPLATE, "en", "APPROVED")  # what Meta's approval webhook does
    return phones


def _post(port: int, text: str, wamid: str) -> None:
    result = open_loop(port, [command_request(text, wamid)], rate=1)
    if result.statuses != [200]:
        raise RuntimeError(f"the {text.split()[0]} webhook was answered {result.statuses}")


def start(port: int, recipients: int, timeout: float = 60.0) -> Sending:
    """Seed the campaign and post the admin's `/broadcast` through the webhook, then the admin's
    /confirm: a broadcast this big asks first (the question's round trip counts in the time)."""
    phones = seed(recipients)
    posted_at = time.time()
    _post(
        port,
        f"/broadcast campaign: {CODE} template: {TEMPLATE} vars: {CODE}; 20 Jan",
        "wamid.bc.start",
    )
    asked = WocsConfirmation.select().where(WocsConfirmation.state == "pending")
    deadline = time.monotonic() + timeout
    while not asked.exists():
        if time.monotonic() > deadline:
            raise RuntimeError(f"the /broadcast was not asked about within {timeout:.0f} s")
        time.sleep(0.05)
    _post(port, "/confirm", "wamid.bc.confirm")
    return Sending(phones, posted_at)


def template_sends(graph: GraphTestServer) -> list[tuple[float, str]]:
    """(arrival time, recipient) of every template send the Graph server accepted."""
    return [
        (r["at"], r["body"]["to"].lstrip("+"))
        for r in list(graph.requests)
        if r["wamid"] and r["body"].get("type") == "template"
    ]


def progress(graph: GraphTestServer) -> list[tuple[float, str]]:
    """(arrival time, text) of the progress messages sent to the admin."""
    return [
        (r["at"], r["body"]["text"]["body"])
        for r in list(graph.requests)
        if r["wamid"]
        and r["body"].get("type") == "text"
        and r["body"]["to"].lstrip("+") == ADMIN
        and r["body"]["text"]["body"].startswith(PROGRESS_MARKS)
    ]


def wait_until_sent(graph: GraphTestServer, sending: Sending) -> None:
    """Wait until every recipient has the template and the closing message went out."""
    reached, last_change = 0, time.monotonic()
    while reached < len(sending.phones):
        time.sleep(0.5)
        now = len({to for _, to in template_sends(graph)})
        if now != reached:
            reached, last_change = now, time.monotonic()
        elif time.monotonic() - last_change > STALL_SECONDS:
            return  # stuck: the figures say who is missing
    deadline = time.monotonic() + 30
    while not any(t.startswith("✅") for _, t in progress(graph)) and time.monotonic() < deadline:
        time.sleep(0.5)


def busiest_second(times: list[float]) -> int:
    """The most arrivals in any one-second window."""
    ordered, most, first = sorted(times), 0, 0
    for last, moment in enumerate(ordered):
        while moment - ordered[first] >= 1.0:
            first += 1
        most = max(most, last - first + 1)
    return most


def per_second(times: list[float]) -> list[int]:
    """Arrivals in each whole second from the first one (the last, partial second left out)."""
    start = min(times)
    counts = collections.Counter(int(t - start) for t in times)
    return [counts[n] for n in range(int(max(times) - start))] or [len(times)]


def figures(graph: GraphTestServer, sending: Sending, mps: int) -> tuple[list[str], bool]:
    """The broadcast's figure lines, and whether every check passed."""
    sends = template_sends(graph)
    times = [at for at, _ in sends]
    got = collections.Counter(to for _, to in sends)
    missing = len(set(sending.phones) - set(got))
    twice = sum(1 for n in got.values() if n > 1)
    all_sends = [r["at"] for r in list(graph.requests)]  # replies and progress count too
    busiest = busiest_second(all_sends)
    once = not missing and not twice and set(got) == set(sending.phones)
    told = progress(graph)
    row = Broadcast.get()  # the counts its progress messages are built from
    counted = (row.state, row.sent, row.failed) == ("done", len(sending.phones), 0)
    lines = [
        f"recipients: {len(sending.phones)}",
        f"template_sends: {len(sends)}",
        f"check_exactly_once: {'ok' if once else 'FAILED'} (missing={missing} twice={twice})",
        f"check_counts: {'ok' if counted else 'FAILED'} ({row.state}, {row.sent} sent, "
        f"{row.failed} failed)",
    ]
    if times:
        seconds = per_second(times)
        span = max(times) - min(times)
        lines += [
            f"first_send_after_s: {min(times) - sending.posted_at:.1f}",
            f"total_s: {max(times) - sending.posted_at:.1f}",
            f"mean_send_rate_per_s: {len(sends) / span if span else len(sends):.1f}",
            f"cap_per_s: {mps} (bulk share {int(mps * BULK_SHARE)})",
            f"busiest_second: {busiest}",
            f"check_cap: {'ok' if busiest <= mps else 'FAILED'}",
            f"sends_per_second_min: {min(seconds)}",
            f"sends_per_second_median: {statistics.median(seconds):g}",
            f"sends_per_second_max: {max(seconds)}",
        ]
    lines += [
        f"progress_messages: {len(told)}",
        "progress_at_s: " + ", ".join(f"{at - sending.posted_at:.1f}" for at, _ in told),
    ]
    return lines, once and counted and busiest <= mps


def main() -> None:
    """Run the stack, broadcast to a campaign's entrants, report pace, cap and completeness."""
    options = argparse.ArgumentParser()
    options.add_argument("--recipients", type=int, default=10_000)
    options.add_argument("--mps", type=int, default=80, help="WHATSAPP_MPS")
    options.add_argument("--workers", type=int, default=2, help="`bot.py worker` processes")
    options.add_argument("--latency-ms", default="100-300", help="Graph answer time, LOW-HIGH")
    args = options.parse_args()
    fresh_database()
    log = Path(tempfile.gettempdir()) / "wocs-bench-broadcast.log"
    with (
        GraphTestServer(token=TOKEN, latency=latency_range(args.latency_ms)) as graph,
        production_stack(stack_env(graph, args.mps), log, workers=args.workers) as (port, _, _),
    ):
        post_statuses(graph, port)
        sending = start(port, args.recipients)
        wait_until_sent(graph, sending)
        lines, passed = figures(graph, sending, args.mps)
    print(f"workers: {args.workers}")
    print(f"graph_latency_ms: {args.latency_ms}")
    print("\n".join(lines))
    sys.exit(0 if passed else 1)


if __name__ == "__main__":
    main()
