"""/help: what the sender may run, read from the registry."""

from __future__ import annotations

from wocs.context import Context, Result
from wocs.registry import FAMILY_ALIASES, Arg, Command, closest, command, visible_to
from wocs.replies import TEXT_LIMIT


# /start is what WhatsApp users send first; it answers with the same help, never a guess.
@command(
    "help",
    role="agent",
    args=(Arg("topic", required=False, greedy=True, hint="<command>"),),
    aliases=("bantuan", "start", "menu"),
)
def show_help(ctx: Context, topic: str | None = None) -> Result:
    """List the commands you can use, or explain one."""
    mine = visible_to(ctx)
    if not topic:
        return Result(overview(mine))
    wanted = topic.lower().lstrip("/").split()
    wanted[0] = FAMILY_ALIASES.get(wanted[0], wanted[0])
    matches = [c for c in mine if any(n.split()[: len(wanted)] == wanted for n in c.names)]
    if not matches:
        names = sorted({n for c in mine for full in c.names for n in (full.split()[0], full)})
        guess = closest(" ".join(wanted), names)
        hint = f" Did you mean /help {guess}?" if guess else ""
        return Result(f"There is no /{' '.join(wanted)[:30]} you can use.{hint}")
    return Result("\n\n".join(_explain(c) for c in matches))


def overview(commands: list[Command], limit: int = TEXT_LIMIT) -> str:
    """Every command with its usage; one line a family when that would not fit one message."""
    full = "\n".join(f"{_forms(c)}\n  {c.summary}{_also(c.aliases)}" for c in commands)
    if len(full) + 80 <= limit:
        return f"Commands you can use:\n{full}\n\nMore: /help <command>"
    families: dict[str, list[str]] = {}
    others: dict[str, list[str]] = {}  # other first words a family answers to
    for cmd in commands:
        families.setdefault(cmd.name, []).append(cmd.sub or "")
        mine = others.setdefault(cmd.name, _family_aliases(cmd.name))
        mine += [a for a in cmd.aliases if " " not in a]
    lines = [
        f"/{name} {'|'.join(filter(None, subs))}".rstrip() + _also(others[name])
        for name, subs in families.items()
    ]
    return (
        "Commands you can use:\n" + "\n".join(lines) + "\n\nHow to write one: /help <command>, "
        "e.g. /help task done"
    )


def _forms(cmd: Command) -> str:
    """The usage line, and the shorter one without key words when the command has one."""
    return f"{cmd.usage}\n  or {cmd.short_usage}" if cmd.short_usage else cmd.usage


def _family_aliases(name: str) -> list[str]:
    return [alias for alias, base in FAMILY_ALIASES.items() if base == name]


def _also(names: list[str] | tuple[str, ...]) -> str:
    return f" (also {', '.join('/' + n for n in names)})" if names else ""


def _explain(cmd: Command) -> str:
    written = [*cmd.aliases, *(f"{a} {cmd.sub}".strip() for a in _family_aliases(cmd.name))]
    lines = [_forms(cmd), cmd.summary + _also(written)]
    for key in cmd.keys:
        also = f" (also {', '.join(a + ':' for a in key.aliases)})" if key.aliases else ""
        optional = "" if key.required else ", optional"
        lines.append(f"  {key.name}: {_a(key.type.name)}{also}{optional}")
    return "\n".join(lines + _literal_keys(cmd))


def _a(kind: str) -> str:
    """`a date`, `an amount`, `text`, `values`, `one of low|high`: a value kind read as English."""
    if "|" in kind:
        return f"one of {kind}"
    if kind == "text" or kind.endswith("s"):  # uncountable or plural kinds take no article
        return kind
    return f"{'an' if kind[0] in 'aeiou' else 'a'} {kind}"


def _literal_keys(cmd: Command) -> list[str]:
    """How to keep a key phrase inside free text, for a command that takes some."""
    free = next((k for k in cmd.keys if k.type.multiline), None)
    if free is None:
        return []
    other = ([free] + [k for k in cmd.keys if k is not free])[-1]  # the last other key
    return [
        f"  A key starts wherever it is written, mid-line too. To keep one as text in "
        f'{free.name}:, write {other.name}\\: … or put it in quotes: "{other.name}: …".'
    ]
