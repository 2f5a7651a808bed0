"""The rectification loop (RULES B5, B6, B8): the hazard catalogue, each hazard found as a
case with its state, the immutable steps that moved it, the paper notices behind them and
the follow-up calls.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _


class Level(models.IntegerChoices):
    ONE = 1, _("一级")
    TWO = 2, _("二级")
    THREE = 3, _("三级")


class Fixer(models.TextChoices):
    INSPECTOR = "inspector", _("安检员现场整改")
    REPAIRER = "repairer", _("维修员")
    CUSTOMER = "customer", _("客户自行整改")


class ScheduleRow(models.TextChoices):
    """The rows of §5's rectification schedule; each has its working days as a policy value
    `hazard.fix_working_days.<row>`, so a branch can set its own."""

    ADD_HOSE_CLAMP = "add_hose_clamp", _("加装软管管卡")
    HOSE_TOO_LONG = "hose_too_long", _("软管超长")
    LEAKING_INSTALLATION = "leaking_installation", _("燃气管道设施漏气")
    METER_CLAMP_MISSING = "meter_clamp_missing", _("燃气表固定管卡缺失")
    HOSE_THROUGH_WALL = "hose_through_wall", _("软管穿墙")
    METER_REPLACEMENT = "meter_replacement", _("燃气表更换")
    METER_BADLY_INSTALLED = "meter_badly_installed", _("燃气表安装不规范")
    VALVE_HARD_TO_OPERATE = "valve_hard_to_operate", _("表前阀、灶前阀开关不便")
    SERVICE_PIPE_NO_SLEEVE = "service_pipe_no_sleeve", _("入户支管无套管或无封堵")
    BURIED_PIPE_JOINT = "buried_pipe_joint", _("埋地管有接头")


class HazardType(models.Model):
    """One entry of the catalogue; edited in the admin, every change audited."""

    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name_zh = models.CharField(_("名称（中文）"), max_length=100)
    name_en = models.CharField(_("名称（英文）"), max_length=100)
    default_level = models.PositiveSmallIntegerField(_("默认等级"), choices=Level.choices)
    fixer = models.CharField(_("整改人"), max_length=16, choices=Fixer.choices)
    schedule_row = models.CharField(
        _("整改周期表行"),
        max_length=40,
        choices=ScheduleRow.choices,
        blank=True,
        help_text=_("整改期限（工作日）取自政策参数 hazard.fix_working_days.<行>"),
    )
    listed_level1_no = models.PositiveSmallIntegerField(
        _("一级隐患序号"),
        null=True,
        blank=True,
        help_text=_("§2 五列出的十类一级隐患中的序号（1–10）"),
    )
    active = models.BooleanField(_("启用"), default=True)
    position = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("隐患类型")
        verbose_name_plural = _("隐患类型")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        language = translation.get_language() or ""
        return self.name_en if language.startswith("en") and self.name_en else self.name_zh


class Route(models.TextChoices):
    ON_SPOT = "on_spot", _("现场整改")
    REPAIR = "repair", _("派维修员")
    NOTICE = "notice", _("下发整改通知书")


class State(models.TextChoices):
    FOUND = "found", _("已发现")
    DISPATCHED = "dispatched", _("已派维修")
    NOTICED = "noticed", _("已下整改通知")
    RENOTICE_DUE = "renotice_due", _("待再次通知")
    RENOTICED = "renoticed", _("已再次通知")
    LIMIT_DUE = "limit_due", _("待限量售气")
    LIMITED = "limited", _("限量售气中")
    STOP_NOTICED = "stop_noticed", _("已送达停气通知")
    PM_LETTERED = "pm_lettered", _("已致函物业")
    SEAL_DUE = "seal_due", _("待停气封停")
    SEALED = "sealed", _("已停气封停")
    HANDED_OVER = "handed_over", _("已移交安全监察部")
    ARRANGED = "arranged", _("客户已办理整改")
    RECTIFIED = "rectified", _("已整改待恢复供气")
    CLOSED = "closed", _("已关闭")


OPEN_STATES = frozenset(set(State) - {State.CLOSED})
# the open list of §5: hazards still waiting on the customer or on us, not on a re-check
ON_OPEN_LIST = frozenset(OPEN_STATES - {State.ARRANGED, State.RECTIFIED, State.FOUND})


class Resolution(models.TextChoices):
    NONE = "", _("未结案")
    ON_SPOT = "on_spot", _("现场整改")
    RECTIFIED = "rectified", _("复查确认已整改")
    SUPPLY_TERMINATED = "supply_terminated", _("终止供气")
    WITHDRAWN = "withdrawn", _("记录更正撤销")


RECTIFIED_RESOLUTIONS = (Resolution.ON_SPOT, Resolution.RECTIFIED)


class SupplyHold(models.TextChoices):
    NONE = "", _("无")
    LIMITED = "limited", _("限量售气")
    SEALED = "sealed", _("已封停")


class Hazard(models.Model):
    """One hazard found at one household, carried until it is closed."""

    # every index below starts with the branch or the state: no single-column index
    branch = models.ForeignKey(
        "accounts.OrgUnit", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    household = models.ForeignKey(
        "premises.Household", on_delete=models.PROTECT, related_name="hazards", db_index=False
    )
    hazard_type = models.ForeignKey(
        HazardType, on_delete=models.PROTECT, related_name="+", verbose_name=_("隐患类型")
    )
    level = models.PositiveSmallIntegerField(_("等级"), choices=Level.choices)
    item = models.CharField(_("检查项"), max_length=40, blank=True)
    description = models.CharField(_("描述"), max_length=300, blank=True)
    route = models.CharField(_("整改方式"), max_length=16, choices=Route.choices)
    state = models.CharField(_("状态"), max_length=16, choices=State.choices)
    found_on = models.DateField(_("发现日期"))
    found_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    # the visit is in a later app: a lazy reference, no import (DESIGN layout)
    found_visit = models.ForeignKey(
        "inspection.Visit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    found_position = models.PositiveSmallIntegerField(null=True, blank=True)
    before_photo = models.ForeignKey(
        "common.Attachment", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    due_on = models.DateField(_("当前期限"), null=True, blank=True)
    since = models.DateField(_("进入当前状态"))
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        verbose_name=_("维修员"),
    )
    serious = models.BooleanField(
        _("重大隐患"), default=False, help_text=_("一级隐患未能现场整改：建议立即停气并上报")
    )
    supply_hold = models.CharField(
        _("供气限制"), max_length=16, choices=SupplyHold.choices, blank=True, default=""
    )
    # how many steps it has taken: each step's number, and a second guard of the update
    step_count = models.PositiveIntegerField(default=0)
    rectified_on = models.DateField(_("整改日期"), null=True, blank=True)
    closed_on = models.DateField(_("结案日期"), null=True, blank=True)
    resolution = models.CharField(
        _("结案方式"), max_length=20, choices=Resolution.choices, blank=True, default=""
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-found_on", "-id"]
        indexes = [
            # the daily clock: the open cases of one state whose deadline has passed
            models.Index(fields=["state", "due_on"], name="hazard_state_due"),
            # work queues: a branch's cases in a state, oldest first
            models.Index(fields=["branch", "state", "since"], name="hazard_branch_state"),
            models.Index(fields=["household", "state"], name="hazard_household"),
            # rectification rates: covering, so the counts never read the table
            models.Index(
                fields=["branch", "found_on", "level", "resolution"], name="hazard_branch_found"
            ),
            models.Index(fields=["found_on", "level", "resolution", "branch"], name="hazard_found"),
            # who may see an attachment: the records citing it (ruhu.common.citations)
            models.Index(fields=["before_photo"], name="hazard_before_photo"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["found_visit", "found_position"], name="hazard_one_case_per_found_row"
            )
        ]
        verbose_name = _("隐患")
        verbose_name_plural = _("隐患")

    def __str__(self) -> str:
        return f"#{self.pk} L{self.level} {self.hazard_type_id}"

    @property
    def is_open(self) -> bool:
        return self.state != State.CLOSED


class DeliveryMethod(models.TextChoices):
    HANDED = "handed", _("当面交付")
    POSTED = "posted", _("张贴于门上")
    REGISTERED_MAIL = "registered_mail", _("挂号信")
    EXPRESS = "express", _("快递")


TRACKED_METHODS = (DeliveryMethod.REGISTERED_MAIL, DeliveryMethod.EXPRESS)


class HazardNotice(models.Model):
    """A paper document of the loop: printed, delivered with proof, never e-signed."""

    class Kind(models.TextChoices):
        RECTIFY = "rectify", _("安全隐患整改通知书")
        RECTIFY_SECOND = "rectify_second", _("安全隐患整改通知书（第二次）")
        STOP_SUPPLY = "stop_supply", _("停止供气通知书")
        PROPERTY_LETTER = "property_letter", _("物业联络函")

    branch = models.ForeignKey(
        "accounts.OrgUnit", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    # a rectification or stop-supply notice is for one household; a property-manager letter
    # is for one community and lists its households
    household = models.ForeignKey(
        "premises.Household",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    community = models.CharField(_("小区"), max_length=100, blank=True)
    kind = models.CharField(_("文书"), max_length=20, choices=Kind.choices)
    number = models.CharField(_("编号"), max_length=32, unique=True)
    hazards = models.ManyToManyField(Hazard, related_name="notices")
    issued_on = models.DateField(_("开具日期"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    deadline = models.DateField(_("期限"), null=True, blank=True)
    # rendered when issued; a first notice handed over at a visit is rendered after commit
    document = models.ForeignKey(
        "common.Attachment",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    # why the background job could not render the document yet (it retries); empty once done
    render_error = models.CharField(_("文书生成失败原因"), max_length=300, blank=True)
    delivery_method = models.CharField(
        _("送达方式"), max_length=20, choices=DeliveryMethod.choices, blank=True
    )
    delivered_on = models.DateField(_("送达日期"), null=True, blank=True)
    delivered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    delivery_photo = models.ForeignKey(
        "common.Attachment",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    tracking_number = models.CharField(_("邮件单号"), max_length=40, blank=True)
    recipient = models.CharField(_("收件人"), max_length=100, blank=True)
    # the company copy of a rectification notice comes back to the office within 48 hours
    copy_due_at = models.DateTimeField(null=True, blank=True)
    copy_received_at = models.DateTimeField(_("公司联交回时间"), null=True, blank=True)
    copy_received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    copy_alerted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-issued_on", "-id"]
        indexes = [
            models.Index(fields=["household", "issued_on"], name="hazardnotice_household"),
            # company copies still out: few rows, so a partial index stays small
            models.Index(
                fields=["branch", "copy_due_at"],
                condition=models.Q(copy_due_at__isnull=False, copy_received_at__isnull=True),
                name="hazardnotice_copy_out",
            ),
            # who may see an attachment: the records citing it (ruhu.common.citations)
            models.Index(
                fields=["document"],
                condition=models.Q(document__isnull=False),
                name="hazardnotice_document",
            ),
            models.Index(
                fields=["delivery_photo"],
                condition=models.Q(delivery_photo__isnull=False),
                name="hazardnotice_delivery_photo",
            ),
        ]
        verbose_name = _("整改文书")
        verbose_name_plural = _("整改文书")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number}"

    @property
    def delivered(self) -> bool:
        return self.delivered_on is not None


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
