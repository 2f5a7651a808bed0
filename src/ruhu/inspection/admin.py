from django.contrib import admin

from ruhu.common.admin import ReadOnlyAdmin
from ruhu.inspection.models import TrainingRecord


@admin.register(TrainingRecord)
class TrainingRecordAdmin(ReadOnlyAdmin):
    """Training is recorded through its service, which audits it, not by hand."""

    list_display = ("trained_on", "inspector", "branch", "trainer")
    list_filter = ("branch", "trained_on")
    date_hierarchy = "trained_on"
