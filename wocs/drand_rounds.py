"""Real quicknet rounds as drand published them, for the local beacon server and its tests.

Each is (signature, randomness) by round number; randomness is SHA-256 of the signature, and
every signature verifies against quicknet's public key (tests/test_beacon.py checks both).
Recorded from public test vectors of quicknet rounds (https://api.drand.sh/52db9ba7…/public/N):
round 1000 is the one drand client libraries and relays use as their known answer
(randomness fe290bec…); rounds 20999999 and 21000000 and 10024141 come from projects' pinned
fixtures of the same chain. A drand round is a published historical fact.
"""

from __future__ import annotations

RECORDED: dict[int, tuple[str, str]] = {
    1000: (
        "b44679b9a59af2ec876b1a6b1ad52ea9b1615fc3982b19576350f93447cb1125"
        "e342b73a8dd2bacbe47e4b6b63ed5e39",
        "fe290beca10872ef2fb164d2aa4442de4566183ec51c56ff3cd603d930e54fdd",
    ),
    10_024_141: (
        "8c87caf26bb4f5e9fdfad5ddf739ff8683344f8cf04a8c381225ff067557b5d9"
        "d51937eed765fcef21971bf5ddef44bb",
        "08622adf60800b20ad45b39792a6fe32cb4bf428925550921b01ac3843e714e6",
    ),
    20_999_999: (
        "842620e78f4395cfb79c779e5a7bef96a9d3827630a347244caabdcf55401ecd"
        "b6d55ca18439d3d1efd77936bd01a72a",
        "3eae499c0da33a95dfdf348ef19272d03cf8f42a4832175a94c063d3860cfc1b",
    ),
    21_000_000: (
        "971cbe88adc436f6411fd26d51887ede7ba144264cd05edec6645b5e170a7702"
        "d16082947a85d89c89cb47cd8eb7d817",
        "36ecd957580ee415f951370e2a5e13273be97de9072418aaf14d38242979e3c1",
    ),
}
