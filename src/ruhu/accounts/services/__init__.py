"""Every write to accounts, each one audited: org units and staff (staff), who may act on
whom (rules), first passwords and password changes (credentials), device tokens (tokens)."""

from ruhu.accounts.services.credentials import (
    INVITATION,
    ONE_TIME_PASSWORD,
    invitation_token,
    invitation_user,
    user_enrol,
    user_invitation_accept,
    user_invite,
    user_password_reset,
    user_set_password,
)
from ruhu.accounts.services.rules import PasswordChangeRequired, first_login_hours
from ruhu.accounts.services.staff import (
    EDITABLE_USER_FIELDS,
    LoginFailed,
    LoginLocked,
    LoginUnavailable,
    login_check,
    org_unit_create,
    role_change_text,
    session_end,
    session_start,
    user_create,
    user_deactivate,
    user_reactivate,
    user_update,
)
from ruhu.accounts.services.tokens import (
    TOKEN_PREFIX,
    token_authenticate,
    token_digest,
    token_issue,
    token_revoke,
)

__all__ = [
    "EDITABLE_USER_FIELDS",
    "INVITATION",
    "ONE_TIME_PASSWORD",
    "TOKEN_PREFIX",
    "LoginFailed",
    "LoginLocked",
    "LoginUnavailable",
    "PasswordChangeRequired",
    "first_login_hours",
    "invitation_token",
    "invitation_user",
    "login_check",
    "org_unit_create",
    "role_change_text",
    "session_end",
    "session_start",
    "token_authenticate",
    "token_digest",
    "token_issue",
    "token_revoke",
    "user_create",
    "user_deactivate",
    "user_enrol",
    "user_invitation_accept",
    "user_invite",
    "user_password_reset",
    "user_reactivate",
    "user_set_password",
    "user_update",
]
