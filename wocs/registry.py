"""The @command decorator and the registry every command, /help and the API read."""

from __future__ import annotations

import difflib
import functools
import importlib
import inspect
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from wocs.context import Context, Result
from wocs.grammar import CommandSyntaxError, Line, Pair, ParsedCommand
from wocs.keysplit import key_pattern, split, unescape
from wocs.language import EN, MS, malay_sub, tr
from wocs.normalise import hyphens
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
        if self.hint:
            return self.hint
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
        parts += [a.placeholder if a.required else f"[{a.placeholder}]" for a in self.args]
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
        parts += [a.placeholder if a.required else f"[{a.placeholder}]" for a in self.args]
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


def spoken(cmd: Command, parsed: ParsedCommand) -> str:
    """MS when a command was written with a Malay name, sub-command or key; else EN."""
    if parsed.name in FAMILY_ALIASES:
        return MS
    words = [w.lower() for w in parsed.words]
    if words and words[0] in malay_sub(cmd.sub):
        return MS
    malay = {a for k in cmd.keys for a in k.aliases}
    if malay.union(*(a.type.malay for a in cmd.args)).intersection(words):  # `halaman 2`, `semua`
        return MS
    typed = (i.key for i in _split_inline(cmd, parsed.items) if isinstance(i, Pair))
    return MS if malay.intersection(typed) else EN


def named(full_name: str) -> Command:
    """A registered command by its full name ("task done"); a wrong name is a bug (KeyError)."""
    base, _, sub = full_name.partition(" ")
    return REGISTRY[(base, sub or None)]


class FieldProblems(CommandSyntaxError):
    """Values given by field (the API) that are missing or do not convert; one message each."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__("Some fields are missing or invalid.")
        self.problems = problems


class Missing(CommandSyntaxError):
    """A required argument or key was not given; `wanted` is the first one missing."""

    def __init__(self, message: str, wanted: Arg | Key) -> None:
        super().__init__(message)
        self.wanted = wanted


class Unclear(Missing):
    """A value that could mean several things (two Sitis); `choices` are what 1, 2, … stand for."""

    def __init__(self, message: str, wanted: Arg | Key, choices: tuple[str, ...]) -> None:
        super().__init__(message, wanted)
        self.choices = choices


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


def bind(
    cmd: Command,
    words: tuple[str, ...],
    items: tuple[Pair | Line, ...],
    ctx: Context,
    answers: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Check and convert a message's words and keys into the command's keyword arguments.

    `answers` are values the sender gave later, by argument or key name (the answers to
    wocs.prompts' questions): for one the message left out, or one it gave that was refused
    (an ambiguous name); each is read by its own type.
    """
    kwargs: dict[str, Any] = {}
    answers = answers or {}
    left, spoken = _spoken_key(cmd, list(words))
    items = (*spoken, *items)
    for arg in cmd.args:
        if not left:
            if arg.name in answers:
                kwargs[arg.name] = _convert(arg, answers[arg.name], ctx, f"<{arg.name}>", 1)
            elif arg.required:
                raise Missing(tr(ctx.language, "Missing {names}.", names=f"<{arg.name}>"), arg)
            continue
        raw = " ".join(left) if arg.greedy else left.pop(0)
        if arg.greedy:
            left = []
        kwargs[arg.name] = _convert(arg, answers.get(arg.name, raw), ctx, f"<{arg.name}>", 1)
    bare = _bare_keys(cmd, left)
    if left and not bare:
        raise CommandSyntaxError(
            tr(
                ctx.language,
                "I did not expect '{words}' after /{name}.",
                words=" ".join(left)[:40],
                name=cmd.shown_name(ctx.language),
            )
        )
    lang = ctx.language
    for key, (text, line) in _collect(cmd, (*bare, *items), lang).items():
        typed = answers.get(key.name, text)
        kwargs[key.param] = _convert(key, typed, ctx, f"{key.word(lang)}:", line)
    for key in cmd.keys:
        if key.param not in kwargs and key.name in answers:
            kwargs[key.param] = _convert(key, answers[key.name], ctx, f"{key.word(lang)}:", 1)
    missing = [k for k in cmd.keys if k.required and k.param not in kwargs]
    if missing:
        names = ", ".join(f"{k.word(lang)}:" for k in missing)
        raise Missing(tr(lang, "Missing {names}.", names=names), missing[0])
    return kwargs


