"""The @command decorator and the registry every command, /help and the API read."""

from __future__ import annotations

import difflib
import functools
import importlib
import inspect
import re
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from wocs.context import Context, Result
from wocs.grammar import CommandSyntaxError, ParsedCommand
from wocs.keysplit import key_pattern
from wocs.language import EN, MS, malay_sub, tr
from wocs.types import INT, TEXT, ValueType
from wocs.values import ValueProblem


@dataclass(frozen=True)
class Arg:
    """A positional word after the command name (`/task done 12`)."""

    name: str
    type: ValueType = TEXT
    required: bool = True
    greedy: bool = False  # takes every remaining word, joined by spaces
    hint: str = ""
    ask: str = ""  # the question when it is missing; else Command.question builds one

    @property
    def placeholder(self) -> str:
        """How the usage line shows this word."""
        return self.placeholder_in(EN)

    def placeholder_in(self, lang: str) -> str:
        """How a usage line in `lang` shows this word: a choice's Malay words for MS."""
        if self.hint:
            return self.hint
        if lang == MS and self.type.malay:
            return "|".join(self.type.malay)
        return self.type.name if "|" in self.type.name else f"<{self.name}>"

    @property
    def expected(self) -> str:
        """What an answer looks like: its hint, else its kind ("the number")."""
        if self.hint or "|" in self.type.name:
            return self.placeholder
        return f"the {self.type.name}"


@dataclass(frozen=True)
class Key:
    """A `key: value` parameter; `dest` names the function argument when the key cannot."""

    name: str
    type: ValueType = TEXT
    required: bool = False
    aliases: tuple[str, ...] = ()  # its Malay names (`untuk`): the first one shows in Malay usage
    dest: str = ""
    hint: str = "…"
    # May also be written without its key word, after the command's words (`/event check 1 3`):
    # positional keys take one word each in declaration order, the last one all that is left.
    positional: bool = False
    # May also be written as its word and one value at the end of the words (`page 2`).
    spoken: bool = False
    ask: str = ""  # the question when it is missing ("Who is it for?"); else a default
    also: tuple[str, ...] = ()  # other English names (`values` for `vars`)

    @property
    def param(self) -> str:
        """The keyword argument the command function receives."""
        return self.dest or self.name

    @property
    def expected(self) -> str:
        """What an answer looks like, as the usage line shows it ('' when it says nothing)."""
        return "" if self.hint == "…" else self.hint

    def word(self, lang: str = EN) -> str:
        """The key as written in `lang`: its Malay name, when it has one, for MS."""
        return self.aliases[0] if lang == MS and self.aliases else self.name


# The page of a long list (`/task list open page 2`, `page: 2`); MORE asks for the next one.
PAGE = Key("page", INT, aliases=("halaman",), hint="<n>", spoken=True)


