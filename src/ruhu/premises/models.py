"""Customers (households) and their premises. The billing system is the master of this data."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ruhu.common.fields import BlindIndexField, EncryptedTextField


class Category(models.TextChoices):
    RESIDENTIAL = "residential", _("居民")
    COMMERCIAL = "commercial", _("商业")
    INDUSTRIAL = "industrial", _("工业")
    PUBLIC_WELFARE = "public_welfare", _("公福")
    SPECIAL = "special", _("特殊用气场所")


class Household(models.Model):
    branch = models.ForeignKey(
        "accounts.OrgUnit", on_delete=models.PROTECT, related_name="households"
    )
    account_no = models.CharField(_("户号"), max_length=32, unique=True)
    name = models.CharField(_("户名"), max_length=100)
    phone = EncryptedTextField(_("联系电话"), pii="phone")
    phone_bidx = BlindIndexField(source="phone")
    id_number = EncryptedTextField(_("身份证号"), pii="id_number")
    id_number_bidx = BlindIndexField(source="id_number")
    category = models.CharField(_("用户类别"), max_length=20, choices=Category.choices)
    address = models.CharField(_("地址"), max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["account_no"]
        indexes = [models.Index(fields=["branch", "category"])]
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return f"{self.account_no} {self.name}"