def _spoken_key(cmd: Command, words: list[str]) -> tuple[list[str], tuple[Pair, ...]]:
    """The words without a spoken key at their end (`open page 2`), and that key as a pair."""
    if len(words) < 2:
        return words, ()
    key = cmd.key_for(words[-2].lower())
    if key is None or not key.spoken:
        return words, ()
    return words[:-2], (Pair(key.name, words[-1], 1),)


def _bare_keys(cmd: Command, words: list[str]) -> list[Pair]:
    """The words left after the arguments, read as the positional keys they stand for."""
    keys = [k for k in cmd.keys if k.positional]
    pairs: list[Pair] = []
    for n, key in enumerate(keys):
        if not words:
            break
        last = n == len(keys) - 1
        pairs.append(Pair(key.name, " ".join(words) if last else words[0], 1))
        words = [] if last else words[1:]
    return pairs


def _collect(
    cmd: Command, items: tuple[Pair | Line, ...], lang: str = EN
) -> dict[Key, tuple[str, int]]:
    """Group key lines and continuation lines into one raw text per key; errors in `lang`."""
    found: dict[Key, list] = {}
    current: Key | None = None
    for item in _split_inline(cmd, items):
        key = cmd.key_for(item.key) if isinstance(item, Pair) else None
        if isinstance(item, Pair) and key is not None:
            if key in found:
                raise CommandSyntaxError(
                    tr(
                        lang,
                        "Line {line}: {key}: is given twice.",
                        line=item.line,
                        key=key.word(lang),
                    ),
                    item.line,
                )
            found[key] = [[item.value], item.line]
            current = key
            continue
        text = item.raw if isinstance(item, Pair) else item.text
        if isinstance(item, Pair) and (current is None or not current.type.multiline):
            raise _unknown_key(cmd, item, lang)
        if current is None:
            if not text.strip():
                continue
            keys = ", ".join(k.word(lang) + ":" for k in cmd.keys)
            want = (
                tr(lang, "should start with a key, like {keys}", keys=keys)
                if keys
                else tr(lang, "is extra: /{name} takes no keys", name=cmd.shown_name(lang))
            )
            where = tr(lang, "Line {line}:", line=item.line)
            raise CommandSyntaxError(f"{where} '{text[:40]}' {want}.", item.line)
        found[current][0].append(text)
    return {
        key: (
            unescape(
                "\n".join(parts).strip()
                if key.type.multiline
                else " ".join(p.strip() for p in parts if p.strip())
            ),
            line,
        )
        for key, (parts, line) in found.items()
    }


def _split_inline(cmd: Command, items: tuple[Pair | Line, ...]) -> list[Pair | Line]:
    """Split every value at the command's own keys, so `task: X for: Siti` is two pairs.

    Multi-line values split too (`note: bring ice priority: urgent`); a time (10:30), a URL
    and a word that is not one of the command's keys stay in the text.
    """
    pattern = cmd.inline_keys
    return split(pattern, items) if pattern is not None else list(items)


def _unknown_key(cmd: Command, pair: Pair, lang: str) -> CommandSyntaxError:
    known = [w for k in cmd.keys for w in (k.name, *k.aliases, *k.also)]
    guess = closest(pair.key, known)
    hint = tr(lang, " Did you mean {key}:?", key=guess) if guess else ""
    takes = ", ".join(f"{k.word(lang)}:" for k in cmd.keys) or tr(lang, "no keys")
    said = tr(lang, "/{name} has no key {key}:.", name=cmd.shown_name(lang), key=pair.key)
    return CommandSyntaxError(
        f"{tr(lang, 'Line {line}:', line=pair.line)} {said}{hint} "
        + tr(lang, "It takes {keys}.", keys=takes),
        pair.line,
    )


def read_value(kind: ValueType, text: str, ctx: Context) -> Any:
    """One typed value read by its type, as after its key; raises ValueProblem."""
    return kind.convert(text if kind.verbatim else hyphens(text), ctx)


def _convert(wanted: Arg | Key, text: str, ctx: Context, label: str, line: int) -> Any:
    try:
        return read_value(wanted.type, text, ctx)
    except ValueProblem as exc:
        where = tr(ctx.language, "Line {line}, ", line=line) if line > 1 else ""
        if exc.choices:
            raise Unclear(f"{where}{label} {exc}", wanted, exc.choices) from None
        raise CommandSyntaxError(f"{where}{label} {exc}", line) from None