@dataclass(frozen=True)
class Command:
    """Everything about one command, declared once by @command."""

    name: str
    sub: str | None
    func: Callable[..., Result]
    role: str
    args: tuple[Arg, ...]
    keys: tuple[Key, ...]
    summary: str
    aliases: tuple[str, ...] = ()  # other full names it answers to (`start` for `help`)

    @property
    def full_name(self) -> str:
        """The name as typed, with its sub-command (`task done`)."""
        return f"{self.name} {self.sub}" if self.sub else self.name

    @property
    def names(self) -> tuple[str, ...]:
        """Every full name it answers to, its own first, then its Malay sub-command words."""
        return (self.full_name, *self.aliases, *(f"{self.name} {w}" for w in malay_sub(self.sub)))

    @property
    def malay_names(self) -> tuple[str, ...]:
        """The names it answers to in Malay, the one Malay usage lines show first."""
        bases = [a for a, base in FAMILY_ALIASES.items() if base == self.name] or [self.name]
        subs = malay_sub(self.sub) or ((self.sub,) if self.sub else ())
        found = tuple(f"{b} {s}" for b in bases for s in subs) if self.sub else tuple(bases)
        return () if found == (self.full_name,) else found

    def shown_name(self, lang: str = EN) -> str:
        """The name as usage lines in `lang` write it (`tugas senarai` in Malay)."""
        return (self.malay_names or (self.full_name,))[0] if lang == MS else self.full_name

    @property
    def usage(self) -> str:
        """The usage line, derived from the declared parameters."""
        return self.usage_in(EN)

    def usage_in(self, lang: str) -> str:
        """The usage line with the command's and its keys' names in `lang`."""
        parts = [f"/{self.shown_name(lang)}"]
        parts += [_shown(a, lang) for a in self.args]
        parts += [
            f"{k.word(lang)}: {k.hint}" if k.required else f"[{k.word(lang)}: {k.hint}]"
            for k in self.keys
        ]
        return " ".join(parts)

    def short_usage_in(self, lang: str = EN) -> str:
        """The usage line with positional keys written bare (`/event check <n> <item>`), or ''."""
        bare = [k for k in self.keys if k.positional]
        if not bare:
            return ""
        parts = [f"/{self.shown_name(lang)}"]
        parts += [_shown(a, lang) for a in self.args]
        parts += [k.hint if k.hint.startswith("<") else f"<{k.name}>" for k in bare]
        parts += [f"{k.word(lang)}: {k.hint}" for k in self.keys if k.required and not k.positional]
        return " ".join(parts)

    @property
    def short_usage(self) -> str:
        """The English short usage line (see short_usage_in)."""
        return self.short_usage_in(EN)

    def question(self, wanted: Arg | Key, lang: str = EN) -> str:
        """What the sender is asked when `wanted` is missing: its own question, else a default.

        The first argument names the record the command acts on (`/task show` → "Which task?").
        """
        if wanted.ask:
            return tr(lang, wanted.ask)
        if self.args and wanted is self.args[0]:
            return tr(lang, "Which {thing}?", thing=self.shown_name(lang).split()[0])
        name = wanted.word(lang) if isinstance(wanted, Key) else wanted.name
        return tr(lang, "What is the {name}?", name=name)

    def wanted(self, name: str) -> Arg | Key:
        """The argument or key called `name`; a wrong name is a bug (KeyError)."""
        every: tuple[Arg | Key, ...] = (*self.args, *self.keys)
        found = [p for p in every if p.name == name]
        if not found:
            raise KeyError(name)
        return found[0]

    def key_for(self, word: str) -> Key | None:
        """The declared key a typed key (or its alias) stands for."""
        return next(
            (k for k in self.keys if word == k.name or word in k.aliases or word in k.also), None
        )

    @functools.cached_property
    def inline_keys(self) -> re.Pattern[str] | None:
        """Where one of this command's own keys starts inside a line (`task: X for: Siti`)."""
        return key_pattern(w for k in self.keys for w in (k.name, *k.aliases))


def _shown(arg: Arg, lang: str) -> str:
    """An argument as a usage line in `lang` shows it, in brackets when it may be left out."""
    return arg.placeholder_in(lang) if arg.required else f"[{arg.placeholder_in(lang)}]"


REGISTRY: dict[tuple[str, str | None], Command] = {}
# Another first word for a whole family (`tugas` for `task`): every sub-command answers to it.
FAMILY_ALIASES: dict[str, str] = {}


def family_alias(name: str, *aliases: str) -> None:
    """Let a family of commands be called by other first words too (`/tugas list`)."""
    for alias in aliases:
        FAMILY_ALIASES[alias.lower()] = name.lower()


def command(
    name: str,
    *,
    role: str = "admin",
    args: tuple[Arg, ...] = (),
    keys: tuple[Key, ...] = (),
    aliases: tuple[str, ...] = (),
) -> Callable[[Callable[..., Result]], Callable[..., Result]]:
    """Declare a command: `name` may carry a sub-command ("task done"); summary is the docstring.

    `aliases` are other full names it answers to ("task selesai", "bantuan"), shown in /help.
    """
    base, _, sub = name.lower().partition(" ")

    def register(func: Callable[..., Result]) -> Callable[..., Result]:
        summary = (inspect.getdoc(func) or "").splitlines()[0] if func.__doc__ else ""
        entry = Command(
            base,
            sub or None,
            func,
            role,
            tuple(args),
            tuple(keys),
            summary,
            tuple(a.lower() for a in aliases),
        )
        if (base, entry.sub) in REGISTRY:
            raise ValueError(f"command /{entry.full_name} is declared twice")
        REGISTRY[(base, entry.sub)] = entry
        return func

    return register


def load(package: ModuleType) -> int:
    """Register the commands of every module a package lists in `__all__`; the count registered."""
    for name in package.__all__:
        importlib.import_module(f"{package.__name__}.{name}")
    return len(REGISTRY)


