"""Login throttling: after N failures within a window, for a username or an address, every
attempt (even with the right password) is refused until the lock period ends.

State lives in the shared cache (Redis in production, the database otherwise). Expiry
times are stored in the values and compared with the clock here, so behaviour does not
depend on the store's own TTLs. If the store cannot be reached, login fails closed.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

from django.core.cache import cache

from ruhu.common.policy import policy_get


class ThrottleUnavailable(Exception):
    """The throttle's store is down: refuse the login rather than skip the check."""


@dataclass(frozen=True)
class Limits:
    max_failures: int
    window_seconds: int
    lock_seconds: int


def limits() -> Limits:
    return Limits(
        max_failures=int(policy_get("auth.lockout.max_failures")),
        window_seconds=int(policy_get("auth.lockout.window_minutes")) * 60,
        lock_seconds=int(policy_get("auth.lockout.lock_minutes")) * 60,
    )


def identities(username: str, address: str | None) -> list[str]:
    """Cache keys for the user and the address; hashed so no username sits in the cache."""
    keys = ["user:" + hashlib.sha256(username.strip().lower().encode()).hexdigest()[:32]]
    if address:
        keys.append("addr:" + hashlib.sha256(address.encode()).hexdigest()[:32])
    return keys


def _call(fn, *args):
    try:
        return fn(*args)
    except Exception as exc:  # any store failure: connection refused, timeout, missing table
        raise ThrottleUnavailable(str(exc.__class__.__name__)) from exc


def locked_until(username: str, address: str | None) -> float | None:
    """The epoch second the lock ends, or None when the attempt may proceed."""
    now = time.time()
    for ident in identities(username, address):
        until = _call(cache.get, f"login-lock:{ident}")
        if until and until > now:
            return until
    return None


def record_failure(username: str, address: str | None) -> bool:
    """Count a failed attempt; returns True when it locked the user or address."""
    rule = limits()
    now = time.time()
    locked = False
    for ident in identities(username, address):
        key = f"login-fail:{ident}"
        recent = [t for t in (_call(cache.get, key) or []) if t > now - rule.window_seconds]
        recent.append(now)
        _call(cache.set, key, recent[-rule.max_failures :], rule.window_seconds + 60)
        if len(recent) >= rule.max_failures:
            _call(cache.set, f"login-lock:{ident}", now + rule.lock_seconds, rule.lock_seconds + 60)
            _call(cache.delete, key)
            locked = True
    return locked


def record_success(username: str) -> None:
    _call(cache.delete, f"login-fail:{identities(username, None)[0]}")


def client_address(request) -> str | None:
    if request is None:
        return None
    from django.conf import settings

    if settings.RUHU_BEHIND_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR")
