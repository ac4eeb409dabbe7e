"""`python bot.py demo`: a scripted day on a throwaway embedded WOCS, printed as a conversation."""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import sys
import tempfile
import time
from collections.abc import Callable
from typing import TextIO

from cli.local import LocalBot
from jobs import desk
from jobs.drand_test_server import DrandTestServer, replay_chain
from models import StaffMember, WhatsAppTemplate, utcnow
from whatsapp.payload import text_message_body
from whatsapp.transports import Outgoing
from wocs.draw_check import check_record
from wocs.interactive import Interactive, readable
from wocs.qr import qr_png
from wocs.settings import Settings

ADMIN, AGENT, BUSINESS = "60123456789", "60129998888", "60198765432"
CUSTOMER_NAMES = (
    "Farah", "Hafiz", "Mei Ling", "Ravi", "Nurul", "Daniel", "Aina", "Kumar", "Siew Lan", "Amir",
    "Priya", "Zul", "Hannah", "Wei Jie", "Izzah", "Arjun", "Liyana", "Jason", "Sofea", "Irfan",
)  # fmt: skip
CUSTOMERS = tuple((f"6013555{n:04d}", name) for n, name in enumerate(CUSTOMER_NAMES, start=1))
SHOWN_JOINS = 3  # customers whose JOIN is printed in full; the rest are summed up
QUITTER = CUSTOMERS[4]  # the customer who sends STOP before the broadcast
ASKER, SNAPPER, NIGHT_OWL = CUSTOMERS[0], CUSTOMERS[1], CUSTOMERS[3]  # customers who write in
CODE, TEMPLATE = "RAYA26", "campaign_reminder"
QUOTED = 40  # characters of a quoted message the transcript repeats
Expect = Callable[[list[Outgoing]], bool]


class DemoFailed(Exception):
    """A step did not get the messages it expects."""


def phone_label(digits: str) -> str:
    """A Malaysian mobile number as people write it: +60 12-345 6789."""
    return f"+{digits[:2]} {digits[2:4]}-{digits[4:7]} {digits[7:]}"


def messages(count: int) -> Expect:
    """At least `count` messages arrived."""
    return lambda sent: len(sent) >= count


def template_approved_body(name: str, language: str) -> dict:
    """Meta's message_template_status_update webhook body approving one template."""
    value = {
        "event": "APPROVED",
        "message_template_id": 1689556908129832,
        "message_template_name": name,
        "message_template_language": language,
        "reason": "NONE",
        "message_template_category": "MARKETING",
    }
    change = {"field": "message_template_status_update", "value": value}
    entry = {"id": "0", "time": int(time.time()), "changes": [change]}
    return {"object": "whatsapp_business_account", "entry": [entry]}


