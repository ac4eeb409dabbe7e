"""/help: what the sender may run, read from the registry, in the language they wrote it in."""

from __future__ import annotations

from wocs.context import Context, Result
from wocs.language import EN, MS, malay_sub, tr
from wocs.registry import FAMILY_ALIASES, Arg, Command, closest, command, family_alias, visible_to
from wocs.replies import TEXT_LIMIT

family_alias("help", "bantuan")


# /start is what WhatsApp users send first; it answers with the same help, never a guess.
@command(
    "help",
    role="agent",
    args=(Arg("topic", required=False, greedy=True, hint="<command>"),),
    aliases=("start", "menu"),
)
def show_help(ctx: Context, topic: str | None = None) -> Result:
    """List the commands you can use, or explain one."""
    mine, lang = visible_to(ctx), ctx.language
    if not topic:
        return Result(overview(mine, lang=lang))
    wanted = topic.lower().lstrip("/").split()
    wanted[0] = FAMILY_ALIASES.get(wanted[0], wanted[0])
    matches = [c for c in mine if any(n.split()[: len(wanted)] == wanted for n in c.names)]
    if not matches:
        names = sorted({n for c in mine for full in c.names for n in (full.split()[0], full)})
        guess = closest(" ".join(wanted), names)
        hint = tr(lang, " Did you mean /help {guess}?", guess=guess) if guess else ""
        said = " ".join(wanted)[:30]
        return Result(tr(lang, "There is no /{name} you can use.", name=said) + hint)
    return Result("\n\n".join(_explain(c, lang) for c in matches))


def overview(commands: list[Command], limit: int = TEXT_LIMIT, lang: str = EN) -> str:
    """Every command with its usage; one line a family when that would not fit one message."""
    full = "\n".join(
        f"{_forms(c, lang)}\n  {tr(lang, c.summary)}{_also(_other_names(c, lang), lang)}"
        for c in commands
    )
    heading = tr(lang, "Commands you can use:")
    if len(full) + 80 <= limit:
        return f"{heading}\n{full}\n\n" + tr(lang, "More: /help <command>")
    families: dict[str, list[str]] = {}
    others: dict[str, list[str]] = {}  # other first words a family answers to
    for cmd in commands:
        families.setdefault(cmd.name, []).append(cmd.sub or "")
        mine = others.setdefault(cmd.name, _family_aliases(cmd.name))
        mine += [a for a in cmd.aliases if " " not in a]
    lines = []
    for name, subs in families.items():
        shown, words = name, [s for s in subs if s]
        if lang == MS:  # the family's Malay name and sub-command words first
            shown = (others[name] or [name])[0]
            words = [(malay_sub(s) or (s,))[0] for s in words]
        also = [n for n in (name, *others[name]) if n != shown]
        lines.append(f"/{shown} {'|'.join(words)}".rstrip() + _also(also, lang))
    return (
        f"{heading}\n"
        + "\n".join(lines)
        + "\n\n"
        + tr(lang, "How to write one: /help <command>, e.g. /help task done")
    )


def _forms(cmd: Command, lang: str) -> str:
    """The usage line, and the shorter one without key words when the command has one."""
    short = cmd.short_usage_in(lang)
    usage = cmd.usage_in(lang)
    return f"{usage}\n  {tr(lang, 'or')} {short}" if short else usage


def _family_aliases(name: str) -> list[str]:
    return [alias for alias, base in FAMILY_ALIASES.items() if base == name]


def _other_names(cmd: Command, lang: str) -> list[str]:
    """The names it answers to besides the one its usage line shows, in either language."""
    shown = cmd.shown_name(lang)
    every = (cmd.full_name, *cmd.aliases, *cmd.malay_names, *cmd.names)
    return [n for n in dict.fromkeys(every) if n != shown]


def _also(names: list[str] | tuple[str, ...], lang: str) -> str:
    if not names:
        return ""
    return " " + tr(lang, "(also {names})", names=", ".join("/" + n for n in names))


def _explain(cmd: Command, lang: str) -> str:
    lines = [_forms(cmd, lang), tr(lang, cmd.summary) + _also(_other_names(cmd, lang), lang)]
    for key in cmd.keys:
        other = [w + ":" for w in (key.name, *key.aliases, *key.also) if w != key.word(lang)]
        also = " " + tr(lang, "(also {names})", names=", ".join(other)) if other else ""
        optional = "" if key.required else tr(lang, ", optional")
        lines.append(f"  {key.word(lang)}: {_a(key.type.name, lang)}{also}{optional}")
    return "\n".join(lines + _literal_keys(cmd, lang))


def _a(kind: str, lang: str) -> str:
    """`a date`, `an amount`, `text`, `values`, `one of low|high`: a value kind read as English.

    In Malay the kind's own name is the phrase (`tarikh`), since Malay has no articles.
    """
    if "|" in kind:
        return tr(lang, "one of {options}", options=kind)
    if lang == MS:
        return tr(MS, kind)
    if kind == "text" or kind.endswith("s"):  # uncountable or plural kinds take no article
        return kind
    return f"{'an' if kind[0] in 'aeiou' else 'a'} {kind}"


def _literal_keys(cmd: Command, lang: str) -> list[str]:
    """How to keep a key phrase inside free text, for a command that takes some."""
    free = next((k for k in cmd.keys if k.type.multiline), None)
    if free is None:
        return []
    other = ([free] + [k for k in cmd.keys if k is not free])[-1]  # the last other key
    return [
        "  "
        + tr(
            lang,
            "A key starts wherever it is written, mid-line too. To keep one as text in "
            '{free}:, write {other}\\: … or put it in quotes: "{other}: …".',
            free=free.word(lang),
            other=other.word(lang),
        )
    ]
