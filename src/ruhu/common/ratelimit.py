"""Counting events in a sliding window, in the shared cache (Redis in production, the
database otherwise): failed logins per account and per address, unmasks per user.

A window is cut into SLICES buckets named by their number (the clock divided by the
bucket's width), so an old count leaves the window by its name, not by the store's expiry
(which follows the real clock, not a test's); the expiry only clears old buckets away. The
count may include failures up to one bucket older than the window: it errs towards refusing.
Increments are atomic on Redis; the database cache reads and writes, so two requests at the
same instant may count as one there. A store that cannot be reached raises StoreUnavailable:
every caller refuses rather than skips its check.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

from django.core.cache import cache

SLICES = 15


class StoreUnavailable(Exception):
    """The shared cache is down: the caller refuses rather than skip the check."""


def call_store(fn: Callable[..., Any], *args: Any) -> Any:
    try:
        return fn(*args)
    except Exception as exc:  # any store failure: connection refused, timeout, missing table
        raise StoreUnavailable(exc.__class__.__name__) from exc


def _width(seconds: int) -> int:
    return max(1, math.ceil(seconds / SLICES))


def _bucket_key(key: str, width: int, number: int) -> str:
    return f"rate:{key}:{width}:{number}"


def _window_keys(key: str, seconds: int, now: float) -> list[str]:
    width = _width(seconds)
    first, last = int((now - seconds) // width), int(now // width)
    return [_bucket_key(key, width, n) for n in range(first, last + 1)]


def window_count(key: str, seconds: int) -> int:
    """How many events `key` had in the last `seconds`."""
    found = call_store(cache.get_many, _window_keys(key, seconds, time.time()))
    return sum(int(v) for v in found.values())


def _add(bucket: str, delta: int, ttl: int) -> None:
    if call_store(cache.add, bucket, delta, ttl):
        return
    call_store(cache.incr, bucket, delta)
    # the database cache's incr writes the value back with the default timeout
    call_store(cache.touch, bucket, ttl)


def window_hit(key: str, seconds: int) -> int:
    """Count one event now; the count in the window, this one included."""
    _add(_window_keys(key, seconds, time.time())[-1], 1, seconds + _width(seconds) + 60)
    return window_count(key, seconds)


def window_take(key: str, seconds: int, limit: int) -> bool:
    """Count one event if the window holds fewer than `limit`; False (nothing counted) if not."""
    bucket = _window_keys(key, seconds, time.time())[-1]
    ttl = seconds + _width(seconds) + 60
    _add(bucket, 1, ttl)
    if window_count(key, seconds) <= limit:
        return True
    _add(bucket, -1, ttl)
    return False


def window_clear(key: str, seconds: int) -> None:
    call_store(cache.delete_many, _window_keys(key, seconds, time.time()))
