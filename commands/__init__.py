"""Every command family; importing this package registers them all."""

from commands import admin, campaigns, help, tasks

__all__ = ["admin", "campaigns", "help", "tasks"]
