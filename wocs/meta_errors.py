"""Meta's Cloud API error codes by family, and the short names staff read in reports."""

from __future__ import annotations

RATE_LIMIT_CODES = frozenset({130429, 131056, 80007, 4, 613})
TEMPLATE_CODES = frozenset({132000, 132001, 132005, 132007, 132012, 132015, 132016})
AUTH_CODES = frozenset({190, 10, 200})
TRANSIENT_CODES = frozenset({1, 2, 131000, 131016, 133004})
OUTSIDE_WINDOW = 131047  # free-form text outside the 24-hour window
OPTED_OUT = 131050  # the person stopped marketing messages
# Sent by BSUID (`recipient`) where Meta allows only a phone: a customer known by username alone
# cannot be sent this message (Meta's business-scoped user id errors, 2026).
BSUID_REFUSED = 131062

# Short names for the Cloud API error codes staff meet most; the rest by their family.
ERROR_NAMES = {
    OUTSIDE_WINDOW: "outside the 24h window",
    OPTED_OUT: "opted out of marketing",
    BSUID_REFUSED: "not allowed to a username (BSUID) recipient",
    130429: "rate limit",
    131056: "pair rate limit",
    131026: "undeliverable",
    131049: "marketing cap per user",
    131048: "spam limit",
    132000: "template parameters wrong",
    132001: "template missing or unapproved",
    190: "access token expired",
}
ERROR_FAMILIES = (
    (RATE_LIMIT_CODES, "rate limit"),
    (TEMPLATE_CODES, "template problem"),
    (AUTH_CODES, "access token or permission"),
    (TRANSIENT_CODES, "temporary error at Meta"),
)


def error_name(code: int | None) -> str:
    """A failure code with a short name staff can act on (`131047 outside the 24h window`)."""
    if code is None:
        return "no error code"
    family = next((name for codes, name in ERROR_FAMILIES if code in codes), "other")
    return f"{code} {ERROR_NAMES.get(code, family)}"
