"""Cross-cutting records: audit trail, policy values, calendar, outbox, inbox, attachments."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ruhu.common.fields import BlindIndexField, EncryptedTextField


class AuditEvent(models.Model):
    """One write made through a service. Append-only: database triggers refuse UPDATE/DELETE."""

    occurred_at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_label = models.CharField(_("操作人"), max_length=150, blank=True)
    action = models.CharField(_("动作"), max_length=64, db_index=True)
    target_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    target_id = models.CharField(max_length=64, blank=True)
    target_repr = models.CharField(_("对象"), max_length=200, blank=True)
    branch = models.ForeignKey(
        "accounts.OrgUnit", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    changes = models.JSONField(_("变更"), default=dict, blank=True)
    reason = models.TextField(_("原因"), blank=True)
    via = models.CharField(_("来源"), max_length=16, blank=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id", "-occurred_at"])]
        verbose_name = _("审计事件")
        verbose_name_plural = _("审计事件")
        default_permissions = ("view",)

    def __str__(self) -> str:
        return (
            f"{self.occurred_at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.target_repr}"
        )


class PolicyKey(models.Model):
    """A named rule number (RULES.md): what it means, its unit, where it comes from."""

    class Kind(models.TextChoices):
        INTEGER = "integer", _("整数")
        DECIMAL = "decimal", _("小数")
        RATIO = "ratio", _("比例 (0–1)")
        BOOLEAN = "boolean", _("是/否")
        TEXT = "text", _("文本")

    key = models.CharField(_("键"), max_length=100, primary_key=True)
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    unit = models.CharField(_("单位"), max_length=32, blank=True)
    description = models.CharField(_("说明"), max_length=300)
    source = models.CharField(_("依据"), max_length=200, blank=True)

    class Meta:
        ordering = ["key"]
        verbose_name = _("政策参数")
        verbose_name_plural = _("政策参数")

    def __str__(self) -> str:
        return self.key


class PolicyValue(models.Model):
    """A value of a policy key from a date on, for the whole company or one branch."""

    key = models.ForeignKey(PolicyKey, on_delete=models.PROTECT, related_name="values")
    branch = models.ForeignKey(
        "accounts.OrgUnit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("留空表示全公司适用"),
    )
    value = models.JSONField(_("值"))
    effective_from = models.DateField(_("生效日期"))
    note = models.CharField(_("备注"), max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["key", "branch", "-effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["key", "effective_from"],
                condition=Q(branch__isnull=True),
                name="policy_company_value_unique",
            ),
            models.UniqueConstraint(
                fields=["key", "branch", "effective_from"],
                condition=Q(branch__isnull=False),
                name="policy_branch_value_unique",
            ),
        ]
        verbose_name = _("政策参数值")
        verbose_name_plural = _("政策参数值")

    def __str__(self) -> str:
        scope = (self.branch_id and f"branch {self.branch_id}") or "company"
        return f"{self.key_id}={self.value} ({scope}, from {self.effective_from})"


class CalendarDay(models.Model):
    """An official working-day schedule entry entered by an administrator.

    Overrides the rule-based calendar for that date: a statutory holiday (is_working=False)
    or an adjusted working weekend (is_working=True).
    """

    date = models.DateField(_("日期"), unique=True)
    is_working = models.BooleanField(_("工作日"))
    name = models.CharField(_("名称"), max_length=100, blank=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("工作日调整")
        verbose_name_plural = _("工作日调整")

    def __str__(self) -> str:
        return f"{self.date} {'班' if self.is_working else '休'} {self.name}"


class CalendarYear(models.Model):
    """A year whose official schedule (国务院办公厅 notice) has been entered in full."""

    year = models.PositiveIntegerField(_("年份"), primary_key=True)
    published_on = models.DateField(_("公布日期"), null=True, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        ordering = ["year"]
        verbose_name = _("已公布年度安排")
        verbose_name_plural = _("已公布年度安排")

    def __str__(self) -> str:
        return str(self.year)


class OutboxMessage(models.Model):
    """A message written in the same transaction as its cause and sent after commit."""

    class Channel(models.TextChoices):
        SMS = "sms", _("短信")
        LETTER = "letter", _("信函")
        EMAIL = "email", _("邮件")

    class Status(models.TextChoices):
        PENDING = "pending", _("待发送")
        SENDING = "sending", _("发送中")
        SENT = "sent", _("已发送")
        DEAD = "dead", _("发送失败")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    channel = models.CharField(_("渠道"), max_length=16, choices=Channel.choices)
    recipient = EncryptedTextField(_("收件人"), pii="phone")
    recipient_bidx = BlindIndexField(source="recipient")
    subject = models.CharField(_("主题"), max_length=200, blank=True)
    body = models.TextField(_("内容"))
    dedupe_key = models.CharField(max_length=200, unique=True, null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveIntegerField(_("尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    lease_until = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    provider_ref = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    branch = models.ForeignKey(
        "accounts.OrgUnit", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    cause_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    cause_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]
        verbose_name = _("待发消息")
        verbose_name_plural = _("待发消息")

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.status} {self.id}"


def attachment_path(instance: Attachment, filename: str) -> str:
    day = timezone.localdate()
    return f"attachments/{day:%Y/%m}/{instance.sha256[:2]}/{instance.sha256}{instance.extension}"


class Attachment(models.Model):
    """A stored file (photo, signature, recording, document) identified by its SHA-256."""

    class Kind(models.TextChoices):
        PHOTO = "photo", _("照片")
        SIGNATURE = "signature", _("签名")
        RECORDING = "recording", _("录音")
        DOCUMENT = "document", _("文件")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("类别"), max_length=16, choices=Kind.choices)
    file = models.FileField(upload_to=attachment_path, max_length=200)
    sha256 = models.CharField(max_length=64, db_index=True)
    original_sha256 = models.CharField(max_length=64, blank=True)
    size = models.PositiveBigIntegerField()
    content_type = models.CharField(max_length=100)
    extension = models.CharField(max_length=10)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    taken_at = models.DateTimeField(_("拍摄时间"), null=True, blank=True)
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)
    branch = models.ForeignKey(
        "accounts.OrgUnit", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-uploaded_at"]
        indexes = [
            # the visit cites photos by the hash the phone uploaded; uploads are deduplicated
            # by it within a branch
            models.Index(fields=["original_sha256"], name="attachment_original_sha"),
            models.Index(fields=["branch", "kind", "original_sha256"], name="attachment_dedupe"),
        ]
        verbose_name = _("附件")
        verbose_name_plural = _("附件")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.sha256[:12]}"


class LedgerEntry(models.Model):
    """One link of the evidence hash chain (see ruhu.common.ledger). Append-only: triggers."""

    seq = models.PositiveBigIntegerField(_("序号"), unique=True)
    kind = models.CharField(_("类别"), max_length=32)
    record_id = models.CharField(_("记录"), max_length=64)
    record_sha256 = models.CharField(_("记录哈希"), max_length=64)
    attachments = models.JSONField(_("附件哈希"), default=list, blank=True)
    prev_hash = models.CharField(_("前一哈希"), max_length=64)
    entry_hash = models.CharField(_("哈希"), max_length=64)
    appended_at = models.DateTimeField(_("记入时间"), default=timezone.now)

    class Meta:
        ordering = ["seq"]
        indexes = [models.Index(fields=["kind", "record_id"], name="ledger_entry_kind_record")]
        # a constraint, not unique=True: no extra pattern-ops index on PostgreSQL
        constraints = [
            models.UniqueConstraint(fields=["entry_hash"], name="ledger_entry_hash_unique")
        ]
        verbose_name = _("证据链条目")
        verbose_name_plural = _("证据链条目")
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"#{self.seq} {self.kind} {self.record_id} {self.entry_hash[:12]}"


class LedgerHeadExport(models.Model):
    """The chain's head as written to a file for safekeeping, one a day. Append-only."""

    exported_on = models.DateField(_("日期"), unique=True)
    seq = models.PositiveBigIntegerField(_("序号"))
    entry_hash = models.CharField(_("哈希"), max_length=64)
    path = models.CharField(_("文件"), max_length=500)
    exported_at = models.DateTimeField(_("导出时间"), default=timezone.now)

    class Meta:
        ordering = ["-exported_on"]
        verbose_name = _("证据链头导出")
        verbose_name_plural = _("证据链头导出")
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"{self.exported_on} #{self.seq} {self.entry_hash[:12]}"


