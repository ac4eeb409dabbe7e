"""/draw CODE redraw: N — draw again for prizes not collected, among entries that have not won."""

from __future__ import annotations

from domain.campaigns import entries
from models import Campaign, Draw, Entry, utcnow
from wocs import confirmations
from wocs.audit import audit
from wocs.context import CommandError, Context, Result
from wocs.draw import DRAWN_STATES


def uncollected(draw: Draw) -> list[dict]:
    """The winners whose prize is still to collect (and not already given up to a redraw)."""
    standing = [w for w in draw.winners if "forfeited" not in w]
    claimed = {
        e.id
        for e in Entry.select(Entry.id).where(
            Entry.id.in_([w["entry"] for w in standing]), Entry.claimed_at.is_null(False)
        )
    }
    return [w for w in standing if w["entry"] not in claimed]


def last_round(draw: Draw) -> int:
    """The round the draw's latest pick was fixed to: a redraw must take a later one."""
    return int(draw.redraws[-1]["round"] if draw.redraws else draw.beacon_round or 0)


def ask_or_redraw(
    ctx: Context, campaign: Campaign, draw: Draw, count: int, operator: bool
) -> Result:
    """Ask, then fix a new round and queue the redraw of `count` uncollected prizes.

    The first `count` uncollected prizes in prize order are given up; new winners come from
    the entries that have not won, decided by the first round after now plus the margin.
    """
    if draw.state not in DRAWN_STATES:
        raise CommandError(
            f"{campaign.code} has not been drawn yet, so there is nothing to redraw."
        )
    waiting = uncollected(draw)
    left = draw.entry_count - len(draw.winners)
    if not waiting:
        raise CommandError(f"Every prize of {campaign.code} has been collected: nothing to redraw.")
    if not 1 <= count <= len(waiting):
        raise CommandError(
            f"redraw: from 1 to {len(waiting)}, the prizes of {campaign.code} not collected."
        )
    if count > left:
        raise CommandError(
            f"{campaign.code} has only {entries(left)} that have not won, so {count} cannot be "
            "redrawn."
        )
    given_up = [w["ticket"] for w in waiting[:count]]
    facts = {"redraw": count, "given_up": given_up, "operator": operator}
    if not confirmations.confirmed(ctx, facts):
        question = (
            f"Redraw {count} prize(s) of {campaign.code}? Ticket(s) {', '.join(given_up)} have "
            "not collected their prize and lose it. New winners are drawn among the "
            f"{entries(left)} that have not won, decided by the first drand round after you "
            "confirm (plus the margin), and told at once."
            + (" OPERATOR-ONLY: no beacon randomness will be used." if operator else "")
        )
        params = {"code": campaign.code, "redraw": count, "mode": "operator" if operator else ""}
        return confirmations.ask(ctx, "draw", params, facts, question)
    number = len(draw.redraws) + 1
    asked_at = utcnow().replace(microsecond=0)
    draw.redraws = [
        *draw.redraws,
        {
            "number": number,
            "requested_at": asked_at.isoformat() + "Z",
            "round": ctx.beacon.round_after(asked_at, last_round(draw)),
            "margin_seconds": ctx.beacon.margin,
            "chain_hash": ctx.beacon.chain_hash,
            "count": count,
            "given_up": given_up,
            "source": "operator" if operator else "beacon",
            "randomness": "",
            "signature": "",
        },
    ]
    draw.winners = [
        {**w, "forfeited": number} if w["ticket"] in given_up and "forfeited" not in w else w
        for w in draw.winners
    ]
    draw.state, draw.requested_by = "redrawing", ctx.phone
    draw.save()
    audit(
        ctx,
        "draw.redraw.request",
        f"campaign:{campaign.code}",
        None,
        {"redraw": number, "given_up": given_up, "round": draw.redraws[-1]["round"]},
    )
    ctx.later("jobs.draws.run_draw", draw.id)
    return Result(
        f"Redrawing {count} prize(s) of {campaign.code} (redraw {number}) among "
        f"{entries(left)} that have not won; decided by drand round {draw.redraws[-1]['round']}.",
        entity=f"campaign:{campaign.code}",
    )
