"""The hazard pages: the queue, packages of documents, rates, one hazard with its files
and notices, a household's hazards, and call recordings."""

from django.urls import path

from ruhu.hazards import views

urlpatterns = [
    path("hazards/queue/", views.queue, name="hazard-queue"),
    path("hazards/packages/", views.packages, name="hazard-packages"),
    path("hazards/packages/<id:pk>.<str:fmt>", views.package_download, name="hazard-package-file"),
    path("hazards/rates/", views.rates, name="hazard-rates"),
    path("hazards/<id:pk>/", views.detail, name="hazard-detail"),
    path("hazards/<id:pk>/files/<uuid:attachment_id>", views.hazard_file, name="hazard-file"),
    path("hazards/households/<id:pk>/", views.household_section, name="household-hazards"),
    path("hazards/notices/<id:pk>/document.pdf", views.notice_pdf, name="hazard-notice-pdf"),
    path("hazards/notices/<id:pk>/photo", views.notice_photo, name="hazard-notice-photo"),
    path("hazards/calls/recordings/", views.recordings, name="hazard-recordings"),
    path("hazards/calls/<uuid:pk>/recording", views.call_recording, name="hazard-call-recording"),
]
