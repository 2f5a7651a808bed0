"""Facilities in the back office: the registry to look up, the checks and their defects
as evidence to look at. Every change goes through the services (the office pages, the
API, the import), which audit it; none is made here."""

from django.contrib import admin

from ruhu.common.admin import ReadOnlyAdmin
from ruhu.facilities.models import (
    Facility,
    FacilityCheck,
    FacilityDefect,
    FacilityRepair,
    FacilityTask,
)


@admin.register(Facility)
class FacilityAdmin(ReadOnlyAdmin):
    """The registry, read-mostly: register, edit and retire on the 场站设施 pages."""

    list_display = (
        "code", "kind", "name", "community", "branch", "last_checked_on", "last_cleaned_on",
        "flagged", "active",
    )  # fmt: skip
    list_filter = ("kind", "active", "flagged", "branch")
    search_fields = ("code", "name", "location", "community")
    raw_id_fields = ("assignee",)
    exclude = ("import_digest",)
    list_select_related = ("branch",)


@admin.register(FacilityTask)
class FacilityTaskAdmin(ReadOnlyAdmin):
    list_display = ("day", "facility", "assignee", "status", "assigned_by", "assigned_at")
    list_filter = ("status", "branch")
    search_fields = ("facility__code",)
    date_hierarchy = "day"
    raw_id_fields = ("facility", "assignee", "assigned_by")
    list_select_related = ("facility", "assignee", "assigned_by")


class FacilityDefectInline(admin.TabularInline):
    model = FacilityDefect
    fields = ("position", "item", "measured", "description")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(FacilityCheck)
class FacilityCheckAdmin(ReadOnlyAdmin):
    """Checks are evidence: frozen by the database, corrected only by a new version."""

    list_display = ("finished_at", "facility", "kind", "inspector", "result", "frozen")
    list_filter = ("result", "kind", "branch")
    search_fields = ("=id", "facility__code")
    date_hierarchy = "finished_at"
    raw_id_fields = ("facility", "inspector", "task", "supersedes")
    list_select_related = ("facility", "inspector")
    inlines = [FacilityDefectInline]


@admin.register(FacilityDefect)
class FacilityDefectAdmin(ReadOnlyAdmin):
    list_display = ("check_record", "position", "item", "measured", "description")
    list_filter = ("item",)
    search_fields = ("check_record__facility__code",)
    raw_id_fields = ("check_record",)
    list_select_related = ("check_record__facility",)


@admin.register(FacilityRepair)
class FacilityRepairAdmin(ReadOnlyAdmin):
    """Repair jobs move only through their services (the 设施维修 page, the API, checks)."""

    list_display = ("facility", "item", "status", "due_on", "assignee", "repaired_at")
    list_filter = ("status", "item", "branch")
    search_fields = ("facility__code",)
    date_hierarchy = "due_on"
    raw_id_fields = (
        "facility", "raised_by", "assignee", "repaired_by", "after_photo", "closed_by",
    )  # fmt: skip
    list_select_related = ("facility", "assignee")
