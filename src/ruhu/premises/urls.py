"""The household pages: the list, one household, and the household import."""

from django.urls import path

from ruhu.premises import views

urlpatterns = [
    path("households/", views.households, name="households"),
    path("households/import/", views.household_import_page, name="household-import"),
    path("households/import/<uuid:pk>/", views.household_import_job, name="household-import-job"),
    path(
        "households/import/<uuid:pk>/report/",
        views.household_import_report,
        name="household-import-report",
    ),
    path("households/<id:pk>/", views.household_detail, name="household-detail"),
    path("households/<id:pk>/unmask/", views.household_unmask, name="household-unmask"),
]
