"""The immutable steps behind a case's state."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ruhu.hazards.models.cases import Hazard, State
from ruhu.hazards.models.notices import HazardNotice


class Step(models.TextChoices):
    FOUND = "found", _("发现隐患")
    FIXED_ON_SPOT = "fixed_on_spot", _("现场整改")
    DISPATCHED = "dispatched", _("派维修员")
    REPAIRED = "repaired", _("维修完成")
    REPAIR_FAILED = "repair_failed", _("无法维修，转客户整改")
    NOTICED = "noticed", _("下发整改通知书")
    COPY_RECEIVED = "copy_received", _("公司联已交回")
    ARRANGED = "arranged", _("客户已办理整改")
    RENOTICE_DUE = "renotice_due", _("整改逾期，待再次通知")
    RENOTICED = "renoticed", _("再次下发整改通知书")
    LIMIT_DUE = "limit_due", _("再次逾期，待限量售气")
    LIMITED = "limited", _("限量售气")
    STOP_NOTICED = "stop_noticed", _("停气通知已送达")
    PM_LETTERED = "pm_lettered", _("物业联络函已送达")
    SEAL_DUE = "seal_due", _("仍拒绝入户，待停气封停")
    SEALED = "sealed", _("停止售气并封停")
    HANDED_OVER = "handed_over", _("移交安全监察部")
    OUTCOME = "outcome", _("安全监察部反馈结果")
    RECHECKED = "rechecked", _("现场复查")
    RECTIFIED = "rectified", _("确认已整改")
    SUPPLY_RESTORED = "supply_restored", _("恢复正常供气")
    CLOSED = "closed", _("结案")
    WITHDRAWN = "withdrawn", _("记录更正撤销")


class HazardStep(models.Model):
    """One transition of one hazard, append-only: the chain of steps behind its state.

    Steps that carry proof of a human act (a delivery, a re-check, a seal, an outcome) are
    also chained in the ledger; the clock's own steps are plain history.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    hazard = models.ForeignKey(
        Hazard, on_delete=models.PROTECT, related_name="steps", db_index=False
    )
    number = models.PositiveIntegerField(_("序号"))
    kind = models.CharField(_("步骤"), max_length=20, choices=Step.choices)
    from_state = models.CharField(max_length=16, choices=State.choices, blank=True)
    to_state = models.CharField(max_length=16, choices=State.choices)
    effective_on = models.DateField(_("生效日期"))
    at = models.DateTimeField(_("记录时间"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    due_on = models.DateField(_("期限"), null=True, blank=True)
    notice = models.ForeignKey(
        HazardNotice,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="steps",
        db_index=False,
    )
    photo = models.ForeignKey(
        "common.Attachment",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    note = models.CharField(_("说明"), max_length=500, blank=True)
    payload_sha256 = models.CharField(max_length=64, blank=True)
    chained = models.BooleanField(default=False)

    class Meta:
        ordering = ["hazard", "number"]
        constraints = [
            models.UniqueConstraint(fields=["hazard", "number"], name="hazardstep_number")
        ]
        # who may see an attachment: the records citing it (ruhu.common.citations)
        indexes = [
            models.Index(
                fields=["photo"], condition=models.Q(photo__isnull=False), name="hazardstep_photo"
            )
        ]
        verbose_name = _("隐患处理步骤")
        verbose_name_plural = _("隐患处理步骤")

    def __str__(self) -> str:
        return f"{self.hazard_id} {self.kind}"
