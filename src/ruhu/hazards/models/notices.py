"""The paper of the loop: notices and letters, delivered with proof, never e-signed."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ruhu.hazards.models.cases import Hazard


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

    @property
    def copy_outstanding(self) -> bool:
        """A delivered rectification notice whose company copy is not back yet."""
        rectifying = self.kind in (self.Kind.RECTIFY, self.Kind.RECTIFY_SECOND)
        return rectifying and self.delivered and self.copy_received_at is None
