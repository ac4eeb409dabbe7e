"""Serving the API app under /api/v1 of the site, each with its own errors, limits and headers."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask

from api import PREFIX
from api.app import create_api
from jobs.runtime import Runtime
from wocs.settings import Settings


class _Mount:
    """Send /api/v1/… to the API app and everything else to the site, paths unchanged."""

    def __init__(self, site: Callable, api: Callable) -> None:
        self.site, self.api = site, api

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        inside = path == PREFIX or path.startswith(PREFIX + "/")
        return (self.api if inside else self.site)(environ, start_response)


def mount(app: Flask, settings: Settings, runtime: Runtime) -> Any:
    """Serve the API under /api/v1 of `app`; return the API app.

    A separate app keeps the API's JSON errors, rate limits, CORS and headers
    off the webhook and the public pages, and its OpenAPI document to itself.
    """
    api = create_api(settings, runtime)
    app.extensions["wocs_api"] = api
    app.wsgi_app = _Mount(app.wsgi_app, api)  # type: ignore[method-assign]
    return api
