"""The inspection pages: training, monthly plans and their community notices, the
inspector's day and visit, absent reviews, and visits as recorded."""

from django.urls import path

from ruhu.inspection import views

urlpatterns = [
    path("inspection/training/", views.training, name="training"),
    path("inspection/plans/", views.plans, name="plans"),
    path("field/", views.field_day, name="field-day"),
    path(
        "inspection/households/<id:pk>/visits/",
        views.household_visits,
        name="household-visits",
    ),
    path("inspection/visits/<uuid:visit_id>/", views.visit_detail, name="visit-detail"),
    path(
        "inspection/visits/<uuid:visit_id>/missed-visit.pdf",
        views.missed_visit_notice,
        name="missed-visit-notice",
    ),
    path("field/tasks/<id:task_id>/", views.visit_page, name="visit-page"),
    path("field/reviews/", views.review_list, name="review-queue"),
    path("field/reviews/<uuid:visit_id>/", views.review_visit_page, name="review-visit"),
    path("inspection/plans/<id:pk>/", views.plan_detail, name="plan-detail"),
    path("inspection/plans/<id:pk>/approve/", views.plan_approve_view, name="plan-approve"),
    path(
        "inspection/plans/<id:pk>/unplanned/",
        views.plan_unplanned_list,
        name="plan-unplanned",
    ),
    path(
        "inspection/plans/<id:pk>/notices/",
        views.community_notices_issue_view,
        name="community-notices-issue",
    ),
    path("inspection/notices/", views.community_notices, name="community-notices"),
    path(
        "inspection/notices/<id:pk>/notice.pdf",
        views.community_notice_pdf,
        name="community-notice-pdf",
    ),
    path(
        "inspection/notices/<id:pk>/posting/",
        views.community_notice_posting,
        name="community-notice-posting",
    ),
]
