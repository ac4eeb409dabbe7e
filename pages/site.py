"""The site outside the API: its security headers, and 503 while the database is down."""

from __future__ import annotations

import logging

from flask import Flask, Response, request
from peewee import InterfaceError, OperationalError

log = logging.getLogger(__name__)

# default-src 'none' forbids scripts, frames, fonts and fetches even if something slipped past
# the landing pages' sanitiser; the pages' own <style> blocks need 'unsafe-inline' (content
# cannot carry style attributes, the sanitiser drops them); images load over https, and data:
# only serves the pages' empty favicon (the sanitiser lets no data: URL through); base-uri and
# form-action stop a smuggled <base> or <form> from redirecting links or posting data;
# frame-ancestors stops another site framing a page (clickjacking). No page needs more, and
# error pages, the webhook's JSON and the health check need less, so one policy serves all.
CSP = (
    "default-src 'none'; img-src https: data:; style-src 'unsafe-inline'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
HEADERS = {"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff"}
HSTS = "max-age=31536000; includeSubDomains"


def secure(response: Response) -> Response:
    """Add the site's security headers to an answer, error pages included."""
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    # Only over https (directly, or as a trusted proxy in WOCS_TRUSTED_PROXIES reports it):
    # browsers ignore HSTS on plain http, and a forged X-Forwarded-Proto is not believed.
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    return response


def database_trouble(exc: Exception) -> Response:
    """503 with Retry-After when the database timed out or is unreachable, not a 500 page."""
    log.warning("%s %s met a database error: %s", request.method, request.path, exc)
    answer = Response("Temporarily unavailable; try again in a few seconds.\n", 503)
    answer.mimetype = "text/plain"
    answer.headers["Retry-After"] = "5"
    return answer


def init(app: Flask) -> None:
    """Give every answer of the site (pages, webhook, health check, errors) the headers."""
    app.after_request(secure)
    app.register_error_handler(OperationalError, database_trouble)
    app.register_error_handler(InterfaceError, database_trouble)
