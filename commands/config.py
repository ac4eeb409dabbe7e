"""/config: read and change the feature flags that switch parts of WOCS on and off."""

from __future__ import annotations

from wocs import flags
from wocs.audit import audit
from wocs.context import CommandError, Context, Result
from wocs.registry import Arg, Key, command, family_alias
from wocs.replies import capped_list
from wocs.types import TEXT
from wocs.values import ValueProblem

family_alias("config", "tetapan")

HOW_TO_SET = "Change one with /config set key: <flag> value: <value>."


def _known(name: str) -> flags.Flag:
    try:
        return flags.known(name)
    except ValueProblem as exc:
        raise CommandError(f"{exc} Send /config list to see them with their values.") from None


def _line(spec: flags.Flag, value: flags.Value) -> str:
    """`draws_enabled: off (default on) — /draw may run`."""
    marker = "default" if value == spec.default else f"default {spec.show(spec.default)}"
    return f"{spec.name}: {spec.show(value)} ({marker}) — {spec.description}"


@command(
    "config set",
    role="admin",
    keys=(
        Key("key", TEXT, required=True, aliases=("kunci",), hint="<flag>"),
        Key("value", TEXT, required=True, aliases=("nilai",), hint="<value>"),
    ),
)
def set_config(ctx: Context, key: str, value: str) -> Result:
    """Change a feature flag (send /config list to see them)."""
    spec = _known(key)
    try:
        wanted = spec.parse(value)
    except ValueProblem as exc:
        raise CommandError(str(exc)) from None
    before = flags.flag(spec.name)
    if wanted == before:
        return Result(f"{spec.name} is already {spec.show(before)}.")
    after = flags.set_flag(spec.name, value)
    audit(
        ctx,
        "config.set",
        f"config:{spec.name}",
        {"value": spec.show(before)},
        {"value": spec.show(after)},
    )
    return Result(f"{spec.name} is now {spec.show(after)} (was {spec.show(before)}).")


@command("config get", role="agent", args=(Arg("key", TEXT, hint="<flag>"),))
def get_config(ctx: Context, key: str) -> Result:
    """Show one feature flag's value and what it does."""
    spec = _known(key)
    return Result(_line(spec, flags.flag(spec.name)))


@command("config list", role="agent")
def list_config(ctx: Context) -> Result:
    """List every feature flag with its value and what it does."""
    values = flags.all_flags()
    lines = [_line(flags.FLAGS[name], value) for name, value in values.items()]
    # Only admins may change a flag; agents are not pointed at a command they cannot run.
    how = f"\n{HOW_TO_SET}" if ctx.may("admin") else ""
    return Result(capped_list("Feature flags", len(lines), lines) + how)
