"""The in-app inbox: messages to users inside Ruhu (security alerts and the like), read at
/me/inbox/ with an unread count in the page header.

A message is a notification, not a record of work: like the outbox it is not audited; the
event that caused it is (for example `pii.unmask_refused`). Subject, body and link carry no
personal data: they say who did what and link to the record.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from ruhu.common.actors import Actor
from ruhu.common.errors import NotFound, ValidationFailed
from ruhu.common.models import InboxMessage

SUBJECT_MAX = 200  # InboxMessage.subject
LINK_MAX = 500  # InboxMessage.link


def _check_link(link: str) -> str:
    """Only a path inside Ruhu: a message must not send its reader elsewhere."""
    if link and (not link.startswith("/") or link.startswith("//") or "\\" in link):
        raise ValidationFailed(_("消息链接只能指向本系统的页面"), code="inbox_bad_link")
    if len(link) > LINK_MAX:
        raise ValidationFailed(_("消息链接过长"), code="inbox_bad_link")
    return link


@transaction.atomic
def inbox_post(
    *,
    users: Iterable,
    subject: str,
    body: str = "",
    link: str = "",
    dedupe_key: str | None = None,
) -> int:
    """One message to each of `users` (users or their ids), in the caller's transaction.

    With a `dedupe_key`, a recipient who already holds a message with that key gets no
    second one. Returns how many messages were written.
    """
    subject = (subject or "").strip()
    if not subject or len(subject) > SUBJECT_MAX:
        raise ValidationFailed(
            _("消息主题不能为空，且不超过%(count)s个字") % {"count": SUBJECT_MAX},
            code="inbox_bad_subject",
        )
    link = _check_link((link or "").strip())
    ids = {u if isinstance(u, int) else u.pk for u in users}
    if dedupe_key:
        ids -= set(
            InboxMessage.objects.filter(dedupe_key=dedupe_key, recipient_id__in=ids).values_list(
                "recipient_id", flat=True
            )
        )
    rows = [
        InboxMessage(
            recipient_id=pk, subject=subject, body=body, link=link, dedupe_key=dedupe_key or ""
        )
        for pk in sorted(ids)
    ]
    # a concurrent post with the same key loses quietly to the unique constraint
    InboxMessage.objects.bulk_create(rows, ignore_conflicts=bool(dedupe_key))
    return len(rows)


@transaction.atomic
def inbox_mark_read(*, acting_user: Actor, message_id: int | None = None) -> int:
    """Mark one of the acting user's messages read, or all of them; how many changed."""
    mine = InboxMessage.objects.filter(recipient_id=acting_user.pk)
    if message_id is not None:
        mine = mine.filter(pk=message_id)
        if not mine.exists():
            raise NotFound(_("未找到该消息"))
    return mine.filter(read_at__isnull=True).update(read_at=timezone.now())


def inbox_list(*, acting_user: Actor) -> QuerySet[InboxMessage]:
    """The acting user's own messages, newest first; nobody reads another's inbox."""
    return InboxMessage.objects.filter(recipient_id=acting_user.pk).order_by("-created_at", "-id")


def inbox_unread_count(*, acting_user: Actor) -> int:
    return InboxMessage.objects.filter(recipient_id=acting_user.pk, read_at__isnull=True).count()


def users_holding(*, capability: str, branch_id: int | None) -> list:
    """Active users who hold `capability` in the branch or at head office."""
    User = get_user_model()
    # common cannot import the role table (accounts): ask the user model which roles hold it
    roles = [
        value
        for value, _label in User._meta.get_field("role").flatchoices
        if User(role=value, is_active=True).can(capability)
    ]
    place = Q(org_unit__isnull=False, branch__isnull=True) | Q(is_superuser=True)
    if branch_id is not None:
        place |= Q(branch_id=branch_id)
    holders = Q(is_superuser=True) | Q(role__in=roles)
    return list(User.objects.filter(place, holders, is_active=True).order_by("pk"))
