"""What everything outside the API answers with: one set of security headers for the whole site."""

from __future__ import annotations

from flask import Flask, Response, request

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


def init(app: Flask) -> None:
    """Give every answer of the site (pages, webhook, health check, errors) the headers."""
    app.after_request(secure)
