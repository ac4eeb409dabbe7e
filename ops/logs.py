"""Log lines for people (the default) or one JSON object a line for a log collector."""

from __future__ import annotations

import datetime as dt
import json
import logging

from rq.job import get_current_job

PLAIN = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class JSONFormatter(logging.Formatter):
    """A record as one JSON line: time (UTC), level, logger, message, the job, the error.

    Jobs are named after the row they work on (`send-812`, `inbound-4411`), so the job id
    follows one message from the webhook's row to its reply.
    """

    def format(self, record: logging.LogRecord) -> str:
        """The record's fields; the message is already masked by whoever logged it."""
        line = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        job = get_current_job()
        if job is not None:
            line["job"] = job.id
        if record.exc_info:
            line["error"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


def configure(form: str) -> None:
    """Log `plain` or `json` lines on standard error, unless logging is already set up.

    `bot.py` calls it first; the app factory calls it again for gunicorn, whose workers build
    the app without `bot.py` (and under pytest, whose handlers it must leave alone).
    """
    root = logging.getLogger()
    if root.handlers:
        return
    handler = logging.StreamHandler()
    handler.setFormatter(JSONFormatter() if form == "json" else logging.Formatter(PLAIN))
    root.addHandler(handler)
    root.setLevel(logging.INFO)
