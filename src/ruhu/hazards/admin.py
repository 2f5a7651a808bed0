from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from ruhu.common.admin import ReadOnlyAdmin
from ruhu.common.errors import DomainError
from ruhu.hazards.models import (
    ClockRun,
    FollowUpCall,
    Hazard,
    HazardNotice,
    HazardStep,
    HazardType,
    MonthlyPackage,
)
from ruhu.hazards.services.catalogue import EDITABLE, hazard_type_check, hazard_type_save


class HazardTypeForm(forms.ModelForm):
    class Meta:
        model = HazardType
        fields = ("code", *EDITABLE)

    def clean(self):
        cleaned = super().clean()
        try:
            hazard_type_check(HazardType(**{k: v for k, v in cleaned.items() if k != "code"}))
        except DomainError as exc:
            raise ValidationError(exc.message) from exc
        return cleaned


@admin.register(HazardType)
class HazardTypeAdmin(admin.ModelAdmin):
    """The catalogue is data: edited here, each change audited through its service."""

    form = HazardTypeForm
    list_display = (
        "code", "name_zh", "name_en", "default_level", "fixer", "schedule_row",
        "listed_level1_no", "active", "position",
    )  # fmt: skip
    list_editable = ("active", "position")
    list_filter = ("default_level", "fixer", "active")
    search_fields = ("code", "name_zh", "name_en")

    def get_readonly_fields(self, request, obj=None):
        return ("code",) if obj is not None else ()

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        hazard_type_save(acting_user=request.user, hazard_type=obj)


@admin.register(Hazard)
class HazardAdmin(ReadOnlyAdmin):
    """Cases move only through their services (the queues, the API, the clock)."""

    list_display = ("pk", "found_on", "household", "hazard_type", "level", "state", "due_on")
    list_filter = ("state", "level", "route", "serious", "branch")
    search_fields = ("household__account_no",)
    date_hierarchy = "found_on"
    raw_id_fields = ("household", "found_visit", "before_photo", "found_by", "assignee")


@admin.register(HazardStep)
class HazardStepAdmin(ReadOnlyAdmin):
    list_display = ("hazard", "number", "kind", "effective_on", "actor", "chained")
    list_filter = ("kind", "chained")
    raw_id_fields = ("hazard", "notice", "photo", "actor")


@admin.register(HazardNotice)
class HazardNoticeAdmin(ReadOnlyAdmin):
    list_display = ("number", "kind", "issued_on", "delivery_method", "delivered_on")
    list_filter = ("kind", "delivery_method", "branch")
    search_fields = ("number", "tracking_number")
    raw_id_fields = ("household", "document", "delivery_photo", "issued_by", "delivered_by")


@admin.register(FollowUpCall)
class FollowUpCallAdmin(ReadOnlyAdmin):
    list_display = ("called_at", "hazard", "result", "caller")
    list_filter = ("result", "branch")
    raw_id_fields = ("hazard", "recording", "caller")


@admin.register(ClockRun)
class ClockRunAdmin(ReadOnlyAdmin):
    list_display = ("ran_for", "started_at", "finished_at", "moved")


@admin.register(MonthlyPackage)
class MonthlyPackageAdmin(ReadOnlyAdmin):
    list_display = ("month", "branch", "audience", "cases", "recordings", "created_at")
    list_filter = ("audience", "branch")
