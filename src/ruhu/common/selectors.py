"""Reads of audit events, scoped like the objects they describe, and of uploads cited."""

from __future__ import annotations

import datetime as dt

from django.contrib.contenttypes.models import ContentType
from django.db.models import Model, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from ruhu.common.actors import Actor
from ruhu.common.citations import attachments_visible
from ruhu.common.errors import NotFound, ValidationFailed
from ruhu.common.models import Attachment, AuditEvent, LedgerEntry
from ruhu.common.rows import PkReader
from ruhu.common.scoping import require, scope_queryset

VIEW_AUDIT = "audit.view"  # accounts.roles.Capability.VIEW_AUDIT; common cannot import accounts


def audit_list(
    *,
    acting_user: Actor,
    action: str = "",
    actor: str = "",
    actor_id: int | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
    target: Model | None = None,
) -> QuerySet[AuditEvent]:
    """Scoped audit events; `action` matches a prefix (`user.` finds every user action)."""
    require(acting_user, VIEW_AUDIT)
    qs = scope_queryset(AuditEvent.objects.select_related("target_type"), acting_user=acting_user)
    if action:
        qs = qs.filter(action__startswith=action)
    if actor:
        qs = qs.filter(actor_label=actor.strip().lower())
    if actor_id:
        qs = qs.filter(actor_id=actor_id)
    if since:
        qs = qs.filter(occurred_at__gte=_day_start(since))
    if until:
        qs = qs.filter(occurred_at__lt=_day_start(until + dt.timedelta(days=1)))
    if target is not None:
        qs = qs.filter(
            target_type=ContentType.objects.get_for_model(target), target_id=str(target.pk)
        )
    return qs.order_by("-occurred_at", "-id")


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def audit_for_object(*, target) -> QuerySet[AuditEvent]:
    """The trail of one object the caller has already fetched through its scoped selector."""
    return AuditEvent.objects.filter(
        target_type=ContentType.objects.get_for_model(target), target_id=str(target.pk)
    ).order_by("-occurred_at", "-id")


def audit_by_actor(*, acting_user: Actor) -> QuerySet[AuditEvent]:
    """What the acting user did: everyone may see their own trail."""
    return AuditEvent.objects.filter(actor_id=acting_user.pk).order_by("-occurred_at", "-id")


_attachments = PkReader(Attachment)  # a phone reads its uploads back often


def attachment_get(*, acting_user: Actor, pk) -> Attachment:
    """An attachment the caller uploaded, or one a record they may see cites (its visit,
    hazard, notice, call, package, facility check…: `ruhu.common.citations`); else 404."""
    attachment = _attachments.get(pk)
    if attachment is None:
        raise NotFound(_("未找到该附件"))
    own = getattr(acting_user, "is_active", False) and attachment.uploaded_by_id == acting_user.pk
    if not own and not attachments_visible(acting_user=acting_user, ids=[pk]):
        raise NotFound(_("未找到该附件"))
    return attachment


def uploads_cited(
    *, acting_user: Actor, cited: set[str], code: str = "visit_photos_missing"
) -> dict[str, Attachment]:
    """The uploaded files a field record cites, by the hash the phone knows (the hash of
    what it uploaded, or of what the server stored). Only files of the caller or their
    branch; a hash not found is refused (`code`) with the list of missing ones."""
    found: dict[str, Attachment] = {}
    hashes = sorted(cited)
    marks = ", ".join(["%s"] * len(hashes))
    condition = f"(sha256 IN ({marks}) OR original_sha256 IN ({marks})) AND (uploaded_by_id = %s"
    params: list = [*hashes, *hashes, acting_user.pk]
    if acting_user.branch_id:  # an upload is shared within its branch (attachment_store)
        condition += " OR branch_id = %s"
        params.append(acting_user.branch_id)
    for attachment in _attachments.where(condition + ")", params) if hashes else ():
        for sha in (attachment.sha256, attachment.original_sha256):
            if sha in cited:
                found.setdefault(sha, attachment)
    missing = sorted(cited - set(found))
    if missing:
        raise ValidationFailed(_("有照片尚未上传，请先上传照片"), code=code, missing=missing)
    return found


def ledger_seq(*, kind: str, record_id) -> int | None:
    """Where a frozen record stands in the hash chain (None before it is frozen)."""
    entry = LedgerEntry.objects.filter(kind=kind, record_id=str(record_id)).only("seq").first()
    return entry.seq if entry else None
