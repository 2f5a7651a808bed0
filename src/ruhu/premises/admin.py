from django.contrib import admin

from ruhu.common.admin import ReadOnlyAdmin
from ruhu.premises.models import Appliance, Household


@admin.register(Household)
class HouseholdAdmin(ReadOnlyAdmin):
    """Households change through imports and workflows, which audit them, not by hand."""

    list_display = ("account_no", "name", "category", "branch")
    list_filter = ("category", "branch")
    search_fields = ("account_no",)
    fields = ("account_no", "name", "category", "branch", "address", "meter_serial",
              "meter_kind", "meter_location")  # fmt: skip


@admin.register(Appliance)
class ApplianceAdmin(ReadOnlyAdmin):
    list_display = ("household", "kind", "brand", "model", "flue_type", "installed_year")
    list_filter = ("kind", "flue_type")
