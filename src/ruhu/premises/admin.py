from django.contrib import admin

from ruhu.premises.models import Household


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
