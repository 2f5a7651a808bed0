"""Inspection: inspectors' training (RULES B9), monthly plans and their tasks (RULES B3)."""

from __future__ import annotations

import json

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
    notices_error = models.CharField(
        _("小区通知未能生成的原因"),
        max_length=300,
        blank=True,
        help_text=_("后台任务生成小区通知失败时写入，成功后清空"),
    )

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

    # A plan writes up to 300,000 tasks at once. Households and staff are never deleted
    # (PROTECT), so the database need not check and lock a parent row per task; the
    # unique (plan, household) and the (inspector, day) and (day) indexes serve every lookup
    # a plan or a day list makes; each further index is 300,000 more entries (decision 0009).
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="tasks", db_index=False)
    household = models.ForeignKey(
        "premises.Household",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("用户"),
        db_index=False,
        db_constraint=False,
    )
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="inspection_tasks",
        verbose_name=_("安检员"),
        db_index=False,
        db_constraint=False,
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
            models.Index(fields=["day", "notified_at"], name="plantask_day_notified"),
            # the tasks a regeneration keeps: a few of a plan's, and none at first (decision
            # 0028); a planned task is not in it, so writing a plan costs it nothing
            models.Index(
                fields=["plan"],
                condition=models.Q(status__in=["started", "done"]),
                name="plantask_plan_begun",
            ),
        ]
        verbose_name = _("安检任务")
        verbose_name_plural = _("安检任务")

    def __str__(self) -> str:
        return f"{self.day} {self.household_id} → {self.inspector_id}"


class UnplannedHousehold(models.Model):
    """A due household the plan could not fit, and why."""

    plan = models.ForeignKey(
        Plan, on_delete=models.CASCADE, related_name="unplanned", db_index=False
    )
    household = models.ForeignKey(
        "premises.Household", on_delete=models.PROTECT, related_name="+", db_constraint=False
    )
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


class Visit(models.Model):
    """One entry (or attempt) into a household: the evidence of an inspection (RULES B4).

    The phone makes the id. Every submitted visit is closed, so it is frozen at once:
    database triggers refuse UPDATE and DELETE of a frozen visit and of its photos, hazards
    and appliance records, and the visit enters the ledger's hash chain. A correction is a
    new visit that `supersedes` the old one, with a reason.
    """

    class Outcome(models.TextChoices):
        INSPECTED = "inspected", _("已安检")
        ABSENT = "absent", _("到访不遇")
        REFUSED = "refused", _("拒绝入户")

    class Purpose(models.TextChoices):
        ROUTINE = "routine", _("计划安检")
        REVIEW = "review", _("到访不遇复核")

    id = models.UUIDField(primary_key=True, editable=False)
    household = models.ForeignKey(
        "premises.Household", on_delete=models.PROTECT, related_name="+", verbose_name=_("用户")
    )
    branch = models.ForeignKey("accounts.OrgUnit", on_delete=models.PROTECT, related_name="+")
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("人员")
    )
    task = models.ForeignKey(
        PlanTask, null=True, blank=True, on_delete=models.PROTECT, related_name="visits"
    )
    purpose = models.CharField(
        _("类型"), max_length=16, choices=Purpose.choices, default=Purpose.ROUTINE
    )
    reviewed_visit = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reviews"
    )
    outcome = models.CharField(_("结果"), max_length=16, choices=Outcome.choices)
    started_at = models.DateTimeField(_("开始时间"))
    finished_at = models.DateTimeField(_("结束时间"))
    received_at = models.DateTimeField(_("上传时间"), default=timezone.now)
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    # The answers as canonical JSON text (keys sorted, compact): the same bytes on both
    # engines, so the ledger hashes them as they are instead of re-encoding (evidence.py).
    checklist_json = models.TextField(_("检查项"), default="{}", blank=True)
    meter_reading = models.DecimalField(
        _("表读数"), max_digits=12, decimal_places=3, null=True, blank=True
    )
    leaflet_given = models.BooleanField(_("已发放安全宣传单"), default=False)
    customer_needs = models.CharField(_("用户需求"), max_length=500, blank=True)
    signature = models.ForeignKey(
        "common.Attachment", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    signer_name = models.CharField(_("签字人"), max_length=60, blank=True)
    door_number = models.CharField(_("门牌号"), max_length=60, blank=True)
    refusal_reason = models.CharField(_("拒绝原因"), max_length=300, blank=True)
    note = models.CharField(_("备注"), max_length=500, blank=True)
    supersedes = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="superseded_by"
    )
    correction_reason = models.CharField(_("更正原因"), max_length=300, blank=True)
    payload_sha256 = models.CharField(max_length=64)
    frozen = models.BooleanField(default=False)
    frozen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-finished_at"]
        indexes = [
            models.Index(fields=["household", "-finished_at"], name="visit_household_time"),
            models.Index(fields=["inspector", "-finished_at"], name="visit_inspector_time"),
            models.Index(fields=["branch", "outcome", "-finished_at"], name="visit_branch_outcome"),
        ]
        verbose_name = _("入户记录")
        verbose_name_plural = _("入户记录")

    def __str__(self) -> str:
        return f"{self.get_outcome_display()} {self.household_id} {self.finished_at:%Y-%m-%d}"

    @property
    def checklist(self) -> dict:
        return json.loads(self.checklist_json)


