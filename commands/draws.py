"""/draw: the admin is asked to confirm (and told when there are fewer entries than prizes)."""

from __future__ import annotations

from commands.campaigns import CODE, find
from domain.campaigns import entries
from models import Campaign, Draw
from wocs import confirmations
from wocs.audit import audit
from wocs.context import CommandError, Context, Result
from wocs.flags import flag
from wocs.registry import Arg, Key, command
from wocs.types import INT

MAX_WINNERS = 100  # one draw's prizes: each winner gets a message


def _draw_question(campaign: Campaign, asked: int, count: int, changed: bool) -> str:
    """What the admin is asked before the draw runs; `changed`: the entries moved meanwhile."""
    prizes = min(asked, count)
    lines = [f"The entries changed since you were asked: {entries(count)} now."] if changed else []
    if asked > count:
        lines.append(
            f"{campaign.code} has only {entries(count)}, so {asked} winners cannot be drawn. "
            f"Draw all {count} as winners, so that everyone wins?"
        )
    else:
        everyone = " (everyone wins)" if prizes == count else ""
        lines.append(
            f"Draw {prizes} winner(s) for {campaign.code} among {entries(count)}{everyone}?"
        )
    lines.append("The draw runs once and cannot be undone; the winners are told at once.")
    return "\n".join(lines)


@command(
    "draw",
    role="admin",
    args=(Arg("code", CODE, hint="<CODE>"),),
    keys=(Key("winners", INT, aliases=("pemenang",), hint="<how many>"),),
)
def draw_campaign(ctx: Context, code: str, winners: int = 1) -> Result:
    """Draw the winners of a campaign, once, in a way anyone can check (after you confirm)."""
    if not flag("draws_enabled"):
        raise CommandError(
            "Draws are switched off (draws_enabled is off), so nothing was drawn. "
            "An admin can switch them on with /config set key: draws_enabled value: on"
        )
    campaign = find(code)
    draw = Draw.get(Draw.campaign == campaign)
    if draw.state != "committed":
        raise CommandError(
            f"{campaign.code} has already been drawn."
            + (
                " The result is on its way."
                if draw.state == "queued"
                else f" See /campaign show {campaign.code}."
            )
        )
    count = campaign.entries.count()
    if not count:
        raise CommandError(f"{campaign.code} has no entries yet, so there is nobody to draw.")
    if not 1 <= winners <= MAX_WINNERS:
        raise CommandError(f"winners: from 1 to {MAX_WINNERS} in one draw.")
    prizes = min(winners, count)
    facts = {"entries": count, "winners": prizes}
    if not confirmations.confirmed(ctx, facts):
        if ctx.source == "whatsapp":
            question = _draw_question(campaign, winners, count, ctx.confirmed is not None)
            params = {"code": campaign.code, "winners": winners}  # as asked: "everyone" stays
            return confirmations.ask(ctx, "draw", params, facts, question)
        # The app asks its user itself, so its request is the answer; it must say "everyone".
        if winners > count:
            raise CommandError(
                f"{campaign.code} has only {entries(count)}, so at most {count} can win. "
                f"Ask for {count} winners to let everyone win."
            )
    draw.state, draw.winner_count, draw.requested_by = "queued", prizes, ctx.phone
    draw.save()
    audit(ctx, "draw.request", f"campaign:{campaign.code}", None, {"winners": prizes})
    ctx.later("jobs.draws.run_draw", draw.id)
    return Result(
        f"Drawing {prizes} winner(s) for {campaign.code} among {entries(count)}. "
        "The result follows shortly.",
        entity=f"campaign:{campaign.code}",
    )


def drawn(code: str) -> tuple[Campaign, Draw]:
    """The campaign and its draw, or a CommandError when it has not been drawn yet."""
    campaign = find(code)
    draw = Draw.get(Draw.campaign == campaign)
    if draw.state != "drawn":
        raise CommandError(
            f"{campaign.code} has not been drawn yet. Draw it with /draw {campaign.code}."
        )
    return campaign, draw
