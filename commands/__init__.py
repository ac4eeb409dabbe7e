"""Every command family; importing this package registers them all."""

from commands import admin, help, tasks

__all__ = ["admin", "help", "tasks"]
