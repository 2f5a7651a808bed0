"""The WSGI handler: two middleware chains, the lean one for device calls (decision 0024).

A request to the JSON API that brings a bearer token and no session cookie is a phone: no
session to load or save, no CSRF (a token is not sent by a browser on its own), no
messages, no static files. It goes through `API_TOKEN_MIDDLEWARE`, the guards it still
needs (security headers, the Content-Security-Policy, NUL refusal, the request's language,
the Host check, deny-by-default, the page access check, X-Frame-Options) plus
`AnonymousUntilAuthenticated` in place of the session's user. Any other request, a token
call that also carries a session cookie included, takes the whole `MIDDLEWARE`.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import MiddlewareNotUsed
from django.core.handlers.exception import convert_exception_to_response
from django.core.handlers.wsgi import WSGIHandler
from django.utils.module_loading import import_string

API_PREFIX = "/api/v1/"
NOT_OPERATIONS = ("docs", "openapi.json")  # browser pages under the prefix: the web chain


class AnonymousUntilAuthenticated:
    """`request.user` before the API's token authentication sets it (the lean chain has no
    session to read a user from)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.user = AnonymousUser()
        return self.get_response(request)


def is_token_call(environ: dict) -> bool:
    """A bearer-token call to an API operation, without a session cookie."""
    operation = environ.get("PATH_INFO", "").removeprefix(API_PREFIX)
    if operation == environ.get("PATH_INFO", "") or not operation:
        return False
    if operation.startswith(NOT_OPERATIONS):
        return False
    scheme = environ.get("HTTP_AUTHORIZATION", "")[:7]
    if scheme.lower() != "bearer ":
        return False
    return settings.SESSION_COOKIE_NAME + "=" not in environ.get("HTTP_COOKIE", "")


class LeanHandler(WSGIHandler):
    """A WSGI handler whose chain is `API_TOKEN_MIDDLEWARE` (synchronous, as under gunicorn's
    sync workers), built the way Django builds the chain of `MIDDLEWARE`."""

    def load_middleware(self, is_async=False):
        if is_async:
            raise NotImplementedError("the lean chain is for WSGI")
        self._view_middleware = []
        self._template_response_middleware = []
        self._exception_middleware = []
        handler = convert_exception_to_response(self._get_response)
        for path in reversed(settings.API_TOKEN_MIDDLEWARE):
            try:
                instance = import_string(path)(handler)
            except MiddlewareNotUsed:
                continue
            if hasattr(instance, "process_view"):
                self._view_middleware.insert(0, instance.process_view)
            if hasattr(instance, "process_template_response"):
                self._template_response_middleware.append(instance.process_template_response)
            if hasattr(instance, "process_exception"):
                self._exception_middleware.append(instance.process_exception)
            handler = convert_exception_to_response(instance)
        self._middleware_chain = handler


class RuhuHandler(WSGIHandler):
    """`MIDDLEWARE` for the web; the lean chain for token calls to the API."""

    def __init__(self) -> None:
        super().__init__()
        self.token_calls = LeanHandler()

    def __call__(self, environ, start_response):
        if is_token_call(environ):
            return self.token_calls(environ, start_response)
        return super().__call__(environ, start_response)
