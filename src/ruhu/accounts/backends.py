"""The only authentication backend: Django's model backend behind the login throttle.

Every way in (web login, admin login, API token request, the current password on the
password page) passes through here, so the lock cannot be sidestepped by choosing another
door. Failures count against the account and the client's address (see throttle).
"""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied

from ruhu.accounts import throttle


class ThrottledModelBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None or password is None:
            return None
        address = throttle.client_address(request)
        try:
            if throttle.lock_for(username, address):
                raise PermissionDenied("locked")
            user = super().authenticate(request, username=username, password=password, **kwargs)
            if user is None:
                throttle.record_failure(username, address)
            else:
                throttle.record_success(username)
        except throttle.ThrottleUnavailable:
            raise PermissionDenied("throttle unavailable") from None
        return user
