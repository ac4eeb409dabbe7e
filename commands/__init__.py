"""Every command family; importing this package registers them all."""

# photos after events: it uses events.get_event
from commands import (
    admin,
    audit,
    campaigns,
    config,
    events,
    help,
    hooks,
    landing,
    messaging,
    photos,
    reports,
    tasks,
)

__all__ = [
    "admin",
    "audit",
    "campaigns",
    "config",
    "events",
    "help",
    "hooks",
    "landing",
    "messaging",
    "photos",
    "reports",
    "tasks",
]
