"""The reports pages: the home page per role."""

from django.urls import path

from ruhu.reports import views

urlpatterns = [
    path("", views.home, name="home"),
]
