"""Drill: a draw while the drand relay is down and the worker is killed; it runs once, on its round.

Customers join a campaign; the admin asks for the draw and confirms it with the relay down. The
worker is killed (SIGKILL) and restarted while the draw waits, the relay stays down for
`--outage` seconds, then comes back. Afterwards the drill checks the database and the Graph
server: the draw ran once, with the round fixed when the entries froze and that round's
recorded randomness; each winner and the admin were told once; the admin heard of the outage.

Run: python bench/drills/draw_beacon.py [--entries 50] [--outage 60]
Prints one figure per line; exits 1 when a check fails.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.drills import harness
from wocs.drand_rounds import RECORDED

CODE = "DRILL26"


def _say(stack: harness.Stack, phone: str, text: str, tag: str) -> None:
    """Post one signed message from `phone`."""
    command = harness.Command(f"wamid.drawdrill.{tag}", text)
    stack.post(harness.requests_for([command], phone), rate=100)


def _draw_row(stack: harness.Stack) -> tuple:
    found = stack.rows(
        "SELECT d.state, d.beacon_round, d.beacon_randomness, d.entry_count, d.source"
        " FROM draw d JOIN campaign c ON d.campaign_id = c.id WHERE c.code = %s",
        CODE,
    )
    return found[0] if found else ("missing", None, "", 0, "")


def _texts(stack: harness.Stack, part: str) -> list[str]:
    return [
        body["text"]["body"]
        for body in stack.graph.sent()
        if part in body.get("text", {}).get("body", "")
    ]


def run(stack: harness.Stack, entries: int, outage: float, timeout: float = 180.0) -> dict:
    """Draw with the relay down for `outage` seconds and one worker kill; return the figures."""
    _say(stack, harness.ADMIN, f"/campaign create code: {CODE} prize: Drill hamper "
         "start: today end: 2030-12-31", "create")  # fmt: skip
    harness.until(lambda: _draw_row(stack)[0] == "committed", timeout)
    for n in range(entries):
        _say(stack, f"6017{n:07d}", f"JOIN {CODE}", f"join{n}")
    harness.until(
        lambda: len(_texts(stack, f"You're in the {CODE} lucky draw")) >= entries, timeout
    )
    stack.drand.down = True
    down_at = time.monotonic()
    _say(stack, harness.ADMIN, f"/draw {CODE} winners: 3", "draw")
    harness.until(lambda: _texts(stack, f"Draw 3 winner(s) for {CODE}") or _texts(stack, "still open"),
          timeout)  # fmt: skip
    _say(stack, harness.ADMIN, "/confirm", "confirm")
    queued = harness.until(lambda: _draw_row(stack)[0] == "queued", timeout)
    fixed = _draw_row(stack)[1]
    told = harness.until(
        lambda: bool(_texts(stack, "cannot be fetched or verified right now")), timeout
    )
    stack.workers.kill_and_restart()  # while the draw waits for the relay
    time.sleep(max(0.0, outage - (time.monotonic() - down_at)))
    stack.drand.down = False
    up_at = time.monotonic()
    drawn = harness.until(lambda: _draw_row(stack)[0] == "drawn", timeout)
    seconds_to_draw = time.monotonic() - up_at
    time.sleep(3)  # late duplicates, if any, are counted
    state, number, randomness, count, source = _draw_row(stack)
    runs = stack.rows("SELECT COUNT(*) FROM audit_log WHERE action = 'draw.run'")[0][0]
    figures = {
        "entries": count,
        "outage_seconds": outage,
        "worker_kills": 1,
        "draw_queued": int(queued),
        "admin_told_of_outage": len(_texts(stack, "cannot be fetched or verified right now")),
        "draw_state": state,
        "draw_runs": runs,
        "fixed_round": fixed,
        "drawn_round": number,
        "randomness_is_recorded_round": int(bool(number) and randomness == RECORDED[number][1]),
        "winner_messages": len(_texts(stack, f"You won Drill hamper in our {CODE}")),
        "result_messages": len(_texts(stack, f"{CODE} draw among")),
        "seconds_to_draw_after_relay_back": round(seconds_to_draw, 1),
    }
    checks = (
        queued and told and drawn,
        runs == 1 and source == "beacon" and number == fixed,
        figures["randomness_is_recorded_round"] == 1,
        figures["winner_messages"] == 3 and figures["result_messages"] == 1,
        figures["admin_told_of_outage"] == 1,
    )
    figures["drill"] = "passed" if all(checks) else "FAILED"
    return figures


def main() -> int:
    """Run the drill from the command line and print what it found."""
    options = argparse.ArgumentParser()
    options.add_argument("--entries", type=int, default=50)
    options.add_argument("--outage", type=float, default=60.0)
    args = options.parse_args()
    with harness.drill_stack("draw-beacon") as stack:
        figures = run(stack, args.entries, args.outage)
    return harness.report(figures)


if __name__ == "__main__":
    sys.exit(main())
