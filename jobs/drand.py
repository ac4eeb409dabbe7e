"""Fetch a drand round from the configured HTTP endpoints and keep it only if it verifies."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass

import requests

from wocs.beacon import BeaconSettings, check_round

log = logging.getLogger(__name__)
TIMEOUT = 5  # seconds per endpoint: a relay that slow is as good as down; the next one is tried
NOT_YET = (404, 425)  # what relays answer for a round not published yet


class BeaconUnavailable(Exception):
    """No endpoint gave a round that verifies (unreachable, an error, or a bad signature)."""


class RoundNotYet(BeaconUnavailable):
    """The round's time has not come, or the endpoints say they do not have it yet."""


@dataclass(frozen=True)
class Round:
    """A verified drand round: its number, signature and randomness (SHA-256 of the signature)."""

    number: int
    signature: str
    randomness: str


def _problem(beacon: BeaconSettings, number: int, data: object) -> tuple[Round | None, str]:
    """The round in an endpoint's JSON answer, or why it cannot be used."""
    if not isinstance(data, dict) or data.get("round") != number:
        return None, f"the answer is not round {number}"
    signature = str(data.get("signature", "")).lower()
    randomness = str(data.get("randomness") or hashlib.sha256(bytes.fromhex(signature)).hexdigest())
    problems = check_round(beacon.public_key, number, signature, randomness)
    if problems:  # a relay that lies (or a bit flipped on the way) is skipped, never believed
        return None, problems[0]
    return Round(number, signature, randomness.lower()), ""


def fetch_round(beacon: BeaconSettings, number: int) -> Round:
    """The verified round from the first endpoint that has it, trying each in turn.

    Raises RoundNotYet when every endpoint says it has not got the round yet (it is still to
    come: asking early costs one request and is harmless, since only a valid signature counts),
    BeaconUnavailable otherwise.
    """
    reasons, waiting = [], 0
    for base in beacon.urls:
        url = f"{base}/{beacon.chain_hash}/public/{number}"
        try:
            answer = requests.get(url, timeout=TIMEOUT)
            if answer.status_code in NOT_YET:
                waiting += 1
                reasons.append(f"{base}: not published yet ({answer.status_code})")
                continue
            answer.raise_for_status()
            found, reason = _problem(beacon, number, answer.json())
        except (requests.RequestException, ValueError) as exc:
            found, reason = None, f"{type(exc).__name__}: {str(exc)[:120]}"
        if found is not None:
            return found
        reasons.append(f"{base}: {reason}")
    log.warning("drand round %s: %s", number, "; ".join(reasons))
    if waiting == len(beacon.urls):
        raise RoundNotYet("; ".join(reasons))
    raise BeaconUnavailable("; ".join(reasons) or "no drand endpoint is configured")