class Script:
    """Says things as the cast, waits for the jobs, prints who got what."""

    def __init__(self, bot: LocalBot, out: TextIO) -> None:
        self.bot, self.out = bot, out
        self.names = {ADMIN: "Aisyah", AGENT: "Siti", **dict(CUSTOMERS)}

    def print(self, text: str = "") -> None:
        """One line (or block) of the transcript."""
        print(text, file=self.out, flush=True)

    def heading(self, text: str) -> None:
        """A part of the day."""
        self.print(f"\n── {text} ──")

    def who(self, phone: str) -> str:
        """Number and name of a member of the cast."""
        name = self.names.get(phone)
        return f"{phone_label(phone)} ({name})" if name else phone_label(phone)

    def show(self, message: Outgoing) -> None:
        """One message the bot sent, as its recipient reads it."""
        kind = f"[template {(message.template or {}).get('name')}] " if message.template else ""
        kind = f"[{message.kind}] " if message.kind in ("image", "document") else kind
        lines = [*(kind + message.text).splitlines(), *readable(message.interactive)]
        body = "\n".join(f"      {line}" if line.strip() else "" for line in lines).lstrip()
        self.print(f"  bot → {self.who(message.to)}: {body}")

    def post(self, phone: str, text: str) -> None:
        """Send a message as `phone` through the signed webhook."""
        status, answer = self.bot.say(phone, text, name=self.names.get(phone, ""))
        if status != 200:
            raise DemoFailed(f"the webhook answered {status}: {answer}")

    def quote(self, phone: str, quoted: Outgoing, text: str, expect: Expect) -> list[Outgoing]:
        """Quote-reply (WhatsApp's swipe to reply) to a message the bot sent `phone`."""
        first = quoted.text.splitlines()[0]
        shown = first if len(first) <= QUOTED else first[: QUOTED - 1] + "…"
        self.print(f"{self.names[phone]} › (quote-replies “{shown}”) {text}")
        body = text_message_body(
            phone, text, _wamid(), name=self.names[phone], quoting=self.bot.wamid_of(quoted)
        )
        return self._posted(body, text, expect)

    def photo(self, phone: str, caption: str, expect: Expect) -> list[Outgoing]:
        """Send a photo with a caption as `phone` (its bytes wait on the stand-in for Meta)."""
        self.print(f"{self.names[phone]} › [photo] {caption}")
        media_id = f"demo-photo-{secrets.token_hex(4)}"
        self.bot.transport.add_media(media_id, qr_png(f"https://example.com/{CODE}"), "image/png")
        body = text_message_body(phone, caption, _wamid(), name=self.names[phone])
        message = body["entry"][0]["changes"][0]["value"]["messages"][0]
        del message["text"]
        message["type"], message["image"] = (
            "image",
            {
                "caption": caption,
                "mime_type": "image/png",
                "sha256": "",
                "id": media_id,
            },
        )
        return self._posted(body, caption, expect)

    def _posted(self, body: dict, what: str, expect: Expect) -> list[Outgoing]:
        status, answer = self.bot.post(body)
        if status != 200:
            raise DemoFailed(f"the webhook answered {status}: {answer}")
        sent = self.wait(what, expect)
        for message in sent:
            self.show(message)
        return sent

    def wait(self, what: str, expect: Expect, timeout: float = 15.0) -> list[Outgoing]:
        """The messages the jobs sent for the last posts; DemoFailed if they fell short."""
        sent = self.bot.collect(expect, timeout)
        if not expect(sent):
            got = "; ".join(m.text[:60] for m in sent) or "nothing"
            raise DemoFailed(f"{what}: after {timeout:.0f} s the bot had sent {got}")
        return sent

    def tap(self, phone: str, asked: Outgoing, number: int, expect: Expect) -> list[Outgoing]:
        """`phone` taps choice `number` under the message `asked`; print it and what it causes."""
        choice = Interactive.from_dict(asked.interactive or {}).choices[number - 1]
        self.print(f"{self.names[phone]} › (taps {choice.title})")
        self.bot.tap(phone, asked, str(number))
        sent = self.wait(f"the tap on {choice.title}", expect)
        for message in sent:
            self.show(message)
        return sent

    def say(self, phone: str, text: str, expect: Expect, quiet: bool = False) -> list[Outgoing]:
        """Send `text` as `phone`, wait for what it causes, print it all (unless quiet)."""
        shown = text.replace("\n", "\n" + " " * (len(self.names[phone]) + 3))
        self.print(f"{self.names[phone]} › {shown}")
        self.post(phone, text)
        sent = self.wait(text.splitlines()[0], expect)
        for message in sent:
            if not (quiet and message.template):
                self.show(message)
        return sent


def _customers_join(script: Script) -> None:
    """Twenty customers enter the draw: a few in full, the rest in one line."""
    for phone, _ in CUSTOMERS[:SHOWN_JOINS]:
        script.say(phone, f"JOIN {CODE}", messages(1))
    rest = CUSTOMERS[SHOWN_JOINS:]
    for phone, _ in rest:
        script.post(phone, f"JOIN {CODE}")
    replies = script.wait("the other customers' JOINs", messages(len(rest)))
    tickets = [m for m in replies if m.text.startswith(f"You're in the {CODE} lucky draw")]
    script.print(
        f"… and {len(rest)} more customers ({rest[0][1]} to {rest[-1][1]}) send JOIN {CODE}; "
        f"{len(tickets)} of them get a ticket the same way."
    )


