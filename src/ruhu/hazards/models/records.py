"""What the loop keeps beside the cases: follow-up calls, the clock's runs, the month-end
packages and the rates' monthly tally."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ruhu.hazards.models.cases import Hazard
from ruhu.hazards.models.catalogue import Level


class FollowUpCall(models.Model):
    """A recorded phone call to the customer after a deadline (§5 ④⑤)."""

    class Result(models.TextChoices):
        RECTIFIED = "rectified", _("客户称已整改")
        ARRANGED = "arranged", _("客户已办理整改")
        PROMISED = "promised", _("客户承诺整改")
        REFUSED = "refused", _("客户拒绝整改")
        NO_ANSWER = "no_answer", _("无人接听")
        WRONG_NUMBER = "wrong_number", _("号码错误")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    hazard = models.ForeignKey(Hazard, on_delete=models.PROTECT, related_name="calls")
    branch = models.ForeignKey(
        "accounts.OrgUnit", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    called_at = models.DateTimeField(_("通话时间"))
    caller = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    result = models.CharField(_("结果"), max_length=20, choices=Result.choices)
    notes = models.CharField(_("记录"), max_length=500, blank=True)
    recording = models.ForeignKey(
        "common.Attachment",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        verbose_name=_("通话录音"),
    )
    deadline = models.DateField(_("针对的期限"), null=True, blank=True)

    class Meta:
        ordering = ["-called_at"]
        indexes = [
            models.Index(fields=["hazard", "called_at"], name="followupcall_hazard"),
            models.Index(fields=["branch", "called_at"], name="followupcall_branch"),
            models.Index(
                fields=["recording"],
                condition=models.Q(recording__isnull=False),
                name="followupcall_recording",
            ),
        ]
        verbose_name = _("回访电话")
        verbose_name_plural = _("回访电话")

    def __str__(self) -> str:
        return f"{self.hazard_id} {self.called_at:%Y-%m-%d} {self.result}"


class ClockRun(models.Model):
    """One run of the daily clock: the day it ran for and what it moved."""

    ran_for = models.DateField(_("日期"))
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    moved = models.JSONField(default=dict)

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["ran_for"], name="clockrun_day")]
        verbose_name = _("隐患时钟运行")
        verbose_name_plural = _("隐患时钟运行")

    def __str__(self) -> str:
        return f"{self.ran_for}"


class MonthlyPackage(models.Model):
    """The month-end package for safety supervision and the authority (§5 ⑥, §2 四.8)."""

    class Audience(models.TextChoices):
        SUPERVISION = "supervision", _("安全监察部")
        AUTHORITY = "authority", _("政府燃气管理部门")

    branch = models.ForeignKey(
        "accounts.OrgUnit", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    month = models.DateField(_("月份"))  # the first day of the month
    audience = models.CharField(_("报送对象"), max_length=16, choices=Audience.choices)
    pdf = models.ForeignKey("common.Attachment", on_delete=models.PROTECT, related_name="+")
    xlsx = models.ForeignKey("common.Attachment", on_delete=models.PROTECT, related_name="+")
    cases = models.PositiveIntegerField(_("案件数"))
    recordings = models.PositiveIntegerField(_("录音数"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-month", "branch", "audience"]
        constraints = [
            models.UniqueConstraint(
                fields=["branch", "month", "audience"], name="monthlypackage_one_per_month"
            )
        ]
        verbose_name = _("月度隐患报送包")
        verbose_name_plural = _("月度隐患报送包")

    def __str__(self) -> str:
        return f"{self.branch_id} {self.month:%Y-%m} {self.audience}"


class HazardTally(models.Model):
    """Hazards found per branch, month and level, and how many of them are rectified: the
    rates read these few rows instead of counting hundreds of thousands of cases. Kept by
    the services in the transaction that opens or resolves a case; `ruhu hazards retally`
    rebuilds it from the cases."""

    branch = models.ForeignKey(
        "accounts.OrgUnit", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    month = models.DateField()  # the first day of the month the hazards were found in
    level = models.PositiveSmallIntegerField(choices=Level.choices)
    found = models.IntegerField(default=0)  # withdrawn records are taken out again
    rectified = models.IntegerField(default=0)

    class Meta:
        ordering = ["month", "branch", "level"]
        constraints = [
            models.UniqueConstraint(fields=["branch", "month", "level"], name="hazardtally_key")
        ]
        indexes = [models.Index(fields=["month", "branch", "level"], name="hazardtally_month")]
        verbose_name = _("隐患整改统计")
        verbose_name_plural = _("隐患整改统计")

    def __str__(self) -> str:
        return f"{self.branch_id} {self.month:%Y-%m} L{self.level}"
