"""wocs.beacon: which drand round decides a draw, and the BLS check of recorded quicknet rounds."""

from __future__ import annotations

import datetime as dt

import pytest

from wocs.beacon import QUICKNET_PUBLIC_KEY, BeaconSettings, check_round
from wocs.drand_rounds import RECORDED

QUICKNET = BeaconSettings()
ROUND_1000 = RECORDED[1000]


def test_the_fixed_round_is_the_first_published_strictly_after_freeze_plus_margin() -> None:
    published = QUICKNET.round_time(1000)
    assert published == dt.datetime(2023, 8, 23, 15, 59, 24)  # genesis + 999 periods of 3 s
    margin = dt.timedelta(seconds=QUICKNET.margin)
    assert QUICKNET.round_after(published - margin) == 1001  # published at that moment: too early
    assert QUICKNET.round_after(published - margin - dt.timedelta(seconds=1)) == 1000
    assert QUICKNET.round_after(published - margin - dt.timedelta(seconds=3)) == 1000
    assert QUICKNET.round_after(dt.datetime(2000, 1, 1)) == 1  # before genesis: the first round
    slow = BeaconSettings(period=30, margin=0, genesis=1595431050)
    assert slow.round_after(slow.round_time(7)) == 8


@pytest.mark.parametrize("number", sorted(RECORDED))
def test_recorded_quicknet_rounds_verify(number: int) -> None:
    recorded = RECORDED[number]
    assert check_round(QUICKNET_PUBLIC_KEY, number, *recorded) == []


def test_a_flipped_bit_anywhere_in_the_signature_is_rejected() -> None:
    signature, randomness = ROUND_1000
    raw = bytes.fromhex(signature)
    for position in (0, 1, 20, 47):
        flipped = bytearray(raw)
        flipped[position] ^= 0x01
        problems = check_round(QUICKNET_PUBLIC_KEY, 1000, flipped.hex(), randomness)
        assert problems and problems[0].startswith("The beacon signature of round 1000 ")


def test_a_real_signature_of_another_round_is_rejected() -> None:
    signature, randomness = RECORDED[21_000_000]  # genuine, but it signs 21000000, not 1000
    assert check_round(QUICKNET_PUBLIC_KEY, 1000, signature, randomness) == [
        "The beacon signature of round 1000 does not verify."
    ]


def test_randomness_must_be_sha256_of_the_signature() -> None:
    signature, randomness = ROUND_1000
    wrong = ("0" if randomness[0] != "0" else "1") + randomness[1:]
    assert check_round(QUICKNET_PUBLIC_KEY, 1000, signature, wrong) == [
        "The beacon randomness of round 1000 is not SHA-256 of its signature."
    ]


def test_another_chains_key_or_garbage_is_rejected() -> None:
    signature, randomness = ROUND_1000
    other_key = "8" + QUICKNET_PUBLIC_KEY[1:-1] + "b"  # not a point of G2: refused, not crashed
    assert check_round(other_key, 1000, signature, randomness)
    assert check_round(QUICKNET_PUBLIC_KEY, 1000, "zz", randomness) == [
        "The beacon signature of round 1000 is not a valid BLS point."
    ]
    assert check_round(QUICKNET_PUBLIC_KEY, 1000, signature[:-2], randomness)
