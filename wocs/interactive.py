"""Reply buttons and lists a message may carry; a tap sends back the id we gave its choice.

An id is a message text the system wrote (`/confirm 12`, `JOIN RAYA26`): the tap is read as if
that text were typed, with the same checks, so it can do nothing the same words could not.
The limits are Meta's (Cloud API reference, interactive reply buttons and list messages).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

BUTTONS_MAX, BUTTON_TITLE_MAX, BUTTON_ID_MAX, BUTTONS_BODY_MAX = 3, 20, 256, 1024
LIST_LABEL_MAX, LIST_BODY_MAX, SECTIONS_MAX, ROWS_MAX = 20, 4096, 10, 10
ROW_TITLE_MAX, ROW_DESCRIPTION_MAX, ROW_ID_MAX, SECTION_TITLE_MAX = 24, 72, 200, 24
HEADER_MAX, FOOTER_MAX = 60, 60
BUTTON, LIST = "button", "list"


@dataclass(frozen=True)
class Choice:
    """One button or list row: what it shows, and the text a tap on it sends back (`id`)."""

    id: str
    title: str
    description: str = ""  # list rows only


@dataclass(frozen=True)
class Section:
    """A titled group of list rows (the title may be left out when it is the only section)."""

    title: str
    rows: tuple[Choice, ...]


@dataclass(frozen=True)
class Interactive:
    """Reply buttons (`kind` button) or a list behind one button (`kind` list, its `label`)."""

    kind: str
    sections: tuple[Section, ...]  # buttons: one untitled section holding them
    label: str = ""
    header: str = ""
    footer: str = ""

    def __post_init__(self) -> None:
        problem = refusal(self.as_dict(), None)
        if problem:
            raise ValueError(problem)  # our own texts: too long is a bug, found where it is made

    @property
    def choices(self) -> tuple[Choice, ...]:
        """Every button or row, in the order shown (numbered from 1 in `readable`)."""
        return tuple(row for section in self.sections for row in section.rows)

    def as_dict(self) -> dict[str, Any]:
        """The form kept in the outbox row (JSON)."""
        return {
            "kind": self.kind,
            "label": self.label,
            "header": self.header,
            "footer": self.footer,
            "sections": [
                {"title": s.title, "rows": [vars(row) for row in s.rows]} for s in self.sections
            ],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Interactive:
        """The Interactive an outbox row keeps."""
        sections = tuple(
            Section(str(s.get("title") or ""), tuple(Choice(**row) for row in s["rows"]))
            for s in data["sections"]
        )
        return cls(
            kind=str(data["kind"]),
            sections=sections,
            label=str(data.get("label") or ""),
            header=str(data.get("header") or ""),
            footer=str(data.get("footer") or ""),
        )


def buttons(*choices: Choice, footer: str = "") -> Interactive:
    """Up to three reply buttons under the message."""
    return Interactive(BUTTON, (Section("", tuple(choices)),), footer=footer)


def menu(label: str, *sections: Section, header: str = "", footer: str = "") -> Interactive:
    """A list: the message shows one button (`label`) that opens the sections' rows."""
    return Interactive(LIST, tuple(sections), label=label, header=header, footer=footer)


def refusal(data: dict[str, Any], body: str | None) -> str:
    """Why Meta would refuse these buttons or this list (with `body`, unless None); "" if fine."""
    sections, kind = data.get("sections") or [], data.get("kind")
    rows = [row for section in sections for row in section.get("rows") or []]
    ids, titles = [row.get("id") or "" for row in rows], [row.get("title") or "" for row in rows]
    if body is not None and not body.strip():
        return "an interactive message needs a body text"
    if len(data.get("header") or "") > HEADER_MAX or len(data.get("footer") or "") > FOOTER_MAX:
        return f"header and footer take at most {HEADER_MAX} characters"
    if len(set(ids)) < len(ids) or not all(ids) or not all(titles):
        return "every choice needs an id and a title, and the ids must differ"
    if kind == BUTTON:
        if not 1 <= len(rows) <= BUTTONS_MAX or len(set(titles)) < len(titles):
            return f"1 to {BUTTONS_MAX} buttons, each with its own title"
        if max(map(len, titles)) > BUTTON_TITLE_MAX or max(map(len, ids)) > BUTTON_ID_MAX:
            return f"button titles take at most {BUTTON_TITLE_MAX} characters, ids {BUTTON_ID_MAX}"
        if body is not None and len(body) > BUTTONS_BODY_MAX:
            return f"a message with buttons takes at most {BUTTONS_BODY_MAX} characters"
        return ""
    if kind != LIST:
        return f"unknown interactive kind {str(kind)[:20]!r}"
    if not 1 <= len(data.get("label") or "") <= LIST_LABEL_MAX:
        return f"a list's button label takes 1 to {LIST_LABEL_MAX} characters"
    if not 1 <= len(sections) <= SECTIONS_MAX or not 1 <= len(rows) <= ROWS_MAX:
        return f"1 to {SECTIONS_MAX} sections and 1 to {ROWS_MAX} rows in all"
    if not all(section.get("rows") for section in sections):
        return "every section needs a row"
    section_titles = [section.get("title") or "" for section in sections]
    if (len(sections) > 1 and not all(section_titles)) or max(map(len, section_titles)) > (
        SECTION_TITLE_MAX
    ):
        return f"with several sections each needs a title of at most {SECTION_TITLE_MAX}"
    if max(map(len, titles)) > ROW_TITLE_MAX or max(map(len, ids)) > ROW_ID_MAX:
        return f"row titles take at most {ROW_TITLE_MAX} characters, ids {ROW_ID_MAX}"
    if any(len(row.get("description") or "") > ROW_DESCRIPTION_MAX for row in rows):
        return f"row descriptions take at most {ROW_DESCRIPTION_MAX} characters"
    if body is not None and len(body) > LIST_BODY_MAX:
        return f"a list message takes at most {LIST_BODY_MAX} characters"
    return ""


def readable(data: dict[str, Any] | None) -> list[str]:
    """The choices as lines a person can answer in a terminal: `[1] ✅ Yes  → /confirm 12`."""
    if not data:
        return []
    shown = Interactive.from_dict(data)
    lines = [f"({shown.label})"] if shown.kind == LIST else []
    for number, choice in enumerate(shown.choices, start=1):
        about = f" — {choice.description}" if choice.description else ""
        lines.append(f"[{number}] {choice.title}{about}  → {choice.id}")
    return lines


def picked(data: dict[str, Any], typed: str) -> Choice | None:
    """The choice a typed number stands for (`2` for the second), else None."""
    choices = Interactive.from_dict(data).choices
    number = typed.strip()
    if number.isdigit() and 1 <= int(number) <= len(choices):
        return choices[int(number) - 1]
    return None
