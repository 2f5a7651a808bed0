from django.contrib import admin

from ruhu.common.admin import ReadOnlyAdmin
from ruhu.inspection.models import (
    AbsentReview,
    MeterReading,
    PerformanceDeduction,
    Plan,
    TrainingRecord,
    Visit,
)


@admin.register(TrainingRecord)
class TrainingRecordAdmin(ReadOnlyAdmin):
    """Training is recorded through its service, which audits it, not by hand."""

    list_display = ("trained_on", "inspector", "branch", "trainer")
    list_filter = ("branch", "trained_on")
    date_hierarchy = "trained_on"


@admin.register(Plan)
class PlanAdmin(ReadOnlyAdmin):
    """Plans are drafted and approved through their services (the 安检计划 page, the CLI)."""

    list_display = ("month", "branch", "status", "generation", "approved_by", "approved_at")
    list_filter = ("status", "branch")


@admin.register(Visit)
class VisitAdmin(ReadOnlyAdmin):
    """Visits are evidence: frozen by the database, corrected only by a new version."""

    list_display = ("finished_at", "outcome", "household", "inspector", "purpose", "frozen")
    list_filter = ("outcome", "purpose", "branch")
    search_fields = ("id", "household__account_no")
    date_hierarchy = "finished_at"
    raw_id_fields = ("household", "task", "reviewed_visit", "supersedes", "signature")


@admin.register(AbsentReview)
class AbsentReviewAdmin(ReadOnlyAdmin):
    list_display = ("queued_at", "branch", "reason", "status")
    list_filter = ("status", "reason", "branch")
    raw_id_fields = ("absent_visit", "review_visit")


@admin.register(PerformanceDeduction)
class PerformanceDeductionAdmin(ReadOnlyAdmin):
    list_display = ("recorded_at", "inspector", "branch", "points", "reason")
    list_filter = ("branch",)
    raw_id_fields = ("absent_visit", "review_visit")


@admin.register(MeterReading)
class MeterReadingAdmin(ReadOnlyAdmin):
    list_display = ("household", "read_on", "reading", "imported_at")
    search_fields = ("household__account_no",)
    raw_id_fields = ("household",)
