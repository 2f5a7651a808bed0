"""The accounts pages: signing in and out, one's own password and device tokens, the
staff directory and the invitation link."""

from django.urls import path

from ruhu.accounts import views

urlpatterns = [
    path("accounts/login/", views.login_view, name="login"),
    path("accounts/logout/", views.logout_view, name="logout"),
    path("me/tokens/", views.tokens, name="tokens"),
    path("me/password/", views.password_change, name="password-change"),
    path("me/tokens/<id:pk>/revoke/", views.token_revoke, name="token-revoke"),
    path("staff/", views.staff_list, name="staff"),
    path("staff/new/", views.staff_create, name="staff-create"),
    path("staff/<id:pk>/", views.staff_detail, name="staff-detail"),
    path("staff/<id:pk>/reactivate/", views.staff_reactivate, name="staff-reactivate"),
    path("staff/<id:pk>/deactivate/", views.staff_deactivate, name="staff-deactivate"),
    path("staff/<id:pk>/unmask/", views.staff_unmask, name="staff-unmask"),
    path("staff/<id:pk>/role/", views.staff_role, name="staff-role"),
    path("staff/<id:pk>/password/", views.staff_password_reset, name="staff-password-reset"),
    path("staff/<id:pk>/invite/", views.staff_invite, name="staff-invite"),
    path("accounts/invite/<str:token>/", views.invitation, name="invitation"),
]