def _approve_template(script: Script) -> None:
    """Meta approves the reminder template (synced at start): its status webhook, signed."""
    row = WhatsAppTemplate.get(WhatsAppTemplate.name == TEMPLATE)
    status, answer = script.bot.post(template_approved_body(row.name, row.language))
    row = WhatsAppTemplate.get_by_id(row.id)
    if status != 200 or row.status != "APPROVED":
        raise DemoFailed(f"template approval: webhook {status} {answer}, status {row.status}")
    script.print(f"Meta › (webhook) template {TEMPLATE} is APPROVED")


def _broadcast(script: Script, closes: str) -> None:
    """The reminder to every entrant; the one who said STOP is skipped."""

    def finished(sent: list[Outgoing]) -> bool:
        return any(m.text.startswith("✅ Broadcast") for m in sent)

    command = f"/broadcast campaign: {CODE} template: {TEMPLATE} vars: {CODE}; {closes}"
    sent = script.say(ADMIN, command, finished, quiet=True)
    reminded = {m.to for m in sent if m.template and m.template.get("name") == TEMPLATE}
    if QUITTER[0] in reminded or len(reminded) != len(CUSTOMERS) - 1:
        raise DemoFailed(f"the broadcast reached {len(reminded)} customers")
    sample = next(m for m in sent if m.template)
    script.print(
        f"  bot → {len(reminded)} entrants, one by one: [template {TEMPLATE}] {sample.text}\n"
        f"  ({len(reminded)} reminders sent; {script.who(QUITTER[0])} said STOP and was skipped)"
    )


def _wamid() -> str:
    return f"wamid.demo.{secrets.token_hex(8)}"


def to(phone: str, count: int = 1) -> Expect:
    """At least `count` messages to `phone` arrived."""
    return lambda sent: sum(m.to == phone for m in sent) >= count


def _to(sent: list[Outgoing], phone: str) -> Outgoing:
    """The first message in `sent` to `phone`."""
    found = next((m for m in sent if m.to == phone), None)
    if found is None:
        raise DemoFailed(f"nothing was sent to {phone_label(phone)}")
    return found


def _customers_write_in(script: Script) -> None:
    """A question answered by a quote-reply from Siti's own phone, and a photo forwarded as one."""
    script.say(AGENT, "/duty on", messages(1))
    asked = script.say(ASKER[0], "Hi, do you deliver to Shah Alam?", to(AGENT))
    script.quote(AGENT, _to(asked, AGENT), "Yes! RM5 to Shah Alam, order by 3pm.", to(ASKER[0]))
    script.photo(SNAPPER[0], "Is this the hamper I can win?", to(AGENT))


def _night_and_morning(script: Script) -> None:
    """After hours nobody is on duty: the customer hears when; in the morning Siti gets it."""
    script.say(AGENT, "/duty off", messages(1))
    script.say(NIGHT_OWL[0], "Boleh tempah 50 bungkus nasi lemak untuk Sabtu?", to(NIGHT_OWL[0]))
    script.heading("Next morning: back on duty, the night's message is handed over")
    script.say(AGENT, "/duty on", messages(1))
    # The sweeper's round (every few seconds in a worker) hands over what waited unseen.
    script.print("(the sweeper's next round)")
    desk.rounds(utcnow())
    for message in script.wait("the morning hand-off", to(AGENT)):
        script.show(message)


