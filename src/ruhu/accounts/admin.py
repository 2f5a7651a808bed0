from django.contrib import admin

from ruhu.accounts.models import ApiToken, OrgUnit, User
from ruhu.common.admin import ReadOnlyAdmin


@admin.register(OrgUnit)
class OrgUnitAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "kind", "parent", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("code", "name")

    def has_add_permission(self, request):
        return False  # created with `ruhu` commands or org_unit_create, which audit them

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        return ("code", "kind", "parent")


@admin.register(User)
class UserAdmin(ReadOnlyAdmin):
    """Read-only directory: staff are managed on the staff pages and by services."""

    list_display = ("username", "full_name", "role", "org_unit", "is_active", "last_login")
    list_filter = ("role", "is_active", "branch")
    search_fields = ("username", "full_name", "badge_no")
    fields = (
        "username",
        "full_name",
        "role",
        "org_unit",
        "badge_no",
        "is_active",
        "must_change_password",
        "last_login",
    )


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = (
        "user",
        "name",
        "prefix",
        "created_at",
        "last_used_at",
        "expires_at",
        "revoked_at",
    )
    list_filter = ("revoked_at",)
    fields = ("user", "name", "prefix", "created_at", "last_used_at", "expires_at", "revoked_at")
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
