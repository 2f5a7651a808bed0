"""Policy values: every number from RULES.md, with an effective date and a scope.

A branch value overrides the company value; of several values the latest whose
effective date is on or before the asked date wins.

Answers are kept in a small per-process cache for CACHE_SECONDS: policy_set clears it in
its own process, other worker processes see a change within that time. Policy changes are
made ahead of their effective date, so the delay never changes a decision.

Every key is declared once (ruhu.common.policy_registry, decision 0018). Outside production
(development, tests) asking for an undeclared key raises PolicyUndeclared at once; in
production the lookup goes on, and a key without a value raises PolicyMissing as before.
"""

from __future__ import annotations

import datetime as dt
import decimal
import time
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from ruhu.common.actors import Actor
from ruhu.common.audit import audit_record
from ruhu.common.errors import PolicyMissing, ValidationFailed
from ruhu.common.models import PolicyKey, PolicyValue
from ruhu.common.policy_registry import policy_declaration


def _branch_id(branch) -> int | None:
    if branch is None:
        return None
    if isinstance(branch, int):
        return branch
    # a team resolves to its branch; a company means "no branch override"
    return getattr(branch, "branch_id", None) or None


CACHE_SECONDS = 60.0
CACHE_MAX_ENTRIES = 10_000
_cache: dict[tuple[str, int | None, dt.date], tuple[float, Any]] = {}


def policy_cache_clear() -> None:
    _cache.clear()


def policy_get(key: str, *, branch=None, on: dt.date | None = None) -> Any:
    """The value of `key` in force on `on` (default today) for `branch` (or the company)."""
    on = on or timezone.localdate()
    branch_id = _branch_id(branch)
    now = time.monotonic()
    cached = _cache.get((key, branch_id, on))
    if cached is not None and now - cached[0] < CACHE_SECONDS:
        return cached[1]
    if not settings.PRODUCTION:
        policy_declaration(key)  # raises PolicyUndeclared
    value = _policy_lookup(key, branch_id, on)
    if len(_cache) >= CACHE_MAX_ENTRIES:
        _cache.clear()
    _cache[(key, branch_id, on)] = (now, value)
    return value


def _policy_lookup(key: str, branch_id: int | None, on: dt.date) -> Any:
    scope = Q(branch__isnull=True)
    if branch_id is not None:
        scope |= Q(branch_id=branch_id)
    rows = (
        PolicyValue.objects.filter(scope, key_id=key, effective_from__lte=on)
        .order_by("-effective_from")
        .values_list("branch_id", "value")
    )
    company_value: Any = _MISSING
    for row_branch, value in rows:
        if row_branch is not None:
            return value
        if company_value is _MISSING:
            company_value = value
            if branch_id is None:
                break
    if company_value is _MISSING:
        raise PolicyMissing(
            _("政策参数 %(key)s 在 %(day)s 没有取值") % {"key": key, "day": on},
            key=key,
            on=str(on),
        )
    return company_value


_MISSING = object()


def policy_number(value: Any) -> str:
    """A policy number as a label quotes it: 2.0 as "2", 1.5 as "1.5", 80 as "80"."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def policy_coerce(kind: str, value: Any) -> Any:
    """Check and normalise a value for a key's kind; a bad value raises ValidationFailed."""
    try:
        if kind == PolicyKey.Kind.INTEGER:
            if isinstance(value, bool) or int(value) != decimal.Decimal(str(value)):
                raise ValueError
            return int(value)
        if kind in (PolicyKey.Kind.DECIMAL, PolicyKey.Kind.RATIO):
            number = float(decimal.Decimal(str(value)))
            if kind == PolicyKey.Kind.RATIO and not 0 <= number <= 1:
                raise ValueError
            return number
        if kind == PolicyKey.Kind.BOOLEAN:
            if isinstance(value, bool):
                return value
            if str(value).lower() in {"true", "1", "yes"}:
                return True
            if str(value).lower() in {"false", "0", "no"}:
                return False
            raise ValueError
        return str(value)
    except (ValueError, TypeError, decimal.InvalidOperation):
        raise ValidationFailed(
            _("%(value)s 不是有效的%(kind)s取值") % {"value": repr(value), "kind": kind},
            code="policy_bad_value",
            kind=kind,
        ) from None


@transaction.atomic
def policy_set(
    *,
    acting_user: Actor | None,
    key: str,
    value: Any,
    effective_from: dt.date,
    branch=None,
    note: str = "",
) -> PolicyValue:
    policy_key = PolicyKey.objects.filter(pk=key).first()
    if policy_key is None:
        raise ValidationFailed(
            _("未知的政策参数：%(key)s") % {"key": key}, code="policy_unknown_key", key=key
        )
    branch_id = _branch_id(branch)
    coerced = policy_coerce(policy_key.kind, value)
    row = PolicyValue.objects.filter(
        key=policy_key, branch_id=branch_id, effective_from=effective_from
    ).first()
    before = row.value if row else None
    if row is None:
        row = PolicyValue.objects.create(
            key=policy_key,
            branch_id=branch_id,
            value=coerced,
            effective_from=effective_from,
            note=note,
        )
    else:
        row.value, row.note = coerced, note
        row.save(update_fields=["value", "note"])
    transaction.on_commit(policy_cache_clear)
    policy_cache_clear()
    audit_record(
        acting_user=acting_user,
        action="policy.set",
        target=row,
        branch_id=branch_id,
        changes={"value": [before, coerced], "effective_from": [None, str(effective_from)]},
        reason=note,
    )
    return row
