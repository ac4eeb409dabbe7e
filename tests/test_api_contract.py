"""The API's contract over HTTP: JSON errors, security headers, CORS, rate limits, OpenAPI."""

from __future__ import annotations

import inspect
import threading
import time
import typing
from collections.abc import Iterator

import pytest
import requests
from pydantic import BaseModel
from werkzeug.serving import make_server

import models
from api import common, errors, paging
from api.app import _modules, create_api
from tests.api_client import call, code_sent_to, forge, later, token_for
from tests.conftest import ADMIN
from wocs.settings import Settings

API = "/api/v1"
ORIGIN = "https://app.example.com"


@pytest.fixture
def strict_api(live) -> Iterator[str]:
    """An API app of its own with a tiny rate limit and one allowed origin, over real HTTP."""
    settings = Settings(api_rate_limit="3/minute", api_cors_origins=(ORIGIN,))
    server = make_server("127.0.0.1", 0, create_api(settings, live.runtime), threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def _error(answer: requests.Response, status: int, code: str) -> dict:
    assert answer.status_code == status, answer.text
    assert answer.headers["Content-Type"] == "application/json"
    body = answer.json()["error"]
    assert body["code"] == code and body["message"]
    return body


def test_unknown_addresses_and_methods_answer_json(live):
    _error(requests.get(f"{live.url}{API}/nothing-here", timeout=10), 404, "not_found")
    wrong = requests.delete(f"{live.url}{API}/openapi.json", timeout=10)
    _error(wrong, 405, "method_not_allowed")
    assert "GET" in wrong.headers["Allow"]


def test_the_site_outside_the_api_keeps_its_own_answers(live):
    assert requests.get(f"{live.url}/healthz", timeout=10).json()["status"] == "ok"
    page = requests.get(f"{live.url}/nothing-here", timeout=10)
    assert page.status_code == 404 and "X-Frame-Options" not in page.headers


def test_every_api_answer_carries_security_headers(live):
    for answer in (
        requests.get(f"{live.url}{API}/openapi.json", timeout=10),
        requests.get(f"{live.url}{API}/nothing-here", timeout=10),
    ):
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
        assert answer.headers["X-Frame-Options"] == "DENY"
        assert answer.headers["Cache-Control"] == "no-store"
        assert "default-src 'none'" in answer.headers["Content-Security-Policy"]
        assert "Retry-After" not in answer.headers


@pytest.mark.parametrize("path", ["/auth/otp", "/auth/verify", "/auth/refresh", "/sync"])
def test_json_nested_too_deeply_is_a_400_before_login(live, path):
    deep = "[" * 100_000
    answer = requests.post(
        f"{live.url}{API}{path}",
        data=deep,
        headers={"Content-Type": "application/json"},
        timeout=10,
    )
    assert "JSON" in _error(answer, 400, "invalid")["message"]


def _busy(answer: requests.Response) -> None:
    _error(answer, 503, "unavailable")
    assert 1 <= int(answer.headers["Retry-After"]) <= 30


def test_a_stalled_database_answers_503_with_retry_after(live, stall):
    later(live)  # the login limits count from zero
    token = token_for(live, ADMIN)
    stalls = [("api_otp", "POST", "/auth/otp", {"phone": ADMIN})]
    if models.is_mysql():  # SQLite lets readers past a writer
        stalls.append(("api_session", "GET", "/auth/me", None))  # the rate limit reads it first
    for table, method, path, body in stalls:
        with stall(table):
            started = time.monotonic()
            answer = call(live, method, path, token, json=body)
            waited = time.monotonic() - started
        _busy(answer)
        assert waited < 4, path  # one 2-second wait; gunicorn kills a worker after 30
    assert call(live, "POST", "/auth/otp", json={"phone": ADMIN}).status_code == 202
    code_sent_to(live, ADMIN, 2)  # the code the stalled request could not send goes now
    assert call(live, "GET", "/auth/me", token).status_code == 200


def test_a_database_that_cannot_be_reached_answers_503_with_retry_after(live):
    token = forge(live)
    later(live)  # else a code asked for a moment ago would make the request a quiet 202
    working = live.runtime.database
    live.runtime.database = models.open_database("mysql://root@127.0.0.1:1/none")
    try:
        _busy(call(live, "GET", "/auth/me", token))
        _busy(call(live, "POST", "/auth/otp", json={"phone": ADMIN}))
    finally:
        live.runtime.database = working


def test_the_openapi_document_is_served(live):
    doc = requests.get(f"{live.url}{API}/openapi.json", timeout=10).json()
    assert doc["openapi"].startswith("3.1")
    assert doc["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    assert "ErrorOut" in doc["components"]["schemas"]
    # Tasks and events carry their moment (UTC) beside their day, null when no time was given.
    schemas = doc["components"]["schemas"]
    for model, moment in (("TaskOut", "due_at"), ("EventOut", "starts_at")):
        assert moment in schemas[model]["required"]
        kinds = schemas[model]["properties"][moment]["anyOf"]
        assert kinds == [{"type": "string", "format": "date-time"}, {"type": "null"}], kinds


def _models_within(annotation: object) -> Iterator[type[BaseModel]]:
    """The pydantic models a field's type holds (list[X], X | None, dict[str, X], …)."""
    if inspect.isclass(annotation) and issubclass(annotation, BaseModel):
        yield annotation
    for argument in typing.get_args(annotation):
        yield from _models_within(argument)


def _api_models() -> set[type[BaseModel]]:
    """Every pydantic model the API's modules define, and every model nested in their fields."""
    todo = [
        value
        for module in [*_modules(), common, errors, paging]
        for value in vars(module).values()
        if inspect.isclass(value) and issubclass(value, BaseModel)
        if value.__module__ == module.__name__
    ]
    found: set[type[BaseModel]] = set()
    while todo:
        model = todo.pop()
        if model not in found:
            found.add(model)
            for field in model.model_fields.values():
                todo.extend(_models_within(field.annotation))
    return found


def test_distinct_schemas_get_distinct_names_in_the_document(live):
    doc = requests.get(f"{live.url}{API}/openapi.json", timeout=10).json()
    components = doc["components"]["schemas"]
    named: dict[str, set[str]] = {}
    for model in _api_models():
        named.setdefault(model.__name__, set()).add(f"{model.__module__}.{model.__qualname__}")
        if model.__name__ in components:  # bodies and answers; queries become parameters
            documented = set(components[model.__name__].get("properties", {}))
            assert documented == set(model.model_fields), f"{model.__name__} shows another schema"
    assert {name: where for name, where in named.items() if len(where) > 1} == {}


def test_cors_is_granted_only_to_configured_origins(strict_api):
    allowed = requests.options(
        f"{strict_api}{API}/openapi.json",
        headers={
            "Origin": ORIGIN,
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "authorization",
        },
        timeout=10,
    )
    assert allowed.headers["Access-Control-Allow-Origin"] == ORIGIN
    other = requests.get(
        f"{strict_api}{API}/openapi.json", headers={"Origin": "https://evil.example"}, timeout=10
    )
    assert "Access-Control-Allow-Origin" not in other.headers


def test_no_cors_at_all_without_configured_origins(live):
    answer = requests.get(f"{live.url}{API}/openapi.json", headers={"Origin": ORIGIN}, timeout=10)
    assert answer.status_code == 200 and "Access-Control-Allow-Origin" not in answer.headers


def test_too_many_requests_answer_429_with_retry_after(strict_api):
    statuses = [
        requests.get(f"{strict_api}{API}/openapi.json", timeout=10).status_code for _ in range(3)
    ]
    assert statuses == [200, 200, 200]
    refused = requests.get(f"{strict_api}{API}/openapi.json", timeout=10)
    _error(refused, 429, "rate_limited")
    assert 0 < int(refused.headers["Retry-After"]) <= 60


def test_the_limit_is_one_budget_across_every_endpoint(strict_api):
    # Per-route limits let one caller spend the budget again on each endpoint.
    paths = ["/events", "/tasks", "/hooks"]
    first = [requests.get(f"{strict_api}{API}{p}", timeout=10) for p in paths]
    assert [a.status_code for a in first] == [401, 401, 401]
    assert [a.headers["X-RateLimit-Limit"] for a in first] == ["3", "3", "3"]
    assert [a.headers["X-RateLimit-Remaining"] for a in first] == ["2", "1", "0"]
    _error(requests.get(f"{strict_api}{API}/campaigns", timeout=10), 429, "rate_limited")


def test_a_sync_spends_one_request_of_the_budget_per_operation(strict_api):
    op = {"entity": "task", "type": "delete", "entity_id": 1, "client_ts": "2030-01-01T00:00:00Z"}
    body = {"operations": [dict(op, id="a"), dict(op, id="b")]}
    pushed = requests.post(f"{strict_api}{API}/sync", json=body, timeout=10)
    assert pushed.headers["X-RateLimit-Remaining"] == "1"
    assert requests.get(f"{strict_api}{API}/events", timeout=10).status_code == 401
    _error(requests.get(f"{strict_api}{API}/events", timeout=10), 429, "rate_limited")
