"""The pages of `common`: the user's inbox, the audit trail and the health check."""

from django.urls import path

from ruhu.common import views

urlpatterns = [
    path("me/inbox/", views.inbox, name="inbox"),
    path("me/inbox/read/", views.inbox_read, name="inbox-read-all"),
    path("me/inbox/<id:pk>/read/", views.inbox_read, name="inbox-read"),
    path("audit/", views.audit, name="audit"),
    path("healthz", views.healthz, name="healthz"),
]