class VisitPhoto(models.Model):
    class Purpose(models.TextChoices):
        ITEM = "item", _("检查项")
        METER = "meter", _("燃气表")
        APPLIANCE = "appliance", _("燃气具")
        HAZARD_BEFORE = "hazard_before", _("隐患整改前")
        HAZARD_AFTER = "hazard_after", _("隐患整改后")
        ABSENT_NOTICE = "absent_notice", _("到访不遇通知单")
        REFUSAL = "refusal", _("拒绝入户")

    visit = models.ForeignKey(Visit, on_delete=models.PROTECT, related_name="photos")
    attachment = models.ForeignKey("common.Attachment", on_delete=models.PROTECT, related_name="+")
    purpose = models.CharField(max_length=16, choices=Purpose.choices)
    item = models.CharField(max_length=40, blank=True)
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["visit", "position"]
        constraints = [
            models.UniqueConstraint(fields=["visit", "position"], name="visitphoto_position")
        ]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} {self.position}"


class VisitHazard(models.Model):
    visit = models.ForeignKey(Visit, on_delete=models.PROTECT, related_name="hazards")
    position = models.PositiveSmallIntegerField()
    hazard_type = models.CharField(_("隐患类型"), max_length=40)
    item = models.CharField(_("检查项"), max_length=40, blank=True)
    level = models.PositiveSmallIntegerField(_("等级"))
    description = models.CharField(_("描述"), max_length=300, blank=True)
    fixed_on_spot = models.BooleanField(_("现场整改"))
    before_photo = models.ForeignKey(
        "common.Attachment", on_delete=models.PROTECT, related_name="+"
    )
    after_photo = models.ForeignKey(
        "common.Attachment", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["visit", "position"]
        constraints = [
            models.UniqueConstraint(fields=["visit", "position"], name="visithazard_position")
        ]
        indexes = [models.Index(fields=["level", "fixed_on_spot"], name="visithazard_level")]
        verbose_name = _("发现的隐患")
        verbose_name_plural = _("发现的隐患")

    def __str__(self) -> str:
        return f"L{self.level} {self.hazard_type}"


class VisitAppliance(models.Model):
    """What the visit saw of one appliance; the registry is updated from it."""

    class Action(models.TextChoices):
        CONFIRMED = "confirmed", _("核对无误")
        ADDED = "added", _("新增")
        UPDATED = "updated", _("更新")
        REMOVED = "removed", _("已拆除")

    visit = models.ForeignKey(Visit, on_delete=models.PROTECT, related_name="appliances")
    position = models.PositiveSmallIntegerField()
    # The registry row's id when the visit saw one; no foreign key, so that the registry can
    # drop a removed appliance while this evidence keeps what it was.
    appliance_ref = models.PositiveBigIntegerField(null=True, blank=True)
    action = models.CharField(max_length=16, choices=Action.choices)
    kind = models.CharField(max_length=20)
    brand = models.CharField(max_length=60, blank=True)
    model = models.CharField(max_length=60, blank=True)
    flue = models.CharField(max_length=20, blank=True)
    installed_year = models.PositiveSmallIntegerField(null=True, blank=True)
    past_service_life = models.BooleanField(default=False)

    class Meta:
        ordering = ["visit", "position"]
        constraints = [
            models.UniqueConstraint(fields=["visit", "position"], name="visitappliance_position")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.get_action_display()}"


class PerformanceDeduction(models.Model):
    """A reviewer got in where the inspector had reported nobody home (RULES B7)."""

    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    branch = models.ForeignKey("accounts.OrgUnit", on_delete=models.PROTECT, related_name="+")
    absent_visit = models.OneToOneField(Visit, on_delete=models.PROTECT, related_name="+")
    review_visit = models.ForeignKey(Visit, on_delete=models.PROTECT, related_name="+")
    points = models.PositiveSmallIntegerField(_("扣分"))
    reason = models.CharField(_("原因"), max_length=300)
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-recorded_at"]
        verbose_name = _("绩效扣分")
        verbose_name_plural = _("绩效扣分")

    def __str__(self) -> str:
        return f"{self.inspector_id} -{self.points}"


class AbsentReview(models.Model):
    """An absent report in the reviewer's queue, and why it was picked."""

    class Reason(models.TextChoices):
        SAMPLE = "sample", _("按比例抽查")
        METER_READ = "meter_read", _("近期有户内抄表读数")

    class Status(models.TextChoices):
        OPEN = "open", _("待复核")
        CONFIRMED = "confirmed", _("确认不遇")
        ENTERED = "entered", _("复核入户成功")

    absent_visit = models.OneToOneField(Visit, on_delete=models.PROTECT, related_name="review")
    branch = models.ForeignKey("accounts.OrgUnit", on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("原因"), max_length=16, choices=Reason.choices)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.OPEN)
    queued_at = models.DateTimeField(default=timezone.now)
    review_visit = models.OneToOneField(
        Visit, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["queued_at"]
        indexes = [models.Index(fields=["branch", "status", "queued_at"], name="review_queue")]
        verbose_name = _("到访不遇复核")
        verbose_name_plural = _("到访不遇复核")

    def __str__(self) -> str:
        return f"{self.get_reason_display()} {self.get_status_display()}"


class MeterReading(models.Model):
    """A reading from the billing system (`ruhu import-meter-readings`)."""

    household = models.ForeignKey("premises.Household", on_delete=models.CASCADE, related_name="+")
    read_on = models.DateField(_("抄表日期"))
    reading = models.DecimalField(_("读数"), max_digits=12, decimal_places=3)
    imported_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["household", "-read_on"]
        constraints = [
            models.UniqueConstraint(fields=["household", "read_on"], name="meterreading_unique")
        ]

    def __str__(self) -> str:
        return f"{self.household_id} {self.read_on} {self.reading}"
