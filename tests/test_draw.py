"""Tests for wocs.draw: known answers, an independent reference draw, fairness statistics, verify()."""

from __future__ import annotations

import hashlib
import hmac
import math
from collections import Counter
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wocs.draw import (
    _below,
    canonical_entries,
    commitment,
    entries_digest,
    new_seed,
    pick_winners,
    verify,
)

FUZZ = settings(max_examples=200, deadline=None, database=None)  # no example files in the tree
CRITICAL_DF6 = 22.458  # chi-square critical value, 6 degrees of freedom, p = 0.001
CRITICAL_DF2 = 13.816  # chi-square critical value, 2 degrees of freedom, p = 0.001
DRAWS = 20_000
SEED = bytes(range(32))
CODE = "CNY2026"
WHEN = datetime(2026, 11, 25, 8, 30, 5)


def seed_number(n: int) -> bytes:
    """A distinct, reproducible seed per draw, so the statistics never flake."""
    return hashlib.sha256(n.to_bytes(8, "big")).digest()


def reference_winners(
    seed: bytes, digest: str, code: str, count: int, population: int
) -> list[int]:
    """The published algorithm written plainly: a byte buffer and a full list (small populations)."""
    message = bytes.fromhex(digest) + code.encode()
    stream, counter = b"", 0
    array = list(range(population))
    winners = []
    for i in range(min(count, population)):
        bound = population - i
        while True:
            if len(stream) < 8:
                stream += hmac.digest(seed, message + counter.to_bytes(8, "big"), "sha256")
                counter += 1
            word, stream = int.from_bytes(stream[:8], "big"), stream[8:]
            if word < (2**64 // bound) * bound:
                break
        j = i + word % bound
        array[i], array[j] = array[j], array[i]
        winners.append(array[i])
    return winners


def chi_square(counts: Counter[int], categories: int) -> float:
    """Pearson's statistic of the counts against a uniform distribution."""
    expected = sum(counts.values()) / categories
    return sum((counts[k] - expected) ** 2 / expected for k in range(categories))


def sample_entries() -> list[tuple[int, str, datetime]]:
    """A thousand entries with distinct phones and times."""
    return [(i, f"6012{i:07d}", WHEN + timedelta(minutes=i)) for i in range(1, 1001)]


# --- seed, commitment, canonical lines, digest ----------------------------------------------


def test_new_seed_is_32_fresh_bytes() -> None:
    first, second = new_seed(), new_seed()
    assert len(first) == 32
    assert first != second


def test_commitment_is_hex_sha256_of_the_seed() -> None:
    assert commitment(SEED) == hashlib.sha256(SEED).hexdigest()
    assert (
        commitment(bytes(32)) == "66687aadf862bd776c8fc18b8e9f8e20089714856ee233b3902a591d0d5f2925"
    )


def test_canonical_lines_exact_format_sorted_numerically() -> None:
    entries = [
        (
            10,
            "60123456789",
            datetime(2026, 11, 25, 8, 30, 5, 999_999),
        ),  # fraction dropped, no rounding
        (9, "60198765432", datetime(2026, 11, 25, 16, 0, tzinfo=timezone(timedelta(hours=8)))),
        (100, "6011000000001", datetime(2026, 11, 25, 0, 0, tzinfo=UTC)),
    ]
    assert canonical_entries(iter(entries)) == [
        "9:60198765432:2026-11-25T08:00:00Z",
        "10:60123456789:2026-11-25T08:30:05Z",
        "100:6011000000001:2026-11-25T00:00:00Z",
    ]
    assert canonical_entries([]) == []


def test_digest_is_sha256_of_lines_joined_by_newline() -> None:
    assert entries_digest(["a", "b"]) == hashlib.sha256(b"a\nb").hexdigest()
    assert entries_digest([]) == hashlib.sha256(b"").hexdigest()
    assert entries_digest(["ü"]) == hashlib.sha256("ü".encode()).hexdigest()


def test_digest_streams_across_chunks_like_one_string() -> None:
    lines = canonical_entries((i, f"6013{i:07d}", WHEN) for i in range(1, 25_002))
    whole = "\n".join(lines).encode()
    assert entries_digest(lines) == hashlib.sha256(whole).hexdigest()
    assert entries_digest(iter(lines)) == hashlib.sha256(whole).hexdigest()


def test_a_line_with_a_newline_is_refused() -> None:
    with pytest.raises(ValueError, match="newline"):
        entries_digest(
            ["1:60123456789:2026-11-25T08:30:05Z", "2:601\n3:60199:2026-11-25T08:30:05Z"]
        )


def test_one_changed_phone_character_changes_digest_and_winners() -> None:
    entries = sample_entries()
    changed = [*entries]
    entry_id, phone, at = changed[500]
    changed[500] = (entry_id, phone[:-1] + ("0" if phone[-1] != "0" else "1"), at)
    digest = entries_digest(canonical_entries(entries))
    other = entries_digest(canonical_entries(changed))
    assert digest != other
    assert pick_winners(SEED, digest, CODE, 3, 1000) != pick_winners(SEED, other, CODE, 3, 1000)


# --- pick_winners ---------------------------------------------------------------------------


DIGEST = entries_digest(canonical_entries(sample_entries()))


def test_same_inputs_same_winners_and_each_input_matters() -> None:
    winners = pick_winners(SEED, DIGEST, CODE, 5, 1_000_000)
    assert winners == pick_winners(SEED, DIGEST, CODE, 5, 1_000_000)
    assert winners != pick_winners(seed_number(1), DIGEST, CODE, 5, 1_000_000)
    assert winners != pick_winners(SEED, DIGEST, "CNY2027", 5, 1_000_000)
    assert winners != pick_winners(SEED, hashlib.sha256(b"x").hexdigest(), CODE, 5, 1_000_000)


def test_matches_the_plain_reference_algorithm() -> None:
    assert pick_winners(SEED, DIGEST, CODE, 10, 1000) == reference_winners(
        SEED, DIGEST, CODE, 10, 1000
    )


def test_winners_are_unique_and_overflow_returns_everyone() -> None:
    winners = pick_winners(SEED, DIGEST, CODE, 50, 60)
    assert len(set(winners)) == 50
    everyone = pick_winners(SEED, DIGEST, CODE, 10, 7)
    assert sorted(everyone) == list(range(7))
    assert everyone[:3] == pick_winners(SEED, DIGEST, CODE, 3, 7)  # prize order is a prefix


@pytest.mark.parametrize(("count", "population"), [(0, 10), (-1, 10), (3, 0), (0, 0)])
def test_nothing_to_draw_gives_no_winners(count: int, population: int) -> None:
    assert pick_winners(SEED, DIGEST, CODE, count, population) == []


def test_memory_follows_count_not_population() -> None:
    winners = pick_winners(SEED, DIGEST, CODE, 10, 10**18)  # a list of 10**18 would never fit
    assert len(set(winners)) == 10
    assert all(0 <= w < 10**18 for w in winners)


def test_population_beyond_64_bits_is_refused() -> None:
    with pytest.raises(ValueError, match="too large"):
        pick_winners(SEED, DIGEST, CODE, 1, 2**64 + 1)


# --- fairness -------------------------------------------------------------------------------


def test_one_winner_among_seven_is_uniform() -> None:
    counts = Counter(pick_winners(seed_number(n), DIGEST, CODE, 1, 7)[0] for n in range(DRAWS))
    assert chi_square(counts, 7) < CRITICAL_DF6


def test_three_winners_among_seven_share_three_sevenths_each() -> None:
    draws = [pick_winners(seed_number(n), DIGEST, CODE, 3, 7) for n in range(DRAWS)]
    shares = Counter(w for winners in draws for w in winners)
    spread = math.sqrt(DRAWS * 3 / 7 * 4 / 7)  # binomial standard deviation of one entry's wins
    for entry in range(7):
        assert abs(shares[entry] - DRAWS * 3 / 7) < 4.5 * spread
    for prize in range(3):  # every prize, not only the set of winners, is uniform
        assert chi_square(Counter(winners[prize] for winners in draws), 7) < CRITICAL_DF6


def test_population_of_three_is_uniform() -> None:
    # With 64-bit words the bias of a plain modulo here would be 2^-64: the next test makes it big.
    counts = Counter(pick_winners(seed_number(n), DIGEST, CODE, 1, 3)[0] for n in range(DRAWS))
    assert chi_square(counts, 3) < CRITICAL_DF2


def test_rejection_removes_modulo_bias_where_it_would_be_large() -> None:
    # Population 3·2^62: a plain `word % n` would give the lowest third half of all wins.
    third = 2**62
    counts = Counter(
        pick_winners(seed_number(n), DIGEST, CODE, 1, 3 * third)[0] // third for n in range(DRAWS)
    )
    assert chi_square(counts, 3) < CRITICAL_DF2


def test_words_at_or_above_the_largest_multiple_are_rejected() -> None:
    # 2^64 - 1 is the largest multiple of 3 below 2^64: it and beyond are skipped.
    assert _below(iter([2**64 - 1, 4]), 3) == 1
    assert _below(iter([2**64 - 2, 4]), 3) == (2**64 - 2) % 3
    assert _below(iter([3 * 2**62, 3 * 2**62 - 1]), 3 * 2**62) == 3 * 2**62 - 1


# --- verify ---------------------------------------------------------------------------------


LINES = canonical_entries(sample_entries())
WINNERS = pick_winners(SEED, DIGEST, CODE, 3, len(LINES))


def test_verify_accepts_an_honest_draw() -> None:
    assert verify(SEED.hex(), commitment(SEED), LINES, CODE, WINNERS, DIGEST) == []
    assert verify(SEED.hex(), commitment(SEED).upper(), LINES, CODE, WINNERS, DIGEST, count=3) == []


def test_verify_reports_a_seed_that_breaks_the_commitment() -> None:
    problems = verify(seed_number(1).hex(), commitment(SEED), LINES, CODE, WINNERS, DIGEST)
    assert problems[0] == "The seed does not match the published commitment."
    assert problems[1].startswith(f"The winners {WINNERS} differ from the recomputed ")


def test_verify_reports_a_changed_line() -> None:
    lines = [*LINES]
    lines[7] = lines[7].replace("6012", "6013")
    problems = verify(SEED.hex(), commitment(SEED), lines, CODE, WINNERS, DIGEST)
    assert problems == ["The entries digest does not match the entry list."]


def test_verify_reports_a_line_split_in_two() -> None:
    lines = [*LINES]
    lines[7] += "\n1001:60120000000:2026-11-25T08:30:05Z"
    problems = verify(SEED.hex(), commitment(SEED), lines, CODE, WINNERS, DIGEST)
    assert problems == ["The entries digest does not match the entry list."]


def test_verify_reports_changed_winners() -> None:
    tampered = [WINNERS[1], WINNERS[0], WINNERS[2]]
    problems = verify(SEED.hex(), commitment(SEED), LINES, CODE, tampered, DIGEST)
    assert problems == [f"The winners {tampered} differ from the recomputed {WINNERS}."]


def test_verify_with_count_catches_a_shortened_winner_list() -> None:
    assert verify(SEED.hex(), commitment(SEED), LINES, CODE, WINNERS[:2], DIGEST) == []
    problems = verify(SEED.hex(), commitment(SEED), LINES, CODE, WINNERS[:2], DIGEST, count=3)
    assert problems == [f"The winners {WINNERS[:2]} differ from the recomputed {WINNERS}."]


def test_verify_reports_text_that_is_not_hex() -> None:
    assert verify("zz", commitment(SEED), LINES, CODE, WINNERS, DIGEST) == [
        "The seed 'zz' is not hexadecimal."
    ]
    assert verify(SEED.hex(), commitment(SEED), LINES, CODE, WINNERS, "nothex") == [
        "The entries digest does not match the entry list.",
        "The digest 'nothex' is not hexadecimal.",
    ]


# --- properties -----------------------------------------------------------------------------


@FUZZ
@given(
    seed=st.binary(min_size=32, max_size=32),
    code=st.text(st.characters(codec="utf-8"), max_size=20),
    population=st.integers(min_value=0, max_value=3000),
    count=st.integers(min_value=-2, max_value=3100),
)
def test_any_draw_is_in_range_unique_and_deterministic(
    seed: bytes, code: str, population: int, count: int
) -> None:
    winners = pick_winners(seed, DIGEST, code, count, population)
    assert len(winners) == max(0, min(count, population))
    assert len(set(winners)) == len(winners)
    assert all(0 <= w < population for w in winners)
    assert winners == pick_winners(seed, DIGEST, code, count, population)
    assert winners == reference_winners(seed, DIGEST, code, count, population)
