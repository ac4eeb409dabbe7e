"""Property tests from the served OpenAPI document: no 5xx, every answer matches the document.

One operation at a time (50 examples each), then call sequences that feed one answer's ids
into the next request (schemathesis infers the links from the document), with every check.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import positive_data_acceptance
from werkzeug.serving import make_server

from api import tokens
from api.app import create_api
from models import AppUser, Contact, Conversation, ConversationMessage, Event, Hook
from tests.conftest import ADMIN, Live

BUDGET = settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,  # the same examples on every run: CI stays repeatable and bounded
)
SEQUENCES = settings(BUDGET, max_examples=30, stateful_step_count=6)
# A document cannot say which strings are real phone numbers or team members' names, so a
# schema-valid request may rightly answer 400: that check alone is left out.
EXCLUDED = [positive_data_acceptance]


@pytest.fixture
def api_schema(live: Live) -> Iterator[schemathesis.BaseSchema]:
    """The document as a client fetches it, from an API app on the live stack's database.

    The app is the live one's twin with a generous rate limit, so the run tests the
    endpoints rather than the limiter; it logs in as the admin once.
    """
    import dataclasses

    relaxed = dataclasses.replace(live.settings, api_rate_limit="100000/minute")
    server = make_server("127.0.0.1", 0, create_api(relaxed, live.runtime), threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    Event.create(
        name="Bazaar", date="2030-01-01", location="KL", checklist=[{"text": "Ice", "done": False}]
    )
    Hook.create(text="Stop scrolling!", tags=["raya"])
    conversation = Conversation.create(contact=Contact.create(phone="60135551234", name="Farah"))
    ConversationMessage.create(conversation=conversation, direction="in", text="Hi, delivery?")
    user, _ = AppUser.get_or_create(phone=ADMIN)
    access = tokens.login(user, relaxed).access
    schema = schemathesis.openapi.from_url(
        f"http://127.0.0.1:{server.server_port}/api/v1/openapi.json"
    )
    schema.config.update(headers={"Authorization": f"Bearer {access}"})
    yield schema
    server.shutdown()


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@BUDGET
def test_the_api_keeps_its_documented_contract(case):
    case.call_and_validate(timeout=15, excluded_checks=EXCLUDED)


def test_call_sequences_keep_the_contract(api_schema):
    workflow = api_schema.as_state_machine()

    class Sequences(workflow):  # type: ignore[misc,valid-type]
        """Chained calls, each answer held to every check but the one above."""

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            case.validate_response(response, excluded_checks=EXCLUDED, transport_kwargs=kwargs)

    Sequences.run(settings=SEQUENCES)
