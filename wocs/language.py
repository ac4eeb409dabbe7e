"""The team's two languages: Malay sub-command words, and team texts in English or Malay.

Team texts are written in English in the code and looked up in templates/ms.toml (English
text → Malay text) when the reader's language is Malay; `{name}` fields are filled in after.
"""

from __future__ import annotations

import functools
import tomllib
from pathlib import Path
from typing import Any

EN, MS = "en", "ms"
BOTH = ""  # a reader whose language is not known yet gets both, English first
CATALOGUE = Path(__file__).resolve().parent.parent / "templates" / "ms.toml"

# The Malay words for each sub-command verb, the first one shown in Malay usage lines; every
# family answers the same words (`/tugas senarai`, `/kempen senarai`), so none is declared twice.
SUB_WORDS: dict[str, tuple[str, ...]] = {
    "add": ("tambah",),
    "assign": ("serah",),
    "cancel": ("batal",),
    "check": ("tanda",),
    "checklist": ("semak",),
    "claimed": ("dituntut",),
    "close": ("tutup",),
    "create": ("cipta", "buat"),
    "done": ("selesai", "siap"),
    "entries": ("penyertaan",),
    "get": ("dapatkan",),
    "list": ("senarai",),
    "nickname": ("panggilan",),
    "note": ("nota",),
    "photo": ("gambar", "foto"),
    "publish": ("terbit",),
    "remove": ("buang",),
    "rollback": ("pulih",),
    "set": ("tetapkan",),
    "show": ("tunjuk", "lihat"),
    "start": ("mula",),
    "stats": ("statistik",),
    "top": ("terbaik",),
    "use": ("guna",),
    "winners": ("pemenang",),
}


@functools.cache
def catalogue() -> dict[str, str]:
    """Every English team text with its Malay one."""
    with CATALOGUE.open("rb") as handle:
        return tomllib.load(handle)


def tr(lang: str, text: str, **values: Any) -> str:
    """`text` for a reader of `lang` (EN, MS, or BOTH: English, then Malay), fields filled in.

    A text missing from the catalogue stays English; tests/test_language.py finds any.
    """
    malay = catalogue().get(text, text)
    if lang == MS:
        return malay.format(**values) if values else malay
    english = text.format(**values) if values else text
    if lang == BOTH and malay != text:
        return f"{english}\n\n{malay.format(**values) if values else malay}"
    return english


def malay_sub(sub: str | None) -> tuple[str, ...]:
    """The Malay words a sub-command answers to (`list` → senarai)."""
    return SUB_WORDS.get(sub, ()) if sub else ()
