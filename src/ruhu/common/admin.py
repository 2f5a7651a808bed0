from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from ruhu.common.errors import DomainError
from ruhu.common.models import (
    Attachment,
    AuditEvent,
    CalendarDay,
    CalendarYear,
    ImportJob,
    LedgerEntry,
    LedgerHeadExport,
    OutboxMessage,
    PolicyKey,
    PolicyValue,
)
from ruhu.common.policy import policy_set
from ruhu.common.workdays import calendar_day_set, calendar_year_mark_published


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ImportJob)
class ImportJobAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "kind", "file_name", "branch", "status", "inserted",
                    "updated", "unchanged", "rejected", "created_by")  # fmt: skip
    list_filter = ("kind", "status", "branch")
    exclude = ("file", "report")


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("occurred_at", "actor_label", "action", "target_repr", "reason", "via")
    list_filter = ("action", "via", "branch")
    search_fields = ("actor_label", "action", "target_repr", "target_id")
    date_hierarchy = "occurred_at"


class PolicyValueInline(admin.TabularInline):
    model = PolicyValue
    extra = 0
    fields = ("branch", "value", "effective_from", "note")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(PolicyKey)
class PolicyKeyAdmin(admin.ModelAdmin):
    """Keys are declared in code (`<app>/policies.py`, decision 0018): shown, not edited."""

    list_display = ("key", "description", "kind", "unit", "source")
    search_fields = ("key", "description", "source")
    list_filter = ("kind",)
    inlines = [PolicyValueInline]
    readonly_fields = ("key", "kind", "unit", "description", "source")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PolicyValue)
class PolicyValueAdmin(admin.ModelAdmin):
    """Changes go through policy_set, so each one is validated and audited."""

    list_display = ("key", "branch", "value", "effective_from", "note")
    list_filter = ("branch", "key")
    search_fields = ("key__key", "note")
    autocomplete_fields = ("key",)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        try:
            saved = policy_set(
                acting_user=request.user,
                key=obj.key_id,
                value=obj.value,
                effective_from=obj.effective_from,
                branch=obj.branch_id,
                note=obj.note,
            )
            obj.pk = saved.pk
        except DomainError as exc:
            messages.error(request, exc.message)


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ("date", "is_working", "name")
    list_filter = ("is_working",)
    date_hierarchy = "date"

    def save_model(self, request, obj, form, change):
        saved = calendar_day_set(
            acting_user=request.user, day=obj.date, is_working=obj.is_working, name=obj.name
        )
        obj.pk = saved.pk


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    list_display = ("year", "published_on", "note")

    def save_model(self, request, obj, form, change):
        calendar_year_mark_published(
            acting_user=request.user, year=obj.year, published_on=obj.published_on, note=obj.note
        )


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "channel", "status", "attempts", "next_attempt_at", "sent_at")
    list_filter = ("channel", "status")
    exclude = ("recipient", "recipient_bidx")


@admin.register(Attachment)
class AttachmentAdmin(ReadOnlyAdmin):
    list_display = ("uploaded_at", "kind", "sha256", "size", "content_type", "taken_at")
    list_filter = ("kind", "content_type")
    search_fields = ("sha256",)


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    """The evidence chain, to look at; `ruhu ledger verify` checks it."""

    list_display = (
        "seq",
        "kind",
        "record_id",
        "short_record_hash",
        "short_entry_hash",
        "appended_at",
    )
    search_fields = ("=record_id",)  # exact: no LIKE '%…%' over the whole chain
    ordering = ("-seq",)
    show_full_result_count = False

    @admin.display(description=_("记录哈希"))
    def short_record_hash(self, obj: LedgerEntry) -> str:
        return obj.record_sha256[:12]

    @admin.display(description=_("哈希"))
    def short_entry_hash(self, obj: LedgerEntry) -> str:
        return obj.entry_hash[:12]


@admin.register(LedgerHeadExport)
class LedgerHeadExportAdmin(ReadOnlyAdmin):
    list_display = ("exported_on", "seq", "entry_hash", "path")
    date_hierarchy = "exported_on"
