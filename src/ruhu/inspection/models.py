"""Inspection: inspectors' training (RULES B9), monthly plans and their tasks (RULES B3)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class TrainingTopic(models.TextChoices):
    """The annual training of an inspector covers all of these (RULES B9)."""

    GAS_BASICS = "gas_basics", _("燃气基础知识")
    INSTALLATIONS = "installations", _("用户设施及供气流程")
    METERS = "meters", _("燃气表构造")
    HOSES = "hoses", _("胶管标准、使用年限及安装")
    SAFETY_RULES = "safety_rules", _("安全规程")
    LEAK_DETECTION = "leak_detection", _("检漏及维修技能")


class TrainingRecord(models.Model):
    """One inspector's attendance at one training; the topics it covered."""

    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="training_records",
        verbose_name=_("安检员"),
    )
    branch = models.ForeignKey(
        "accounts.OrgUnit", on_delete=models.PROTECT, related_name="+", verbose_name=_("分公司")
    )
    trained_on = models.DateField(_("培训日期"))
    topics = models.JSONField(_("培训内容"), default=list)
    trainer = models.CharField(_("培训人"), max_length=100)
    note = models.CharField(_("备注"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-trained_on", "id"]
        indexes = [
            models.Index(fields=["inspector", "-trained_on"], name="training_inspector_date"),
            models.Index(fields=["branch", "-trained_on"], name="training_branch_date"),
        ]
        verbose_name = _("培训记录")
        verbose_name_plural = _("培训记录")

    def __str__(self) -> str:
        return f"{self.inspector} {self.trained_on}"


class Plan(models.Model):
    """One branch's inspection plan for one month (RULES B3): a draft until the lead
    approves it. An annual plan is the branch's twelve monthly plans of a year."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        APPROVED = "approved", _("已批准")

    branch = models.ForeignKey(
        "accounts.OrgUnit", on_delete=models.PROTECT, related_name="+", verbose_name=_("分公司")
    )
    month = models.DateField(_("月份"), help_text=_("该月的第一天"))
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.DRAFT
    )
    generated_at = models.DateTimeField(_("生成时间"), default=timezone.now)
    generated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    generation = models.PositiveIntegerField(_("生成次数"), default=1)
    approved_at = models.DateTimeField(_("批准时间"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    summary = models.JSONField(_("摘要"), default=dict, blank=True)

    class Meta:
        ordering = ["-month", "branch"]
        constraints = [
            models.UniqueConstraint(fields=["branch", "month"], name="plan_branch_month_unique")
        ]
        verbose_name = _("安检计划")
        verbose_name_plural = _("安检计划")

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.branch}"


class PlanTask(models.Model):
    """One household to visit on a planned day by one inspector."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("待安检")
        STARTED = "started", _("进行中")
        DONE = "done", _("已完成")

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="tasks")
    household = models.ForeignKey(
        "premises.Household", on_delete=models.PROTECT, related_name="+", verbose_name=_("用户")
    )
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="inspection_tasks",
        verbose_name=_("安检员"),
    )
    day = models.DateField(_("计划日期"))
    sequence = models.PositiveIntegerField(_("顺序"), default=0)
    due_on = models.DateField(_("应检日期"), null=True, blank=True)
    overdue = models.BooleanField(_("已超期"), default=False)
    vulnerable = models.BooleanField(_("弱势群体"), default=False)
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.PLANNED
    )
    notified_at = models.DateTimeField(_("已通知"), null=True, blank=True)

    class Meta:
        ordering = ["day", "inspector", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "household"], name="plantask_plan_household")
        ]
        indexes = [
            models.Index(fields=["inspector", "day", "sequence"], name="plantask_inspector_day"),
            models.Index(fields=["plan", "status"], name="plantask_plan_status"),
            models.Index(fields=["household", "status"], name="plantask_household_status"),
            models.Index(fields=["day", "notified_at"], name="plantask_day_notified"),
        ]
        verbose_name = _("安检任务")
        verbose_name_plural = _("安检任务")

    def __str__(self) -> str:
        return f"{self.day} {self.household_id} → {self.inspector_id}"


class UnplannedHousehold(models.Model):
    """A due household the plan could not fit, and why."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="unplanned")
    household = models.ForeignKey("premises.Household", on_delete=models.PROTECT, related_name="+")
    due_on = models.DateField(_("应检日期"), null=True, blank=True)
    overdue = models.BooleanField(_("已超期"), default=False)
    reason = models.CharField(_("原因"), max_length=100)

    class Meta:
        ordering = ["plan", "id"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "household"], name="unplanned_plan_household")
        ]
        verbose_name = _("未排入计划的用户")
        verbose_name_plural = _("未排入计划的用户")

    def __str__(self) -> str:
        return f"{self.household_id}: {self.reason}"


class CommunityNotice(models.Model):
    """The notice for one community of an approved plan (RULES B3): a printable PDF for
    stairwells, lifts and notice boards, an SMS to its households, and the posting."""

    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="community_notices")
    branch = models.ForeignKey("accounts.OrgUnit", on_delete=models.PROTECT, related_name="+")
    community = models.CharField(_("小区"), max_length=100)
    first_day = models.DateField(_("首日"))
    last_day = models.DateField(_("末日"))
    households = models.PositiveIntegerField(_("户数"))
    document = models.ForeignKey(
        "common.Attachment", null=True, on_delete=models.PROTECT, related_name="+"
    )
    issued_at = models.DateTimeField(_("发出时间"), default=timezone.now)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    sms_count = models.PositiveIntegerField(_("短信条数"), default=0)
    posted_at = models.DateTimeField(_("张贴时间"), null=True, blank=True)
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    posting_photo = models.ForeignKey(
        "common.Attachment", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    posting_note = models.CharField(_("张贴说明"), max_length=300, blank=True)

    class Meta:
        ordering = ["first_day", "community"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "community", "first_day"], name="community_notice_unique"
            )
        ]
        indexes = [models.Index(fields=["branch", "first_day"], name="community_notice_day")]
        verbose_name = _("小区安检通知")
        verbose_name_plural = _("小区安检通知")

    def __str__(self) -> str:
        return f"{self.community} {self.first_day}–{self.last_day}"
