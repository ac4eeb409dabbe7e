"""Sending pace shared by every worker through Redis: messages a second, per recipient, pauses."""

from __future__ import annotations

import random
import threading
import time
import uuid

from jobs.runtime import current

WINDOW_MS = 1000
# Tokens are taken a little before the request reaches Meta; a slightly longer window keeps
# any one-second window at Meta's end under the cap even when requests bunch up in flight.
MARGIN_MS = 50
BULK_SHARE = 0.9  # bulk sends leave a tenth of the rate to replies, so /help stays fast
PAIR_SECONDS = 6.0  # Meta's pace for one recipient (error 131056 beyond it)
MAX_WAIT = 30.0  # a send that cannot get a token this long goes back to its queue
# One bulk sender per process asks Redis at a time: dozens of sending threads polling together
# would take CPU from the reply threads of the same process.
_bulk_turn = threading.Lock()

# One sorted set per business number holds the send times of the last window; the script
# drops the old ones and takes a slot if one is free, atomically, on Redis's own clock. Bulk
# slots are also spaced on a grid `gap` ms apart (KEYS[3] holds the next slot's time): a whole
# window's slots taken in one burst would let in-flight jitter push two bursts into one second
# at Meta's end. A sender that wakes late may take the next slot at once (one slot of slack),
# so late wake-ups do not stretch every slot that follows.
_TAKE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = tonumber(ARGV[2])
local gap = tonumber(ARGV[4])
local paused = redis.call('PTTL', KEYS[2])
if paused > 0 then return paused end
local due = now
if gap > 0 then
  due = math.max(tonumber(redis.call('GET', KEYS[3]) or '0'), now - gap)
  if due > now then return due - now end
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], window)
  if gap > 0 then redis.call('SET', KEYS[3], due + gap, 'PX', window) end
  return 0
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return math.max(1, tonumber(oldest[2]) + window - now)
"""


class NoToken(Exception):
    """No send slot within MAX_WAIT (Meta is throttling us, or the queue is far behind)."""


def _keys() -> tuple[str, str, str]:
    number = current().settings.phone_number_id or "local"
    return f"wocs:mps:{number}", f"wocs:mps:{number}:pause", f"wocs:mps:{number}:bulk"


def take(bulk: bool = False) -> float:
    """Wait for a send slot under WHATSAPP_MPS; return the seconds waited."""
    settings = current().settings
    limit = max(1, int(settings.mps * BULK_SHARE)) if bulk else settings.mps
    gap = WINDOW_MS // limit if bulk else 0
    script = current().redis.register_script(_TAKE)
    started = time.monotonic()
    if bulk and not _bulk_turn.acquire(timeout=MAX_WAIT):
        raise NoToken(f"no send slot in {MAX_WAIT:.0f} s")
    try:
        while True:
            args = [limit, WINDOW_MS + MARGIN_MS, uuid.uuid4().hex, gap]
            wait_ms = int(script(keys=_keys(), args=args))
            if wait_ms <= 0:
                return time.monotonic() - started
            if time.monotonic() - started > MAX_WAIT:
                raise NoToken(f"no send slot in {MAX_WAIT:.0f} s")
            # Bulk senders ask one at a time, so only reply threads need spreading out.
            spread = 1.0 if bulk else random.uniform(1.0, 1.2)
            time.sleep(min(wait_ms, 1000) / 1000 * spread)
    finally:
        if bulk:
            _bulk_turn.release()


def pause(seconds: float) -> None:
    """Hold every worker's sends for a while (Meta answered 130429: throughput exceeded)."""
    ms = max(1, int(seconds * 1000 * random.uniform(0.8, 1.25)))
    # NX: many sends hit by the same throttle pause once, not for the sum of their pauses.
    current().redis.set(_keys()[1], 1, px=ms, nx=True)


def recipient_free(to: str) -> float:
    """Claim the next bulk slot for one recipient; 0 if claimed, else seconds until it frees."""
    redis = current().redis
    key = f"wocs:pair:{to}"
    if redis.set(key, 1, px=int(PAIR_SECONDS * 1000), nx=True):
        return 0.0
    return max(0.1, redis.pttl(key) / 1000)
