"""Per-user allowances counted in the shared cache, in fixed windows of time.

An allowance is so much (requests, bytes) per window; the windows are aligned to the epoch,
so every worker process counts into the same cache key (Redis in production, the database
cache otherwise) and the count starts afresh when the next window begins. The window is
taken from the clock here, not from the store's TTLs, so behaviour is the same on both
stores and testable with time-machine. If the store cannot be reached the request is
refused (503), as the login throttle fails closed (accounts/throttle.py).

Reading and adding are two steps: a burst of concurrent requests may pass a few over the
allowance, never many, which is what an abuse limit needs.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.cache import cache

from ruhu.common.errors import RateLimited, Unavailable


@dataclass(frozen=True)
class Allowance:
    name: str  # what is counted, e.g. "uploads" or "upload-bytes"
    limit: int  # how much one user may use in a window
    window_seconds: int
    amount: int = 1  # how much this request uses


def _window(allowance: Allowance, who: str, now: float) -> tuple[str, float]:
    """The cache key of the current window and the seconds left in it."""
    index, elapsed = divmod(now, allowance.window_seconds)
    key = f"rate:{allowance.name}:{who}:{int(index)}"
    return key, allowance.window_seconds - elapsed


def rate_take(*, who: str, allowances: Sequence[Allowance], message: str) -> None:
    """Use each allowance's amount in its current window, or use none and raise RateLimited
    with the seconds until every window that is full has ended."""
    now = time.time()
    windows = [(allowance, *_window(allowance, who, now)) for allowance in allowances]
    try:
        used = cache.get_many([key for _, key, _ in windows])
        waits = [
            left
            for allowance, key, left in windows
            if used.get(key, 0) + allowance.amount > allowance.limit
        ]
        if not waits:
            for allowance, key, _ in windows:
                _add(key, allowance.amount, allowance.window_seconds)
    except Exception as exc:  # connection refused, timeout, missing cache table
        raise Unavailable(
            "暂时无法核对上传限额，请稍后再试", code="rate_limit_unavailable", retry_after=60
        ) from exc
    if waits:
        raise RateLimited(message, retry_after=max(1, math.ceil(max(waits))))


def _add(key: str, amount: int, window_seconds: int) -> None:
    timeout = window_seconds + 60  # the key outlives its window only to be cleaned up
    if cache.add(key, amount, timeout):
        return
    try:
        cache.incr(key, amount)  # atomic on Redis
    except ValueError:  # expired between add and incr
        cache.set(key, amount, timeout)
    else:
        cache.touch(key, timeout)  # the database cache's incr resets the timeout
