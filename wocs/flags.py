"""Feature flags: a declared set of settings kept in WocsAppConfig, read fresh on every use."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from models import WocsAppConfig, utcnow
from wocs import hours
from wocs.registry import closest
from wocs.values import MAX_INPUT, ValueProblem

log = logging.getLogger(__name__)

Value = bool | int | str

_BOOL_WORDS = {
    "on": True, "true": True, "yes": True, "ya": True, "1": True,
    "off": False, "false": False, "no": False, "tidak": False, "0": False,
}  # fmt: skip
_WHOLE = re.compile(r"[0-9]{1,6}")


@dataclass(frozen=True)
class Flag:
    """One known flag: its kind (bool, int, text or hours), default, allowed range and meaning."""

    name: str
    kind: str
    default: Value
    description: str
    low: int = 0
    high: int = 0

    @property
    def accepts(self) -> str:
        """What a person may write as its value."""
        if self.kind == "bool":
            return "on or off (also yes/no, true/false, ya/tidak, 1/0)"
        if self.kind == "int":
            return f"a whole number from {self.low} to {self.high}"
        if self.kind == "hours":
            return "days and hours like mon-sat 09:00-21:00, or always"
        return f"any text up to {MAX_INPUT} characters"

    def parse(self, text: str) -> Value:
        """The value a typed (or stored) text stands for; ValueProblem says how to write it."""
        raw = str(text).strip()
        if self.kind == "bool" and raw.lower() in _BOOL_WORDS:
            return _BOOL_WORDS[raw.lower()]
        if self.kind == "int" and _WHOLE.fullmatch(raw) and self.low <= int(raw) <= self.high:
            return int(raw)
        if self.kind == "text" and 0 < len(raw) <= MAX_INPUT:
            return raw
        if self.kind == "hours":
            try:
                return hours.parse(raw).show()
            except ValueProblem as exc:
                raise ValueProblem(f"{self.name}: {exc}") from None
        shown = raw if len(raw) <= 30 else raw[:29] + "…"
        raise ValueProblem(f"{self.name} takes {self.accepts}, not '{shown}'.")

    def show(self, value: Value) -> str:
        """The value as text, the way it is stored and replied (on/off for bools)."""
        if self.kind == "bool":
            return "on" if value else "off"
        return str(value)


FLAGS: dict[str, Flag] = {
    f.name: f
    for f in (
        Flag("draws_enabled", "bool", True, "/draw may run"),
        Flag("auto_reply_enabled", "bool", True, "customers get the away message"),
        Flag(
            "daily_report_hour",
            "int",
            21,
            "hour (business time) the daily report goes to admins",
            low=0,
            high=23,
        ),
        Flag(
            "business_hours",
            "hours",
            hours.ALWAYS,
            "when the team answers customers, e.g. mon-sat 09:00-21:00",
        ),
        Flag(
            "unanswered_minutes",
            "int",
            15,
            "minutes (in business hours) before an unanswered customer goes to the next on duty "
            "(0: never)",
            low=0,
            high=1440,
        ),
    )
}


def business_hours() -> hours.Hours:
    """The business hours as configured (always open until an admin sets them)."""
    return hours.parse(str(flag("business_hours")))


def known(name: str) -> Flag:
    """The declared flag a typed name means; ValueProblem names the known ones otherwise."""
    wanted = name.strip().lower().replace("-", "_")
    if wanted in FLAGS:
        return FLAGS[wanted]
    guess = closest(wanted, list(FLAGS))
    hint = f" Did you mean {guess}?" if guess else ""
    shown = name.strip()[:40]
    raise ValueProblem(f"There is no flag '{shown}'.{hint} The flags are: {', '.join(FLAGS)}.")


def _stored(spec: Flag, text: str | None) -> Value:
    if text is None:
        return spec.default
    try:
        return spec.parse(text)
    except ValueProblem:
        # Only a hand edit of the table gets here; the default keeps the bot answering.
        log.warning("flag %s holds an unusable value; using its default", spec.name)
        return spec.default


def flag(name: str) -> Value:
    """A flag's current value (its default when never set): one indexed query, no cache."""
    spec = known(name)
    text = WocsAppConfig.select(WocsAppConfig.value).where(WocsAppConfig.key == spec.name).scalar()
    return _stored(spec, text)


def all_flags() -> dict[str, Value]:
    """Every known flag's current value, in declaration order, read in one query."""
    rows = WocsAppConfig.select(WocsAppConfig.key, WocsAppConfig.value).where(
        WocsAppConfig.key.in_(list(FLAGS))
    )
    stored = {row.key: row.value for row in rows}
    return {name: _stored(spec, stored.get(name)) for name, spec in FLAGS.items()}


def set_flag(name: str, text: str) -> Value:
    """Check a typed value and store it (creating the row if needed); return the new value."""
    spec = known(name)
    value = spec.parse(text)
    # Insert-then-update is one upsert on both SQLite and MySQL, safe when two admins race.
    WocsAppConfig.insert(key=spec.name, description=spec.description).on_conflict_ignore().execute()
    WocsAppConfig.update(
        value=spec.show(value), description=spec.description, updated_at=utcnow()
    ).where(WocsAppConfig.key == spec.name).execute()
    return value
