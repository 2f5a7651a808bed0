from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import redirect
from django.urls import include, path
from django.utils.http import urlencode
from django.views.i18n import set_language

from ruhu.accounts import views as accounts
from ruhu.api import api
from ruhu.common import views as common
from ruhu.hazards import views as hazards
from ruhu.inspection import views as inspection
from ruhu.premises import views as premises
from ruhu.reports import views as reports

admin.site.site_header = "Ruhu 入户 管理后台"
admin.site.site_title = "Ruhu"


@login_not_required
def admin_login(request):
    """The admin signs in through the one throttled login page."""
    return redirect("/accounts/login/?" + urlencode({"next": request.GET.get("next", "/admin/")}))


urlpatterns = [
    path("", reports.home, name="home"),
    path("accounts/login/", accounts.login_view, name="login"),
    path("accounts/logout/", accounts.logout_view, name="logout"),
    path("me/tokens/", accounts.tokens, name="tokens"),
    path("me/password/", accounts.password_change, name="password-change"),
    path("me/tokens/<id:pk>/revoke/", accounts.token_revoke, name="token-revoke"),
    path("me/inbox/", common.inbox, name="inbox"),
    path("me/inbox/read/", common.inbox_read, name="inbox-read-all"),
    path("me/inbox/<id:pk>/read/", common.inbox_read, name="inbox-read"),
    path("staff/", accounts.staff_list, name="staff"),
    path("staff/new/", accounts.staff_create, name="staff-create"),
    path("staff/<id:pk>/", accounts.staff_detail, name="staff-detail"),
    path("staff/<id:pk>/reactivate/", accounts.staff_reactivate, name="staff-reactivate"),
    path("staff/<id:pk>/deactivate/", accounts.staff_deactivate, name="staff-deactivate"),
    path("staff/<id:pk>/unmask/", accounts.staff_unmask, name="staff-unmask"),
    path("staff/<id:pk>/role/", accounts.staff_role, name="staff-role"),
    path("staff/<id:pk>/password/", accounts.staff_password_reset, name="staff-password-reset"),
    path("staff/<id:pk>/invite/", accounts.staff_invite, name="staff-invite"),
    path("accounts/invite/<str:token>/", accounts.invitation, name="invitation"),
    path("households/", premises.households, name="households"),
    path("households/import/", premises.household_import_page, name="household-import"),
    path(
        "households/import/<uuid:pk>/", premises.household_import_job, name="household-import-job"
    ),
    path(
        "households/import/<uuid:pk>/report/",
        premises.household_import_report,
        name="household-import-report",
    ),
    path("households/<id:pk>/", premises.household_detail, name="household-detail"),
    path("households/<id:pk>/unmask/", premises.household_unmask, name="household-unmask"),
    path("inspection/training/", inspection.training, name="training"),
    path("inspection/plans/", inspection.plans, name="plans"),
    path("field/", inspection.field_day, name="field-day"),
    path(
        "inspection/households/<id:pk>/visits/",
        inspection.household_visits,
        name="household-visits",
    ),
    path("inspection/visits/<uuid:visit_id>/", inspection.visit_detail, name="visit-detail"),
    path(
        "inspection/visits/<uuid:visit_id>/missed-visit.pdf",
        inspection.missed_visit_notice,
        name="missed-visit-notice",
    ),
    path("field/tasks/<id:task_id>/", inspection.visit_page, name="visit-page"),
    path("field/reviews/", inspection.review_list, name="review-queue"),
    path("field/reviews/<uuid:visit_id>/", inspection.review_visit_page, name="review-visit"),
    path("inspection/plans/<id:pk>/", inspection.plan_detail, name="plan-detail"),
    path("inspection/plans/<id:pk>/approve/", inspection.plan_approve_view, name="plan-approve"),
    path(
        "inspection/plans/<id:pk>/unplanned/",
        inspection.plan_unplanned_list,
        name="plan-unplanned",
    ),
    path(
        "inspection/plans/<id:pk>/notices/",
        inspection.community_notices_issue_view,
        name="community-notices-issue",
    ),
    path("inspection/notices/", inspection.community_notices, name="community-notices"),
    path(
        "inspection/notices/<id:pk>/notice.pdf",
        inspection.community_notice_pdf,
        name="community-notice-pdf",
    ),
    path(
        "inspection/notices/<id:pk>/posting/",
        inspection.community_notice_posting,
        name="community-notice-posting",
    ),
    path("hazards/queue/", hazards.queue, name="hazard-queue"),
    path("hazards/packages/", hazards.packages, name="hazard-packages"),
    path(
        "hazards/packages/<id:pk>.<str:fmt>",
        hazards.package_download,
        name="hazard-package-file",
    ),
    path("hazards/rates/", hazards.rates, name="hazard-rates"),
    path("hazards/<id:pk>/", hazards.detail, name="hazard-detail"),
    path(
        "hazards/<id:pk>/files/<uuid:attachment_id>",
        hazards.hazard_file,
        name="hazard-file",
    ),
    path("hazards/households/<id:pk>/", hazards.household_section, name="household-hazards"),
    path("hazards/notices/<id:pk>/document.pdf", hazards.notice_pdf, name="hazard-notice-pdf"),
    path("hazards/notices/<id:pk>/photo", hazards.notice_photo, name="hazard-notice-photo"),
    path("hazards/calls/recordings/", hazards.recordings, name="hazard-recordings"),
    path("hazards/calls/<uuid:pk>/recording", hazards.call_recording, name="hazard-call-recording"),
    path("", include("ruhu.facilities.urls")),
    path("audit/", common.audit, name="audit"),
    path("healthz", common.healthz, name="healthz"),
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("admin/login/", admin_login),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
]

# 500 (or 503 for a database that is down): the API's error shape, or a page that needs nothing
handler500 = "ruhu.common.error_pages.server_error"
