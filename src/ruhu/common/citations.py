"""Which records cite an attachment, and so who may see it (decision 0012).

An attachment has no permission of its own: it is visible to whoever uploaded it and to
whoever may see a record that cites it (a visit's photos and signature: who may see the
visit; a call's recording: who may hear the calls; …). `common` cannot import the apps
that cite attachments, so each of them registers, from its AppConfig.ready, every kind of
record that cites one:

    register_citation(
        "hazards.call",
        capabilities=HEARERS,                    # any one of them, else nothing is asked
        records=lambda user: calls_visible(acting_user=user),   # the caller's scoped records
        fields=("recording",),                   # its foreign keys to common.Attachment
    )

`attachments_visible` asks each kind the caller holds a capability for with one query
for the whole set of ids. Deny by default: an attachment no registered record cites is
visible to its uploader only.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from ruhu.common.actors import Actor
from ruhu.common.errors import PermissionRefused
from ruhu.common.models import Attachment


@dataclass(frozen=True)
class Citation:
    name: str
    capabilities: tuple[str, ...]
    records: Callable[[object], QuerySet]
    fields: tuple[str, ...]

    def cited(self, acting_user: Actor, ids: set) -> set:
        """Of `ids`, those cited by a record of this kind the user may see (one query)."""
        try:
            records = self.records(acting_user)
        except PermissionRefused:  # the selector's own rule is finer than the capabilities
            return set()
        columns = [f"{field}_id" for field in self.fields]
        condition = Q()
        for column in columns:
            condition |= Q(**{f"{column}__in": ids})
        found = set()
        for row in records.filter(condition).order_by().values_list(*columns):
            found.update(row)
        return found & ids


_citations: dict[str, Citation] = {}


def register_citation(
    name: str,
    *,
    capabilities: Iterable[str],
    records: Callable[[object], QuerySet],
    fields: Iterable[str],
) -> None:
    """Declare a kind of record citing attachments; registering a name twice is a mistake
    (two apps claiming one kind) unless it is the same declaration again."""
    citation = Citation(name, tuple(str(c) for c in capabilities), records, tuple(fields))
    if not citation.capabilities or not citation.fields:
        raise ValueError(f"citation {name!r} needs capabilities and fields")
    known = _citations.get(name)
    if known is not None and (known.capabilities, known.fields) != (
        citation.capabilities,
        citation.fields,
    ):
        raise ValueError(f"citation {name!r} is already registered")
    _citations[name] = citation


def citations() -> list[Citation]:
    return list(_citations.values())


def attachments_visible(*, acting_user: Actor | None, ids: Iterable) -> set:
    """Of the attachment `ids`, those the user may see: their own uploads, and those cited
    by a record the user may see. One query for the uploads, then one per kind of citing
    record the user holds a capability for, while some ids are still unaccounted for."""
    wanted = _uuids(ids)
    if not wanted or acting_user is None or not acting_user.is_authenticated:
        return set()
    if not acting_user.is_active:
        return set()
    seen = set(
        Attachment.objects.filter(pk__in=wanted, uploaded_by_id=acting_user.pk).values_list(
            "pk", flat=True
        )
    )
    for citation in _citations.values():
        rest = wanted - seen
        if not rest:
            break
        if any(acting_user.can(capability) for capability in citation.capabilities):
            seen |= citation.cited(acting_user, rest)
    return seen


def _uuids(ids: Iterable) -> set[uuid.UUID]:
    found = set()
    for value in ids:
        try:
            found.add(value if isinstance(value, uuid.UUID) else uuid.UUID(str(value)))
        except ValueError:
            continue  # not an attachment id: nothing to see
    return found
