"""One hazard found at one household, carried as a case until it is closed."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ruhu.hazards.models.catalogue import HazardType, Level


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