class InboxMessage(models.Model):
    """A message to a user inside Ruhu (security alerts and the like), read at /me/inbox/.

    No personal data in subject, body or link: say who did what and link to the record.
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="inbox_messages",
        db_index=False,  # inbox_recipient_latest leads with it
    )
    subject = models.CharField(_("主题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    link = models.CharField(_("链接"), max_length=500, blank=True)
    dedupe_key = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(_("时间"), default=timezone.now)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="inbox_recipient_latest"),
            # the header's unread badge counts these on every page
            models.Index(
                fields=["recipient"], condition=Q(read_at__isnull=True), name="inbox_unread"
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "dedupe_key"],
                condition=~Q(dedupe_key=""),
                name="inbox_dedupe_unique",
            )
        ]
        verbose_name = _("站内消息")
        verbose_name_plural = _("站内消息")
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"{self.recipient_id} {self.subject}"


IMPORTS_FOLDER = "imports"


def import_upload_path(instance: ImportJob, filename: str) -> str:
    return f"{IMPORTS_FOLDER}/{instance.id}/{filename}"


class ImportJob(models.Model):
    """A file import started from an upload page and run by the background worker. `kind`
    names the import (the app's own word: "household", "facility"); the rest is the same
    for every kind: the upload while it waits, the progress, the counts and the report of
    rejected rows (common/importing/jobs.py)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("导入中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("导入内容"), max_length=32)
    branch = models.ForeignKey("accounts.OrgUnit", on_delete=models.PROTECT, related_name="+")
    mode = models.CharField(_("模式"), max_length=8)
    file = models.FileField(_("文件"), upload_to=import_upload_path, max_length=300)
    file_name = models.CharField(_("文件名"), max_length=200)
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.QUEUED
    )
    rows_total = models.PositiveIntegerField(_("预计行数"), default=0)
    rows_read = models.PositiveIntegerField(_("已读行数"), default=0)
    inserted = models.PositiveIntegerField(_("新增"), default=0)
    updated = models.PositiveIntegerField(_("更新"), default=0)
    unchanged = models.PositiveIntegerField(_("未变"), default=0)
    rejected = models.PositiveIntegerField(_("拒绝"), default=0)
    error_count = models.PositiveIntegerField(_("错误数"), default=0)
    written = models.BooleanField(_("已写入"), default=False)
    report = models.FileField(
        _("错误报告"), upload_to=import_upload_path, blank=True, max_length=300
    )
    message = models.CharField(_("说明"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("提交时间"), default=timezone.now)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["kind", "-created_at"], name="import_job_kind_recent")]
        verbose_name = _("导入任务")
        verbose_name_plural = _("导入任务")

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_status_display()})"

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        return min(99, int(100 * self.rows_read / self.rows_total)) if self.rows_total else 0
