from django.contrib import admin

from ruhu.premises.models import Appliance, Household, ImportJob, Meter


@admin.register(Household)
class HouseholdAdmin(admin.ModelAdmin):
    list_display = ("account_no", "name", "category", "branch")
    list_filter = ("category", "branch")
    search_fields = ("account_no",)
    fields = ("account_no", "name", "category", "branch", "address")
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnly(admin.ModelAdmin):
    """Households and their equipment change through imports and workflows, not by hand."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Meter)
class MeterAdmin(ReadOnly):
    list_display = ("serial", "household", "kind", "location", "size")
    list_filter = ("kind", "location", "size")
    search_fields = ("serial",)


@admin.register(Appliance)
class ApplianceAdmin(ReadOnly):
    list_display = ("household", "kind", "brand", "model", "flue_type", "installed_year")
    list_filter = ("kind", "flue_type")


@admin.register(ImportJob)
class ImportJobAdmin(ReadOnly):
    list_display = ("created_at", "file_name", "branch", "status", "inserted", "updated",
                    "unchanged", "rejected", "created_by")  # fmt: skip
    list_filter = ("status", "branch")
    exclude = ("file", "report")
