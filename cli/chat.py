"""`python bot.py chat`: write as one phone, then another; what each is sent is numbered to quote."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from cli.local import LocalBot
from models import StaffMember
from whatsapp.transports import Outgoing
from wocs.interactive import readable
from wocs.values import ValueProblem, parse_phone

SWITCH = "!as"  # `!as 013-555 1234`: write as that phone from now on
QUOTE = re.compile(r">(\d+)\s+(.+)", re.DOTALL)  # `>3 text`: quote-reply message [3]
HELP = (
    "End a line with \\ to continue it; `!as <phone>` writes as another phone; "
    "`>N text` quote-replies message [N]; Ctrl-D quits."
)


def who(phone: str) -> str:
    """How the chat names the person writing as `phone`."""
    member = StaffMember.get_or_none(StaffMember.phone == phone)
    if member and member.active:
        return f"{member.role} {member.name}"
    return "a customer (not on the team)"


@dataclass
class Chat:
    """One terminal session: the phone written as, and every message the bot sent, numbered."""

    bot: LocalBot
    phone: str
    sent: list[Outgoing] = field(default_factory=list)  # message [N] is sent[N - 1]
    asked: Outgoing | None = None  # the last message with buttons to this phone: a number taps

    def handle(self, text: str) -> list[str]:
        """What the terminal shows for one typed message (or `!as`, or a `>N` quote-reply)."""
        if text.strip().lower().startswith(SWITCH):
            return [self._switch(text.strip()[len(SWITCH) :])]
        quoting, quoted = "", QUOTE.fullmatch(text.strip())
        if quoted:
            number, text = int(quoted[1]), quoted[2]
            if not 1 <= number <= len(self.sent):
                return [f"(there is no message [{number}]; the numbers are in front of each one)"]
            message = self.sent[number - 1]
            if message.to != self.phone:
                return [f"([{number}] went to +{message.to}: write `!as {message.to}` first)"]
            quoting = self.bot.wamid_of(message)
        asked = self.asked if self.asked and self.asked.to == self.phone and not quoting else None
        tapped = self.bot.tap(self.phone, asked, text) if asked else None
        status, answer = tapped or self.bot.say(self.phone, text, quoting=quoting)
        if status != 200:
            return [f"(webhook answered {status}: {answer})"]
        replies = self.bot.collect(lambda sent: True, timeout=5)
        shown = [self._shown(m) for m in replies] or ["(no reply)"]
        mine = [m for m in replies if m.to == self.phone]
        if mine:
            self.asked = next((m for m in reversed(mine) if m.interactive), None)
        if self.asked is not None and self.asked in mine:
            shown.append("     (type a number to tap it, or write your answer)")
        return shown

    def _switch(self, written: str) -> str:
        try:
            self.phone = parse_phone(written)
        except ValueProblem as exc:
            return f"({exc})"
        return f"Now writing as +{self.phone}, {who(self.phone)}."

    def _shown(self, message: Outgoing) -> str:
        self.sent.append(message)
        to = "bot> " if message.to == self.phone else f"bot → +{message.to}: "
        kind = "" if message.kind in ("text", "interactive") else f"[{message.kind}] "
        lines = "\n".join([message.text, *readable(message.interactive)])
        return f"[{len(self.sent)}] {to}{kind}" + lines.replace("\n", "\n     ")