def visible_to(ctx: Context) -> list[Command]:
    """The commands the sender may run, in help order."""
    return sorted((c for c in REGISTRY.values() if ctx.may(c.role)), key=lambda c: c.full_name)


def family(name: str) -> list[Command]:
    """The commands sharing a first word (`task list`, `task done`, …)."""
    return sorted((c for c in REGISTRY.values() if c.name == name), key=lambda c: c.full_name)


def closest(word: str, choices: list[str]) -> str | None:
    """The choice a mistyped word most likely meant."""
    found = difflib.get_close_matches(word.lower(), choices, n=1, cutoff=0.6)
    return found[0] if found else None


@functools.lru_cache(maxsize=4)
def _by_first_word(commands: tuple[int, ...]) -> dict[str, dict[str | None, Command]]:
    """Every first word a command answers to, with its sub-command words; built per registry."""
    found: dict[str, dict[str | None, Command]] = {}
    for cmd in REGISTRY.values():
        for full in cmd.names:
            base, _, sub = full.partition(" ")
            found.setdefault(base, {}).setdefault(sub or None, cmd)
    return found


def answering(name: str) -> dict[str | None, Command]:
    """The commands a first word calls, by the sub-command word each answers to (None: plain)."""
    # Keyed by the registered commands, so a command declared or dropped later is seen; the
    # cached index holds the commands, so their ids cannot be reused while it is kept.
    index = _by_first_word(tuple(map(id, REGISTRY.values())))
    return index.get(FAMILY_ALIASES.get(name, name), {})


def resolve(parsed: ParsedCommand, lang: str = EN) -> tuple[Command, tuple[str, ...]]:
    """Find the command a parsed message names; return it with its remaining words.

    A family named without a known sub-command is answered in `lang`, or in Malay when the
    family was named in Malay.
    """
    called = answering(parsed.name)
    if not called:
        raise LookupError(parsed.name)
    plain = called.get(None)
    subs = {sub: c for sub, c in called.items() if sub}
    if parsed.words and parsed.words[0].lower() in subs:
        return subs[parsed.words[0].lower()], parsed.words[1:]
    if plain is not None:
        return plain, parsed.words
    lang = MS if parsed.name in FAMILY_ALIASES else lang
    members = sorted(set(subs.values()), key=lambda c: c.full_name)
    said = parsed.words[0] if parsed.words else ""
    lines = "\n".join(f"  {c.usage_in(lang)}" for c in members)
    if not said:
        raise CommandSyntaxError(tr(lang, "/{name} needs one of:", name=parsed.name) + "\n" + lines)
    guess = closest(said, list(subs))
    hint = (
        tr(lang, " Did you mean /{name} {guess}?", name=parsed.name, guess=guess) if guess else ""
    )
    opening = tr(lang, "/{name} has no '{said}'.", name=parsed.name, said=said[:30])
    raise CommandSyntaxError(f"{opening}{hint}\n{lines}")


def named(full_name: str) -> Command:
    """A registered command by its full name ("task done"); a wrong name is a bug (KeyError)."""
    base, _, sub = full_name.partition(" ")
    return REGISTRY[(base, sub or None)]


class FieldProblems(CommandSyntaxError):
    """Values given by field (the API) that are missing or do not convert; one message each."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__("Some fields are missing or invalid.")
        self.problems = problems


def bind_fields(
    cmd: Command, values: dict[str, Any], ctx: Context, labels: dict[str, str] | None = None
) -> dict[str, Any]:
    """Convert values given by field into the command's keyword arguments.

    Each value goes through the command's own value type, exactly as if typed after its
    key on WhatsApp; `labels` renames parameters in the problems (`task` → `title`).
    """
    kwargs: dict[str, Any] = {}
    problems: dict[str, str] = {}
    declared = [(a.name, a.type, a.required) for a in cmd.args]
    declared += [(k.param, k.type, k.required) for k in cmd.keys]
    for param, kind, required in declared:
        label = (labels or {}).get(param, param)
        value = values.get(param)
        if value is None or value == "":
            if required:
                problems[label] = "This field is required."
            continue
        text = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
        try:
            kwargs[param] = kind.convert(text, ctx)
        except ValueProblem as exc:
            problems[label] = str(exc)
    if problems:
        raise FieldProblems(problems)
    return kwargs
