"""Every command family, one module each; `wocs.registry.load(commands)` registers them all."""

__all__ = [
    "account",
    "admin",
    "audit",
    "campaigns",
    "canned",
    "config",
    "confirmations",
    "conversations",
    "draws",
    "events",
    "handover",
    "help",
    "hooks",
    "landing",
    "messaging",
    "photos",
    "reports",
    "tasks",
    "undo",
    "winners",
]