def _day(script: Script, today: dt.date) -> None:
    """The scripted day, from hiring an agent to the evening report."""
    tomorrow, week = today + dt.timedelta(days=1), today + dt.timedelta(days=7)
    script.heading("Morning: the team and the booth")
    script.say(ADMIN, "/admin add phone: 012-999 8888 role: agent name: Siti", messages(2))
    script.say(
        ADMIN,
        f"/event create name: Raya Bazaar date: {tomorrow.isoformat()} "
        "location: Dataran Merdeka fee: RM150",
        messages(1),
    )
    script.say(ADMIN, "/agent task: Setup booth\nfor: Siti\ndue: tomorrow", messages(2))
    script.say(AGENT, "/task done 1", messages(2))
    # A command missing what it needs asks for it, one value at a time.
    script.say(ADMIN, "/agent task: Stock the cooler", messages(1))
    script.say(ADMIN, "Siti", messages(1))
    script.say(ADMIN, "esok", messages(2))

    script.heading("Noon: a lucky draw, and customers enter it")
    script.say(
        ADMIN,
        f"/campaign create code: {CODE} prize: Raya hamper worth RM200 "
        f"start: today end: {week.isoformat()}",
        messages(1),
    )
    _customers_join(script)
    script.say(QUITTER[0], "STOP", messages(1))
    script.say(ADMIN, f"/campaign show {CODE}", messages(1))

    script.heading("Afternoon: a reminder to every entrant, and customers write in")
    _approve_template(script)
    _broadcast(script, week.strftime("%a %d %b"))
    _customers_write_in(script)

    script.heading("Evening: the draw and the report")
    (asked,) = script.say(ADMIN, f"/draw {CODE}", messages(1))
    script.tap(ADMIN, asked, 1, messages(3))  # ✅ Yes, the draw's confirmation
    _check_the_draw(script)
    script.say(ADMIN, "/report today", messages(1))

    script.heading("Night: the team goes off duty")
    _night_and_morning(script)


def _check_the_draw(script: Script) -> None:
    """What anyone can do next: download the page's draw.json and re-run the draw from it."""
    answer = script.bot.client.get(f"/c/{CODE}/draw.json")
    record = answer.get_json()
    verdict = check_record(record, script.bot.settings.beacon)
    script.print(
        f"Anyone › (downloads /c/{CODE}/draw.json: {record['entry_count']} frozen entries, "
        f"drand round {record['beacon']['round']}) python bot.py verify-draw --from-file …"
    )
    if verdict.problems:
        raise DemoFailed(f"verify-draw found: {'; '.join(verdict.problems)}")
    script.print(
        f"  verify-draw: the draw matches its commitment, entries and winners; the beacon's "
        f"signature of round {record['beacon']['round']} verifies."
    )


def run(out: TextIO = sys.stdout) -> int:
    """Play the day on a fresh temporary database; 0 when every step got its replies."""
    logging.disable(logging.INFO)  # the transcript is the output; warnings still show
    started = time.monotonic()
    with (
        tempfile.TemporaryDirectory(prefix="wocs-demo-") as folder,
        DrandTestServer() as beacon,  # a local drand relay replaying recorded real rounds
    ):
        settings = Settings(
            database_url=f"sqlite:///{folder}/demo.sqlite3",
            admins=(ADMIN,),
            business_number=BUSINESS,
            app_secret=secrets.token_hex(32),
            beacon=replay_chain(beacon.base_url),
        )
        bot = LocalBot(settings)
        try:
            # The seeded admin is "Admin 6789"; the demo's owner has a name.
            StaffMember.update(name="Aisyah").where(StaffMember.phone == ADMIN).execute()
            script = Script(bot, out)
            script.print(
                "WOCS demo: one day of a food stall on a throwaway database. Every message goes\n"
                "through the signed webhook, the queue and the jobs; what the bot sends is shown\n"
                "here, not sent to WhatsApp. The numbers are made up:\n"
                f"  the business {phone_label(BUSINESS)} · Aisyah, admin {phone_label(ADMIN)} · "
                f"Siti, agent {phone_label(AGENT)}\n"
                f"  {len(CUSTOMERS)} customers, {phone_label(CUSTOMERS[0][0])} to "
                f"{phone_label(CUSTOMERS[-1][0])}"
            )
            _day(script, dt.datetime.now(settings.tz).date())
        except DemoFailed as exc:
            print(f"The demo stopped: {exc}", file=sys.stderr)
            return 1
        finally:
            bot.close()
    script.print(
        f"\nThe whole day took {time.monotonic() - started:.1f} s. Talk to the bot yourself:\n"
        f"  WOCS_ADMINS={ADMIN} python bot.py chat --as 0{ADMIN[2:]}"
    )
    return 0
