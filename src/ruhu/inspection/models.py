"""Inspection: inspectors' training records (RULES B9); visits and plans build on these."""

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
