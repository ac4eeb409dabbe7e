"""Every command family; importing this package registers them all."""

from commands import admin, campaigns, events, help, hooks, tasks

__all__ = ["admin", "campaigns", "events", "help", "hooks", "tasks"]
