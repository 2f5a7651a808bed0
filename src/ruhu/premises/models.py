"""Customers (households), their meters and gas appliances.

The utility's billing system is the master of this data; Ruhu receives it by bulk import.
The address is kept as its parts (district → community → building → unit → room) in plain
indexed columns rather than a table per level: imports of tens of millions of rows stay
set-based, and planning groups by (community, building) with ordinary indexes.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ruhu.common.fields import BlindIndexField, EncryptedTextField
from ruhu.common.models import import_upload_path as common_import_upload_path


class Category(models.TextChoices):
    RESIDENTIAL = "residential", _("居民")
    COMMERCIAL = "commercial", _("商业")
    INDUSTRIAL = "industrial", _("工业")
    PUBLIC_WELFARE = "public_welfare", _("公福")
    SPECIAL = "special", _("特殊用气场所")


class SupplyStatus(models.TextChoices):
    NORMAL = "normal", _("正常供气")
    LIMITED = "limited", _("限量售气")
    STOPPED = "stopped", _("停止售气")
    SEALED = "sealed", _("已封停")


class MeterKind(models.TextChoices):
    ORDINARY = "ordinary", _("普通表")
    IC = "ic", _("IC卡表")


class MeterLocation(models.TextChoices):
    INDOOR = "indoor", _("户内")
    OUTDOOR = "outdoor", _("户外")


class MeterSize(models.TextChoices):
    G1_6 = "G1.6", "G1.6"
    G2_5 = "G2.5", "G2.5"
    G4 = "G4", "G4"
    G6 = "G6", "G6"
    G10 = "G10", "G10"
    G16 = "G16", "G16"
    G25 = "G25", "G25"
    G40 = "G40", "G40"


class MeterInlet(models.TextChoices):
    LEFT = "left", _("左进气")
    RIGHT = "right", _("右进气")


class Household(models.Model):
    # no index of its own: every composite index below starts with the branch
    branch = models.ForeignKey(
        "accounts.OrgUnit", on_delete=models.PROTECT, related_name="households", db_index=False
    )
    account_no = models.CharField(_("户号"), max_length=32)
    name = models.CharField(_("户名"), max_length=100)
    phone = EncryptedTextField(_("联系电话"), pii="phone")
    phone_bidx = BlindIndexField(source="phone", db_index=False)
    id_number = EncryptedTextField(_("身份证号"), pii="id_number")
    id_number_bidx = BlindIndexField(source="id_number", db_index=False)
    category = models.CharField(_("用户类别"), max_length=20, choices=Category.choices)
    district = models.CharField(_("区县"), max_length=50, blank=True)
    community = models.CharField(_("小区"), max_length=100, blank=True)
    building = models.CharField(_("楼栋"), max_length=30, blank=True)
    unit = models.CharField(_("单元"), max_length=30, blank=True)
    room = models.CharField(_("房号"), max_length=30, blank=True)
    address = models.CharField(_("地址"), max_length=300, blank=True)
    latitude = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(
        _("经度"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    gas_since = models.DateField(_("通气日期"), null=True, blank=True)
    first_conversion = models.BooleanField(_("首次置换"), default=False)
    vulnerable = models.BooleanField(_("弱势群体"), default=False)
    group_rental = models.BooleanField(_("群租"), default=False)
    long_term_absent = models.BooleanField(_("长期不在家"), default=False)
    is_key_customer = models.BooleanField(
        _("重点客户"),
        default=False,
        help_text=_("由弱势群体、群租、长期不在家、拒不整改等标记得出"),
    )
    last_inspected_on = models.DateField(_("最近一次成功安检"), null=True, blank=True)
    special_cycle_months = models.PositiveSmallIntegerField(
        _("特殊用气场所安检周期（月）"),
        null=True,
        blank=True,
        help_text=_("仅特殊用气场所：按场所单独设定，范围由政策参数决定；空则用默认周期"),
    )
    supply_status = models.CharField(
        _("供气状态"), max_length=16, choices=SupplyStatus.choices, default=SupplyStatus.NORMAL
    )
    # The household's one gas meter lives on its row: a second table would double the rows
    # (and the foreign-key checks) of every bulk import for a strict one-to-one (decision 0007).
    meter_serial = models.CharField(_("表号"), max_length=40, blank=True)
    meter_kind = models.CharField(_("表类型"), max_length=16, choices=MeterKind.choices, blank=True)
    meter_location = models.CharField(
        _("表位置"), max_length=16, choices=MeterLocation.choices, blank=True
    )
    meter_brand = models.CharField(_("表品牌"), max_length=50, blank=True)
    meter_model = models.CharField(_("表型号"), max_length=50, blank=True)
    meter_size = models.CharField(_("表规格"), max_length=8, choices=MeterSize.choices, blank=True)
    meter_inlet = models.CharField(
        _("进气方向"), max_length=8, choices=MeterInlet.choices, blank=True
    )
    meter_last_reading = models.DecimalField(
        _("最近读数"), max_digits=12, decimal_places=3, null=True, blank=True
    )
    meter_last_read_on = models.DateField(_("最近抄表日期"), null=True, blank=True)
    import_digest = models.CharField(
        max_length=32,
        blank=True,
        editable=False,
        help_text=_("上次导入时该行内容的摘要；内容不变的行再次导入时跳过"),
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["account_no"]
        # Declared here rather than by unique=True / db_index=True: on PostgreSQL those add a
        # second, pattern-matching index to a varchar, which exact lookups never use and
        # every bulk import would pay for (decision 0007).
        constraints = [
            models.UniqueConstraint(fields=["account_no"], name="household_account_no_unique")
        ]
        indexes = [
            # on PostgreSQL partial hash indexes of these names (migration 0012, decision 0030)
            models.Index(fields=["phone_bidx"], name="household_phone_bidx"),
            models.Index(fields=["id_number_bidx"], name="household_id_number_bidx"),
            models.Index(fields=["branch", "category"], name="household_branch_category"),
            models.Index(
                fields=["branch", "district", "community", "building", "unit"],
                name="household_branch_address",
            ),
            models.Index(fields=["branch", "last_inspected_on"], name="household_branch_inspected"),
            # a branch's list, page by page in account order: without it the planner walks
            # the account index from the first account to the branch's own
            models.Index(fields=["branch", "account_no"], name="household_branch_account"),
            # the search's exact name and community terms, across branches for head office and
            # within one (the branch second: else the planner ANDs in the whole branch's
            # bitmap, decision 0032); a trigram index serves address fragments (0011)
            models.Index(fields=["name", "branch"], name="household_name_branch"),
            models.Index(fields=["community", "branch"], name="household_community_branch"),
            # few households are off normal supply or key customers: partial indexes stay small
            # and cost bulk imports nothing for the other rows
            models.Index(
                fields=["branch", "supply_status"],
                condition=~models.Q(supply_status="normal"),
                name="household_branch_supply",
            ),
            models.Index(
                fields=["branch"],
                condition=models.Q(is_key_customer=True),
                name="household_branch_key",
            ),
            models.Index(
                fields=["branch", "account_no"],
                condition=models.Q(vulnerable=True),
                name="household_branch_vulnerable",
            ),
            models.Index(
                fields=["branch", "account_no"],
                condition=models.Q(group_rental=True),
                name="household_branch_group_rental",
            ),
        ]
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return f"{self.account_no} {self.name}"


class Appliance(models.Model):
    class Kind(models.TextChoices):
        STOVE = "stove", _("燃气灶")
        WATER_HEATER = "water_heater", _("热水器")
        WALL_HUNG_BOILER = "wall_hung_boiler", _("壁挂炉")
        GAS_ALARM = "gas_alarm", _("燃气报警器")
        OTHER = "other", _("其他")

    class Flue(models.TextChoices):
        BALANCED = "balanced", _("平衡式")
        FORCED = "forced", _("强排式")
        FLUE = "flue", _("烟道式")
        DIRECT = "direct", _("直排式")

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="appliances")
    kind = models.CharField(_("种类"), max_length=20, choices=Kind.choices)
    brand = models.CharField(_("品牌"), max_length=50, blank=True)
    model = models.CharField(_("型号"), max_length=50, blank=True)
    flue_type = models.CharField(_("排烟方式"), max_length=16, choices=Flue.choices, blank=True)
    installed_year = models.PositiveSmallIntegerField(_("安装年份"), null=True, blank=True)

    class Meta:
        ordering = ["kind", "id"]
        indexes = [models.Index(fields=["kind", "installed_year"], name="appliance_kind_year")]
        verbose_name = _("燃气具")
        verbose_name_plural = _("燃气具")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.brand} {self.model}".strip()


# The household import's jobs moved to common (ImportJob, kind "household"); migration
# 0004, which created them here, still names their upload path by this module.
import_upload_path = common_import_upload_path
