"""The facilities pages: the phone's (field), the office's, and the registry import."""

from django.urls import path

from ruhu.facilities.views import checks, detail, field, importing, registry, repairs, schedule

urlpatterns = [
    path("field/facilities/", field.day_tasks_section, name="field-facility-tasks"),
    path("field/facilities/tasks/<id:task_id>/", field.check_page, name="facility-check-page"),
    path(
        "field/facilities/<id:pk>/check/",
        field.unplanned_check_page,
        name="facility-check-unplanned",
    ),
    path("facilities/", registry.registry, name="facilities"),
    path("facilities/new/", registry.facility_new, name="facility-create"),
    path("facilities/schedule/", schedule.schedule, name="facility-schedule"),
    path("facilities/repairs/", repairs.repairs, name="facility-repairs"),
    path("facilities/checks/<uuid:pk>/", checks.check_detail, name="facility-check-detail"),
    path(
        "facilities/checks/<uuid:pk>/files/<uuid:attachment_id>",
        checks.check_file,
        name="facility-check-file",
    ),
    path("facilities/<id:pk>/", detail.detail, name="facility-detail"),
    path("facilities/<id:pk>/edit/", registry.facility_edit, name="facility-edit"),
    path("facilities/<id:pk>/active/", registry.facility_active, name="facility-set-active"),
    path("facilities/<id:pk>/card.pdf", detail.card_pdf, name="facility-card-pdf"),
    path(
        "facilities/<id:pk>/tasks/<id:task_pk>/cancel/",
        schedule.task_cancel,
        name="facility-task-cancel",
    ),
    path(
        "facilities/<id:pk>/repairs/<id:repair_pk>/photo",
        detail.repair_photo,
        name="facility-repair-photo",
    ),
    *importing.urlpatterns,  # kept beside the import's views while the import is rewritten
]
