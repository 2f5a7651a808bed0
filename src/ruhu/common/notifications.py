"""Notifications outbox: messages are written with their cause and leave only after commit.

A message moves pending → sending → sent, or back to pending with a backoff after a
failure, and to dead after `RUHU_OUTBOX_MAX_ATTEMPTS`. Every move is a compare-and-swap
UPDATE, so two workers racing for the same message send it once. Delivery is at least
once: a worker that dies between sending and marking leaves a `sending` row whose lease
expires and is claimed again, which is why the HTTP gateway gets an Idempotency-Key.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, Protocol

import httpx
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, models, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from ruhu.common.errors import ValidationFailed
from ruhu.common.logging import redact
from ruhu.common.masking import mask_phone
from ruhu.common.models import OutboxMessage
from ruhu.common.validation import normalize_phone

logger = logging.getLogger(__name__)

Status = OutboxMessage.Status

# Longer than the HTTP timeout by a wide margin: a lease that ends while the send is still
# running would let a second worker send the same message.
LEASE = dt.timedelta(minutes=5)
BACKOFF_BASE = dt.timedelta(seconds=30)
BACKOFF_CAP = dt.timedelta(hours=1)
HTTP_TIMEOUT_SECONDS = 10.0


class DeliveryFailed(Exception):
    """A backend could not deliver; the message text is safe to store (no personal data)."""


class Backend(Protocol):
    def send(self, message: OutboxMessage) -> str: ...


class ConsoleBackend:
    """Development: prints the message with the recipient masked."""

    def send(self, message: OutboxMessage) -> str:
        to = mask_phone(message.recipient)
        line = f"[outbox] {message.channel} to {to} id={message.id}: {redact(message.body)}"
        sys.stdout.write(line + "\n")
        sys.stdout.flush()
        return f"console:{message.id}"


class FileBackend:
    """Appends one JSON line per message to RUHU_OUTBOX_FILE; that file is the delivery."""

    def send(self, message: OutboxMessage) -> str:
        path = Path(settings.RUHU_OUTBOX_FILE)
        path.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps(_payload(message), ensure_ascii=False) + "\n"
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        with os.fdopen(fd, "a", encoding="utf-8") as fh:
            fh.write(line)
        return f"file:{message.id}"


class HttpBackend:
    """POSTs the message as JSON to the SMS gateway."""

    def send(self, message: OutboxMessage) -> str:
        headers = {"Idempotency-Key": str(message.id)}
        if settings.RUHU_SMS_GATEWAY_TOKEN:
            headers["Authorization"] = f"Bearer {settings.RUHU_SMS_GATEWAY_TOKEN}"
        try:
            response = httpx.post(
                settings.RUHU_SMS_GATEWAY_URL,
                json=_payload(message),
                headers=headers,
                timeout=HTTP_TIMEOUT_SECONDS,
            )
        except httpx.HTTPError as exc:
            raise DeliveryFailed(f"网关不可达 ({type(exc).__name__})") from None
        if not response.is_success:
            raise DeliveryFailed(f"网关返回 HTTP {response.status_code}")
        return _provider_ref(response) or f"http:{message.id}"


def _payload(message: OutboxMessage) -> dict[str, str]:
    return {
        "id": str(message.id),
        "channel": message.channel,
        "to": message.recipient,
        "subject": message.subject,
        "body": message.body,
    }


def _provider_ref(response: httpx.Response) -> str:
    try:
        data = response.json()
    except ValueError:
        return ""
    ref = data.get("id") if isinstance(data, dict) else None
    return str(ref)[:200] if ref else ""


BACKENDS: dict[str, type[Backend]] = {
    "console": ConsoleBackend,
    "file": FileBackend,
    "http": HttpBackend,
}


def outbox_backend() -> Backend:
    return BACKENDS[settings.RUHU_SMS_BACKEND]()


def _clean_recipient(channel: str, recipient: str) -> str:
    if channel == OutboxMessage.Channel.SMS:
        value = normalize_phone(recipient)
    else:
        value = (recipient or "").strip()
    if not value:
        raise ValidationFailed(_("收件人不能为空"), code="outbox_no_recipient")
    return value


def _check_channel(channel: str) -> str:
    if channel not in OutboxMessage.Channel.values:
        raise ValidationFailed(_("不支持的发送渠道"), code="outbox_bad_channel", channel=channel)
    return channel


@transaction.atomic
def outbox_enqueue(
    *,
    channel: str,
    recipient: str,
    body: str,
    subject: str = "",
    dedupe_key: str | None = None,
    branch_id: int | None = None,
    cause: models.Model | None = None,
) -> OutboxMessage:
    """Write a message in the caller's transaction; it is queued for sending after commit.

    The same `dedupe_key` returns the message already written instead of a second one.
    """
    channel = _check_channel(channel)
    recipient = _clean_recipient(channel, recipient)
    if not (body or "").strip():
        raise ValidationFailed(_("消息内容不能为空"), code="outbox_empty_body")
    if dedupe_key:
        existing = OutboxMessage.objects.filter(dedupe_key=dedupe_key).first()
        if existing is not None:
            return existing
    message = OutboxMessage(
        channel=channel,
        recipient=recipient,
        subject=subject,
        body=body,
        dedupe_key=dedupe_key or None,
        branch_id=branch_id,
        cause_type=ContentType.objects.get_for_model(cause) if cause is not None else None,
        cause_id=str(cause.pk) if cause is not None else "",
    )
    try:
        with transaction.atomic():
            message.save(force_insert=True)
    except IntegrityError:
        # A concurrent transaction wrote the same dedupe key first.
        if not dedupe_key:
            raise
        return OutboxMessage.objects.get(dedupe_key=dedupe_key)
    # robust: a queue that is down must not fail the committed cause; the periodic sweep
    # sends the message later.
    transaction.on_commit(_queue_dispatch(str(message.pk)), robust=True)
    return message


def outbox_email_each(
    people: Iterable[Any],
    *,
    subject: str,
    body: str,
    dedupe_key: str,
    branch_id: int | None = None,
    cause: models.Model | None = None,
) -> int:
    """The same email to each of `people` (anything with `pk` and `email`), each under
    `dedupe_key` + ":<pk>", so that a repeat writes nobody a second one. How many."""
    count = 0
    for person in people:
        outbox_enqueue(
            channel="email",
            recipient=person.email,
            subject=subject,
            body=body,
            dedupe_key=f"{dedupe_key}:{person.pk}",
            branch_id=branch_id,
            cause=cause,
        )
        count += 1
    return count


def _queue_dispatch(message_id: str) -> Callable[[], None]:
    # A plain function, not functools.partial: Django names the callback when it fails.
    def queue_dispatch() -> None:
        from ruhu.common.tasks import outbox_dispatch_task

        outbox_dispatch_task(message_id)

    return queue_dispatch


def _claimable(now: dt.datetime) -> Q:
    pending_due = Q(status=Status.PENDING, next_attempt_at__lte=now)
    stale = Q(
        status=Status.SENDING,
        lease_until__lt=now,
        attempts__lt=settings.RUHU_OUTBOX_MAX_ATTEMPTS,
    )
    return pending_due | stale


def _claim(message_id) -> OutboxMessage | None:
    now = timezone.now()
    lease_until = now + LEASE
    claimed = OutboxMessage.objects.filter(_claimable(now), pk=message_id).update(
        status=Status.SENDING, lease_until=lease_until, attempts=F("attempts") + 1
    )
    if not claimed:
        return None
    return OutboxMessage.objects.get(pk=message_id)


def _ours(message: OutboxMessage):
    """Only the holder of the current lease may settle the message."""
    return OutboxMessage.objects.filter(
        pk=message.pk, status=Status.SENDING, lease_until=message.lease_until
    )


def _mark_sent(message: OutboxMessage, provider_ref: str) -> None:
    _ours(message).update(
        status=Status.SENT,
        sent_at=timezone.now(),
        provider_ref=provider_ref[:200],
        lease_until=None,
        last_error="",
    )


def backoff(attempts: int) -> dt.timedelta:
    """30 s after the first failure, doubling each time, never more than an hour."""
    return min(BACKOFF_BASE * 2 ** max(attempts - 1, 0), BACKOFF_CAP)


def _error_text(exc: Exception) -> str:
    # Only our own DeliveryFailed messages are known to be free of personal data; any other
    # exception is reduced to its class name.
    text = str(exc) if isinstance(exc, DeliveryFailed) else type(exc).__name__
    return redact(text)[:500]


def _mark_failed(message: OutboxMessage, exc: Exception) -> None:
    error = _error_text(exc)
    changes: dict[str, Any]
    if message.attempts >= settings.RUHU_OUTBOX_MAX_ATTEMPTS:
        changes = {"status": Status.DEAD}
    else:
        changes = {
            "status": Status.PENDING,
            "next_attempt_at": timezone.now() + backoff(message.attempts),
        }
    _ours(message).update(lease_until=None, last_error=error, **changes)
    logger.warning(
        "outbox message %s attempt %s failed (%s): %s",
        message.pk,
        message.attempts,
        changes["status"],
        error,
    )


def outbox_dispatch(message_id) -> bool:
    """Send one message if it is due and nobody else holds it; True if it was sent now.

    Deliberately not one transaction: the claim commits before the send so other workers
    see the lease, and no database lock is held while the gateway answers.
    """
    message = _claim(message_id)
    if message is None:
        return False
    try:
        provider_ref = outbox_backend().send(message)
    except Exception as exc:
        _mark_failed(message, exc)
        return False
    _mark_sent(message, provider_ref)
    logger.info("outbox message %s sent via %s", message.pk, settings.RUHU_SMS_BACKEND)
    return True


def _bury_abandoned(now: dt.datetime) -> None:
    """A `sending` row whose lease ran out with no attempts left will never be claimed."""
    OutboxMessage.objects.filter(
        status=Status.SENDING,
        lease_until__lt=now,
        attempts__gte=settings.RUHU_OUTBOX_MAX_ATTEMPTS,
    ).update(status=Status.DEAD, lease_until=None, last_error="发送中断且已无重试次数")


def outbox_dispatch_due(*, limit: int = 200) -> int:
    """Send up to `limit` due messages, oldest first; returns how many were sent."""
    now = timezone.now()
    _bury_abandoned(now)
    ids = list(
        OutboxMessage.objects.filter(_claimable(now))
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(outbox_dispatch(message_id) for message_id in ids)
