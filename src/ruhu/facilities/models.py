"""Station facilities (RULES C): regulator boxes, valve wells, valve rooms and regulator
cabinets; their periodic checks (frozen evidence, like visits), the defects a check
raises and the repair job each defect becomes."""

from __future__ import annotations

import json

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class FacilityKind(models.TextChoices):
    REGULATOR_BOX = "regulator_box", _("调压箱")
    VALVE_WELL = "valve_well", _("阀井")
    VALVE_ROOM = "valve_room", _("阀室")
    REGULATOR_CABINET = "regulator_cabinet", _("调压柜")


class Facility(models.Model):
    """One facility in the registry. When it is next due is not stored: it follows from
    the last check and the policy interval of its kind, so a policy change moves it."""

    branch = models.ForeignKey(
        "accounts.OrgUnit", on_delete=models.PROTECT, related_name="+", verbose_name=_("分公司")
    )
    code = models.CharField(_("编号"), max_length=40, unique=True)
    kind = models.CharField(_("类型"), max_length=20, choices=FacilityKind.choices)
    name = models.CharField(_("名称"), max_length=100, blank=True)
    location = models.CharField(_("位置"), max_length=300)
    community = models.CharField(_("小区"), max_length=100, blank=True)
    latitude = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(
        _("经度"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    model = models.CharField(_("型号"), max_length=60, blank=True)
    manufacturer = models.CharField(_("生产厂家"), max_length=100, blank=True)
    installed_on = models.DateField(_("安装日期"), null=True, blank=True)
    safety_valve_valid_until = models.DateField(_("安全阀检验有效期至"), null=True, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("责任人"),
    )
    registered_on = models.DateField(_("登记日期"), default=timezone.localdate)
    last_checked_on = models.DateField(_("最近检查日期"), null=True, blank=True)
    last_cleaned_on = models.DateField(_("最近清洗日期"), null=True, blank=True)
    flagged = models.BooleanField(_("有未消除的缺陷"), default=False)
    active = models.BooleanField(_("在用"), default=True)
    import_digest = models.CharField(max_length=64, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]
        indexes = [
            models.Index(fields=["branch", "kind", "last_checked_on"], name="facility_schedule"),
            models.Index(fields=["branch", "last_cleaned_on"], name="facility_cleaning"),
            models.Index(
                fields=["branch"], condition=models.Q(flagged=True), name="facility_flagged"
            ),
        ]
        verbose_name = _("场站设施")
        verbose_name_plural = _("场站设施")

    def __str__(self) -> str:
        return f"{self.code} {self.get_kind_display()}"


class FacilityTask(models.Model):
    """A facility's check given to one member of staff for one day: it shows in their day
    list beside their household visits. A facility has at most one open task."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("待检查")
        DONE = "done", _("已完成")
        CANCELLED = "cancelled", _("已取消")

    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="tasks")
    branch = models.ForeignKey("accounts.OrgUnit", on_delete=models.PROTECT, related_name="+")
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="facility_tasks",
        verbose_name=_("检查人"),
    )
    day = models.DateField(_("计划日期"))
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.PLANNED
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    assigned_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["day", "facility__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["facility"],
                condition=models.Q(status="planned"),
                name="facilitytask_one_open",
            )
        ]
        indexes = [models.Index(fields=["assignee", "day"], name="facilitytask_assignee_day")]
        verbose_name = _("设施检查任务")
        verbose_name_plural = _("设施检查任务")

    def __str__(self) -> str:
        return f"{self.day} {self.facility_id} → {self.assignee_id}"


class FacilityCheck(models.Model):
    """One check of one facility, as the phone made it: frozen at once and chained in the
    ledger like a visit (database triggers refuse UPDATE and DELETE of a frozen check and
    of its photos and defects). A correction is a new check that `supersedes` it."""

    class Result(models.TextChoices):
        PASSED = "passed", _("正常")
        DEFECTS = "defects", _("有缺陷")

    id = models.UUIDField(primary_key=True, editable=False)
    facility = models.ForeignKey(
        Facility, on_delete=models.PROTECT, related_name="checks", verbose_name=_("设施")
    )
    branch = models.ForeignKey("accounts.OrgUnit", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("类型"), max_length=20, choices=FacilityKind.choices)
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("检查人"),
    )
    task = models.ForeignKey(
        FacilityTask, null=True, blank=True, on_delete=models.PROTECT, related_name="checks"
    )
    started_at = models.DateTimeField(_("开始时间"))
    finished_at = models.DateTimeField(_("结束时间"))
    received_at = models.DateTimeField(_("上传时间"), default=timezone.now)
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    # canonical JSON text, like Visit.checklist_json: the ledger hashes it as it is
    checklist_json = models.TextField(_("检查项"), default="{}", blank=True)
    cutoff_pa = models.PositiveIntegerField(_("切断压力(Pa)"), null=True, blank=True)
    closing_pa = models.PositiveIntegerField(_("关闭压力(Pa)"), null=True, blank=True)
    operating_pa = models.PositiveIntegerField(_("运行压力(Pa)"), null=True, blank=True)
    cleaned = models.BooleanField(_("本次已清洗"), default=False)
    safety_valve_valid_until = models.DateField(_("安全阀检验有效期至"), null=True, blank=True)
    result = models.CharField(_("结论"), max_length=16, choices=Result.choices)
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
            models.Index(fields=["facility", "-finished_at"], name="facilitycheck_facility"),
            models.Index(fields=["inspector", "-finished_at"], name="facilitycheck_inspector"),
            models.Index(fields=["branch", "-finished_at"], name="facilitycheck_branch"),
        ]
        verbose_name = _("设施检查记录")
        verbose_name_plural = _("设施检查记录")

    def __str__(self) -> str:
        return f"{self.facility_id} {self.finished_at:%Y-%m-%d} {self.get_result_display()}"

    @property
    def checklist(self) -> dict:
        return json.loads(self.checklist_json)


class FacilityCheckPhoto(models.Model):
    check_record = models.ForeignKey(FacilityCheck, on_delete=models.PROTECT, related_name="photos")
    attachment = models.ForeignKey("common.Attachment", on_delete=models.PROTECT, related_name="+")
    item = models.CharField(max_length=40, blank=True)
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["check_record", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["check_record", "position"], name="facilitycheckphoto_position"
            )
        ]

    def __str__(self) -> str:
        return f"{self.item} {self.position}"


class FacilityDefect(models.Model):
    """A defect as the check found it: part of the frozen evidence. Its repair job is a
    `FacilityRepair`, which moves on while this stays as found."""

    check_record = models.ForeignKey(
        FacilityCheck, on_delete=models.PROTECT, related_name="defects"
    )
    position = models.PositiveSmallIntegerField()
    item = models.CharField(_("检查项"), max_length=40)
    measured = models.IntegerField(_("测量值"), null=True, blank=True)
    description = models.CharField(_("描述"), max_length=300)

    class Meta:
        ordering = ["check_record", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["check_record", "position"], name="facilitydefect_position"
            )
        ]
        verbose_name = _("设施缺陷")
        verbose_name_plural = _("设施缺陷")

    def __str__(self) -> str:
        return f"{self.item}: {self.description}"


class FacilityRepair(models.Model):
    """The repair job of a defect: due by a policy number of days, done by a repairer
    (with a photo), and verified, with the facility's flag cleared, only by a later check
    that finds the item in order."""

    class Status(models.TextChoices):
        OPEN = "open", _("待维修")
        REPAIRED = "repaired", _("已维修待复查")
        VERIFIED = "verified", _("复查合格")
        WITHDRAWN = "withdrawn", _("已撤销")

    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="repairs")
    branch = models.ForeignKey("accounts.OrgUnit", on_delete=models.PROTECT, related_name="+")
    raised_by = models.ForeignKey(
        FacilityCheck, on_delete=models.PROTECT, related_name="repairs_raised"
    )
    item = models.CharField(_("检查项"), max_length=40)
    description = models.CharField(_("缺陷"), max_length=300)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.OPEN)
    due_on = models.DateField(_("维修期限"))
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("维修员"),
    )
    raised_at = models.DateTimeField(default=timezone.now)
    repaired_at = models.DateTimeField(_("维修时间"), null=True, blank=True)
    repaired_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    repair_note = models.CharField(_("维修说明"), max_length=500, blank=True)
    after_photo = models.ForeignKey(
        "common.Attachment", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_by = models.ForeignKey(
        FacilityCheck, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_on", "pk"]
        indexes = [
            models.Index(fields=["branch", "status", "due_on"], name="facilityrepair_queue"),
            models.Index(fields=["facility", "status"], name="facilityrepair_facility"),
        ]
        verbose_name = _("设施维修任务")
        verbose_name_plural = _("设施维修任务")

    def __str__(self) -> str:
        return f"{self.facility_id} {self.item} {self.get_status_display()}"

    @property
    def open(self) -> bool:
        return self.status in (self.Status.OPEN, self.Status.REPAIRED)
