"""The project's URLs: the API first (its calls are the most frequent and nothing else lives
under /api/v1/, so they skip matching every page), then each app's pages from its own
`urls.py` (no namespace, so every URL name is the app's own), the language switch and the
admin."""

from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import redirect
from django.urls import include, path
from django.utils.http import urlencode
from django.views.i18n import set_language

from ruhu.api import api

admin.site.site_header = "Ruhu 入户 管理后台"
admin.site.site_title = "Ruhu"

APPS = ("reports", "accounts", "common", "premises", "inspection", "hazards", "facilities")


@login_not_required
def admin_login(request):
    """The admin signs in through the one throttled login page."""
    return redirect("/accounts/login/?" + urlencode({"next": request.GET.get("next", "/admin/")}))


urlpatterns = [
    path("api/v1/", api.urls),
    *[path("", include(f"ruhu.{app}.urls")) for app in APPS],
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("admin/login/", admin_login),
    path("admin/", admin.site.urls),
]

# 500 (or 503 for a database that is down): the API's error shape, or a page that needs nothing
handler500 = "ruhu.common.error_pages.server_error"
