"""/draw: the admin confirms; an open campaign is closed first, a stuck beacon may be overridden."""

from __future__ import annotations

from commands import redraws
from commands.campaigns import CODE, find
from domain.campaigns import PENDING, entries, freeze, locked_draw, waiting_for
from models import Campaign, Draw, utcnow
from wocs import confirmations
from wocs.audit import audit
from wocs.context import CommandError, Context, Result
from wocs.draw import DRAWN_STATES
from wocs.flags import flag
from wocs.registry import Arg, Key, command, family_alias
from wocs.types import INT, choice

family_alias("draw", "cabutan")

MAX_WINNERS = 100  # one draw's prizes: each winner gets a message


def _draw_question(
    campaign: Campaign, draw: Draw, asked: int, count: int, changed: bool, operator: bool
) -> str:
    """What the admin is asked before the draw runs; `changed`: the entries moved meanwhile."""
    prizes = min(asked, count)
    lines = [f"The entries changed since you were asked: {entries(count)} now."] if changed else []
    if draw.state == "committed":
        lines.append(
            f"{campaign.code} is still open. It must close first: its {entries(count)} are "
            "frozen, their digest published and the drand round that decides the draw fixed."
        )
    if asked > count:
        lines.append(
            f"{campaign.code} has only {entries(count)}, so {asked} winners cannot be drawn. "
            f"Draw all {count} as winners, so that everyone wins?"
        )
    else:
        everyone = " (everyone wins)" if prizes == count else ""
        close = "Close it and draw" if draw.state == "committed" else "Draw"
        lines.append(
            f"{close} {prizes} winner(s) for {campaign.code} among {entries(count)}{everyone}?"
        )
    if operator:
        lines.append(
            "OPERATOR-ONLY: the draw will use no beacon randomness, only our seed and the "
            "entries. The page and the result will say so."
        )
    lines.append("The draw runs once and cannot be undone; the winners are told at once.")
    return "\n".join(lines)


@command(
    "draw",
    role="admin",
    args=(Arg("code", CODE, hint="<CODE>"), Arg("mode", choice("operator"), required=False)),
    keys=(
        Key("winners", INT, aliases=("pemenang",), hint="<how many>"),
        Key("redraw", INT, aliases=("semula",), hint="<unclaimed prizes>"),
    ),
)
def draw_campaign(
    ctx: Context, code: str, mode: str = "", winners: int = 1, redraw: int = 0
) -> Result:
    """Draw the winners of a campaign, once, in a way anyone can check (after you confirm)."""
    if not flag("draws_enabled"):
        raise CommandError(
            "Draws are switched off (draws_enabled is off), so nothing was drawn. "
            "An admin can switch them on with /config set key: draws_enabled value: on"
        )
    campaign = find(code)
    draw = locked_draw(campaign)
    operator = mode == "operator"
    if draw.state in PENDING:
        if not operator:
            raise CommandError(
                f"{campaign.code} is being drawn; the result is on its way once drand round "
                f"{waiting_for(draw)[0]} is in. If the beacon stays unreachable, "
                f"/draw {campaign.code} operator draws without it."
            )
        return _override(ctx, campaign, draw)
    if redraw:
        return redraws.ask_or_redraw(ctx, campaign, draw, redraw, operator)
    if draw.state in DRAWN_STATES:
        raise CommandError(
            f"{campaign.code} has already been drawn. See /campaign show {campaign.code}; "
            f"/draw {campaign.code} redraw: N draws again for prizes not collected."
        )
    count = draw.entry_count if draw.state == "closed" else campaign.entries.count()
    if not count:
        raise CommandError(f"{campaign.code} has no entries yet, so there is nobody to draw.")
    if not 1 <= winners <= MAX_WINNERS:
        raise CommandError(f"winners: from 1 to {MAX_WINNERS} in one draw.")
    prizes = min(winners, count)
    facts = {"entries": count, "winners": prizes, "state": draw.state, "operator": operator}
    if not confirmations.confirmed(ctx, facts):
        if ctx.source == "whatsapp":
            changed = ctx.confirmed is not None
            question = _draw_question(campaign, draw, winners, count, changed, operator)
            params = {"code": campaign.code, "winners": winners, "mode": mode}
            return confirmations.ask(ctx, "draw", params, facts, question)
        # The app asks its user itself, so its request is the answer; it must say "everyone".
        if winners > count:
            raise CommandError(
                f"{campaign.code} has only {entries(count)}, so at most {count} can win. "
                f"Ask for {count} winners to let everyone win."
            )
    if draw.state == "committed":
        freeze(draw, utcnow(), ctx.beacon)
        audit(
            ctx,
            "campaign.close",
            f"campaign:{campaign.code}",
            {"status": "open"},
            {"status": "closed", "entries": draw.entry_count, "round": draw.beacon_round},
        )
    draw.state, draw.winner_count, draw.requested_by = "queued", prizes, ctx.phone
    draw.source = "operator" if operator else "beacon"
    draw.save()
    audit(
        ctx,
        "draw.request",
        f"campaign:{campaign.code}",
        None,
        {"winners": prizes, "source": draw.source},
    )
    ctx.later("jobs.draws.run_draw", draw.id)
    how = (
        "OPERATOR-ONLY (no beacon): the page and the result say so."
        if operator
        else f"It is decided by drand round {draw.beacon_round}; the result follows once it is in."
    )
    return Result(
        f"Drawing {prizes} winner(s) for {campaign.code} among {entries(draw.entry_count)}. {how}",
        entity=f"campaign:{campaign.code}",
    )


def _override(ctx: Context, campaign: Campaign, draw: Draw) -> Result:
    """Let a draw (or redraw) stuck on an unreachable beacon go ahead without it, once confirmed."""
    number, _ = waiting_for(draw)
    facts = {"override": draw.id, "round": number, "state": draw.state}
    if not confirmations.confirmed(ctx, facts):
        question = (
            f"{campaign.code} is waiting for drand round {number}. Draw it "
            "OPERATOR-ONLY instead: from our seed and the frozen entries alone, with no "
            "randomness from outside? Anyone checking it will see it was not decided by the "
            "beacon, and that we could have known the result in advance."
        )
        params = {"code": campaign.code, "mode": "operator"}
        return confirmations.ask(ctx, "draw", params, facts, question)
    if draw.state == "redrawing":
        draw.redraws[-1]["source"] = "operator"
    else:
        draw.source = "operator"
    draw.save()
    audit(
        ctx,
        "draw.override",
        f"campaign:{campaign.code}",
        {"source": "beacon", "round": number},
        {"source": "operator"},
    )
    ctx.later("jobs.draws.run_draw", draw.id)
    return Result(
        f"Drawing {campaign.code} OPERATOR-ONLY, without drand round {number}. "
        "The page and the result say so.",
        entity=f"campaign:{campaign.code}",
    )


def drawn(code: str) -> tuple[Campaign, Draw]:
    """The campaign and its draw, or a CommandError when it has not been drawn yet."""
    campaign = find(code)
    draw = Draw.get(Draw.campaign == campaign)
    if draw.state not in DRAWN_STATES:
        raise CommandError(
            f"{campaign.code} has not been drawn yet. Draw it with /draw {campaign.code}."
        )
    return campaign, draw
