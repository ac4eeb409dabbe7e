"""drand randomness beacon: the pinned chain, which round decides a draw, and its BLS check."""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from dataclasses import dataclass

import py_arkworks_bls12381 as bls

# quicknet, the League of Entropy's 3-second chain (https://api.drand.sh/<hash>/info).
QUICKNET_HASH = "52db9ba70e0cc0f6eaf7803dd07447a1f5477735fd3f661792ba94600c84e971"
QUICKNET_PUBLIC_KEY = (
    "83cf0f2896adee7eb8b5f01fcad3912212c437e0073e911fb90022d3e760183c"
    "8c4b450b6a0a6c3ac6a5776a2d1064510d1fec758c921cc22b0e17e63aaf4bcb"
    "5ed66304de9cf809bd274ca73bab4af5a6e9c76a4bc09e76eae8991ef5ece45a"
)
QUICKNET_GENESIS = 1692803367
QUICKNET_PERIOD = 3
SCHEME = "bls-unchained-g1-rfc9380"  # signatures on G1, public key on G2, round-only message
DST = b"BLS_SIG_BLS12381G1_XMD:SHA-256_SSWU_RO_NUL_"  # RFC 9380 hash-to-G1 suite drand uses
DEFAULT_URLS = (
    "https://api.drand.sh",
    "https://api2.drand.sh",
    "https://api3.drand.sh",
    "https://drand.cloudflare.com",
)
DEFAULT_MARGIN = 30  # seconds between the freeze and the earliest round that may decide


@dataclass(frozen=True)
class BeaconSettings:
    """The pinned chain (hash, key, genesis, period), where to fetch rounds, and the margin."""

    chain_hash: str = QUICKNET_HASH
    public_key: str = QUICKNET_PUBLIC_KEY
    genesis: int = QUICKNET_GENESIS  # Unix seconds of round 1
    period: int = QUICKNET_PERIOD  # seconds between rounds
    urls: tuple[str, ...] = DEFAULT_URLS
    margin: int = DEFAULT_MARGIN

    def round_time(self, round_number: int) -> dt.datetime:
        """When a round is published, as naive UTC."""
        seconds = self.genesis + (round_number - 1) * self.period
        return dt.datetime.fromtimestamp(seconds, dt.UTC).replace(tzinfo=None)

    def round_after(self, frozen_at: dt.datetime) -> int:
        """The first round published strictly after the freeze (naive UTC) plus the margin."""
        moment = frozen_at.replace(tzinfo=dt.UTC).timestamp() + self.margin
        # Round r is published at genesis + (r - 1) * period; strictly later: the next whole one.
        return max(1, math.floor((moment - self.genesis) / self.period) + 2)


def message(round_number: int) -> bytes:
    """What an unchained round signs: SHA-256 of the round as an 8-byte big-endian number."""
    return hashlib.sha256(round_number.to_bytes(8, "big")).digest()


def check_round(
    public_key_hex: str, round_number: int, signature_hex: str, randomness_hex: str
) -> list[str]:
    """Problems with a beacon round: a signature the chain's key did not make, or randomness
    that is not SHA-256 of the signature; empty when the round is genuine."""
    try:
        signature = bytes.fromhex(signature_hex)
        key = bls.G2Point.from_compressed_bytes(bytes.fromhex(public_key_hex))
        point = bls.G1Point.from_compressed_bytes(signature)  # also checks the subgroup
    except (ValueError, TypeError):
        return [f"The beacon signature of round {round_number} is not a valid BLS point."]
    problems = []
    hashed = bls.G1Point.hash_to_curve(message(round_number), DST)
    # e(signature, g2) == e(H(m), key), as one product of pairings: e(sig, -g2) · e(H(m), key) = 1
    if not bls.GT.pairing_check([point, hashed], [-bls.G2Point(), key]):
        problems.append(f"The beacon signature of round {round_number} does not verify.")
    if hashlib.sha256(signature).hexdigest() != randomness_hex.strip().lower():
        problems.append(
            f"The beacon randomness of round {round_number} is not SHA-256 of its signature."
        )
    return problems
