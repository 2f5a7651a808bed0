"""The hazard catalogue (隐患类型): levels, who fixes each, and its row of the rectification
schedule."""

from __future__ import annotations

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
