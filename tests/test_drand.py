"""jobs.drand against local relays: the first round that verifies wins, liars and outages do not."""

from __future__ import annotations

import dataclasses
import socket
from collections.abc import Iterator

import pytest

from jobs.drand import BeaconUnavailable, RoundNotYet, fetch_round
from jobs.drand_test_server import DrandTestServer, replay_chain
from wocs.drand_rounds import RECORDED


@pytest.fixture
def relays() -> Iterator[tuple[DrandTestServer, DrandTestServer]]:
    """Two local relays serving the recorded rounds."""
    with DrandTestServer() as first, DrandTestServer() as second:
        yield first, second


def _nothing_listening() -> str:
    """The URL of a local port nobody listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def test_a_recorded_round_is_fetched_and_verified(relays) -> None:
    first, _ = relays
    found = fetch_round(replay_chain(first.base_url), 1000)
    assert (found.number, found.signature, found.randomness) == (1000, *RECORDED[1000])
    assert first.requests == [
        "/52db9ba70e0cc0f6eaf7803dd07447a1f5477735fd3f661792ba94600c84e971/public/1000"
    ]


def test_an_unreachable_or_lying_relay_is_skipped_for_the_next(relays) -> None:
    first, second = relays
    first.tamper = True
    beacon = dataclasses.replace(
        replay_chain(""), urls=(_nothing_listening(), first.base_url, second.base_url)
    )
    assert fetch_round(beacon, 1000).randomness == RECORDED[1000][1]
    assert len(first.requests) == len(second.requests) == 1


def test_only_liars_and_outages_make_the_beacon_unavailable(relays) -> None:
    first, second = relays
    first.tamper, second.down = True, True
    beacon = dataclasses.replace(replay_chain(""), urls=(first.base_url, second.base_url))
    with pytest.raises(BeaconUnavailable) as raised:
        fetch_round(beacon, 1000)
    assert "The beacon signature of round 1000 " in str(raised.value)
    assert "503" in str(raised.value)
    assert not isinstance(raised.value, RoundNotYet)


def test_a_round_no_relay_has_yet_is_not_yet(relays) -> None:
    first, second = relays
    beacon = dataclasses.replace(replay_chain(""), urls=(first.base_url, second.base_url))
    with pytest.raises(RoundNotYet):
        fetch_round(beacon, 1001)


def test_a_relay_answering_another_round_is_not_believed(relays) -> None:
    first, _ = relays
    first.rounds[1000] = RECORDED[21_000_000]  # a genuine signature, of another round
    with pytest.raises(BeaconUnavailable, match="does not verify"):
        fetch_round(replay_chain(first.base_url), 1000)
