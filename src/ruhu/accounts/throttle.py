"""Login throttling: two locks, so that one person cannot lock out others.

- An account: after `auth.lockout.max_failures` failed passwords within
  `auth.lockout.window_minutes`, from any address, every attempt for that account (even with
  the right password) is refused for `auth.lockout.lock_minutes`.
- An address: after `auth.address.max_failures` failures within `auth.address.window_minutes`,
  for any accounts, every attempt from that address is refused for `auth.address.lock_minutes`.
  Much higher than the account's limit: a whole office may share one address, and this
  lock only brakes one machine guessing across many accounts.

Counts and locks live in the shared cache (ruhu.common.ratelimit). Lock ends are stored in
the values and compared with the clock here, so behaviour does not depend on the store's own
TTLs. If the store cannot be reached, login fails closed.
"""

from __future__ import annotations

import hashlib
import ipaddress
import time
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.core.cache import cache

from ruhu.common.policy import policy_get
from ruhu.common.ratelimit import (
    StoreUnavailable,
    call_store,
    window_clear,
    window_hit,
)

ThrottleUnavailable = StoreUnavailable
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

ACCOUNT, ADDRESS = "account", "address"
POLICY_PREFIX = {ACCOUNT: "auth.lockout", ADDRESS: "auth.address"}


@dataclass(frozen=True)
class Limits:
    max_failures: int
    window_seconds: int
    lock_seconds: int


@dataclass(frozen=True)
class Lock:
    kind: str  # ACCOUNT or ADDRESS
    until: float  # epoch seconds


def limits(kind: str = ACCOUNT) -> Limits:
    prefix = POLICY_PREFIX[kind]
    return Limits(
        max_failures=int(policy_get(f"{prefix}.max_failures")),
        window_seconds=int(policy_get(f"{prefix}.window_minutes")) * 60,
        lock_seconds=int(policy_get(f"{prefix}.lock_minutes")) * 60,
    )


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:32]


def identities(username: str, address: str | None) -> list[tuple[str, str]]:
    """(kind, cache key) for the account and the address; hashed, so no username sits in
    the cache."""
    keys = [(ACCOUNT, "login:user:" + _digest(username.strip().lower()))]
    if address:
        keys.append((ADDRESS, "login:addr:" + _digest(address)))
    return keys


def lock_for(username: str, address: str | None) -> Lock | None:
    """The lock that refuses this attempt (the account's first), or None."""
    now = time.time()
    for kind, ident in identities(username, address):
        until = call_store(cache.get, f"{ident}:lock")
        if until and until > now:
            return Lock(kind, until)
    return None


def record_failure(username: str, address: str | None) -> Lock | None:
    """Count a failed attempt against the account and the address; the lock it started."""
    started = None
    for kind, ident in identities(username, address):
        rule = limits(kind)
        if window_hit(ident, rule.window_seconds) < rule.max_failures:
            continue
        until = time.time() + rule.lock_seconds
        call_store(cache.set, f"{ident}:lock", until, rule.lock_seconds + 60)
        window_clear(ident, rule.window_seconds)
        started = started or Lock(kind, until)
    return started


def record_success(username: str) -> None:
    """A right password clears the account's failures (not the address's: a guesser who
    knows one password must not reset the count for the others)."""
    _kind, ident = identities(username, None)[0]
    window_clear(ident, limits(ACCOUNT).window_seconds)


def client_address(request) -> str | None:
    """The client's address: the socket peer, or behind trusted proxies the rightmost
    X-Forwarded-For entry that no trusted proxy wrote (README, Configuration)."""
    if request is None:
        return None
    peer = request.META.get("REMOTE_ADDR") or None
    if not settings.RUHU_BEHIND_PROXY:
        return peer
    hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    hops = [h for h in hops if h]
    trusted = _networks(tuple(settings.RUHU_TRUSTED_PROXIES))
    if not trusted:
        # the peer is the one reverse proxy: the entry it appended is the client
        return hops[-1] if hops else peer
    if not _is_trusted(peer, trusted):
        return peer  # it came around the proxy: its X-Forwarded-For is its own claim
    for hop in reversed(hops):
        if not _is_trusted(hop, trusted):
            return hop
    return hops[0] if hops else peer


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(e, strict=False) for e in entries)


def _is_trusted(address: str | None, networks: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    return any(ip in net for net in networks)
