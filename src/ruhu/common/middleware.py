"""Request and response guards shared by every page: NUL characters refused, domain errors
as 404/403 pages, and the Content-Security-Policy."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.conf.urls.i18n import is_language_prefix_patterns_used
from django.http import HttpResponse, HttpResponseBadRequest, JsonResponse
from django.middleware.locale import LocaleMiddleware
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _

from ruhu.common.errors import NotFound, PermissionRefused, RateLimited, Unavailable


class RejectNulMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or _nul_in_query(request):
            if request.path.startswith("/api/"):  # in the API's own error shape
                # this runs before LocaleMiddleware, so it asks for the language itself
                with translation.override(translation.get_language_from_request(request)):
                    message = _("地址中不能含有 NUL 字符")
                error = {"message": message, "code": "bad_request", "extra": {}}
                return JsonResponse(error, status=400)
            return HttpResponseBadRequest("NUL characters are not allowed in the address")
        return self.get_response(request)


def _nul_in_query(request) -> bool:
    """Whether a value of the query string decodes to text with a NUL. Only `%00` (or a raw
    NUL) can give one: without them the query is not parsed here (decision 0033)."""
    query = request.META.get("QUERY_STRING", "")
    if "%00" not in query and "\x00" not in query:
        return False
    return any("\x00" in v for v in request.GET.values())


class DomainErrorPagesMiddleware:
    """A page whose selector said "not in your scope" or "not your right" answers 404 / 403;
    one refused for its rate (or whose rate cannot be checked) 429 / 503 with Retry-After, on
    the self-contained error page. Anything else is Django's handler500 (common.error_pages)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, NotFound):
            return render(request, "404.html", status=404)
        if isinstance(exception, PermissionRefused):
            return render(request, "403.html", {"message": exception.message}, status=403)
        if isinstance(exception, RateLimited | Unavailable):
            page = render_to_string(f"{exception.status}.html", {"message": exception.message})
            response = HttpResponse(page, status=exception.status)
            response["Retry-After"] = str(exception.extra.get("retry_after", 60))
            return response
        return None


# Scripts and styles only from our own origin (static files) or, where something must be
# inline, with the response's nonce: no 'unsafe-inline', no eval, nothing from elsewhere.
# Photos are shrunk on the phone through a canvas and shown as data: URLs before upload.
CSP_DIRECTIVES = (
    ("default-src", "'self'"),
    ("script-src", "'self' 'nonce-{nonce}'"),
    ("style-src", "'self' 'nonce-{nonce}'"),
    ("img-src", "'self' data: blob:"),
    ("media-src", "'self' blob:"),
    ("connect-src", "'self'"),
    ("font-src", "'self'"),
    ("object-src", "'none'"),
    ("base-uri", "'self'"),
    ("form-action", "'self'"),
    ("frame-ancestors", "'none'"),
)
CSP_TEMPLATE = "; ".join(f"{name} {value}" for name, value in CSP_DIRECTIVES)


def csp_header(nonce: str) -> str:
    return CSP_TEMPLATE.format(nonce=nonce)


class ContentSecurityPolicyMiddleware:
    """Every response carries the policy with a fresh nonce (`request.csp_nonce` in
    templates). PDFs are left to the browser's own viewer, which a policy can switch off."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.csp_nonce = secrets.token_urlsafe(18)
        response = self.get_response(request)
        content_type = response.get("Content-Type", "")
        if not content_type.startswith("application/pdf"):
            response.headers.setdefault("Content-Security-Policy", csp_header(request.csp_nonce))
        return response


class TokenCallLocaleMiddleware(LocaleMiddleware):
    """Django's LocaleMiddleware for the lean chain of token calls (decision 0033): where the
    URLconf has no language prefixes (`i18n_patterns`), the language comes from the request
    alone and the two lookups of a prefix in the path decide nothing; they are skipped."""

    def _prefixed(self, request) -> bool:
        urlconf = getattr(request, "urlconf", settings.ROOT_URLCONF)
        return is_language_prefix_patterns_used(urlconf)[0]

    def process_request(self, request):
        if self._prefixed(request):
            return super().process_request(request)
        translation.activate(translation.get_language_from_request(request, check_path=False))
        request.LANGUAGE_CODE = translation.get_language()
        return None

    def process_response(self, request, response):
        if self._prefixed(request):
            return super().process_response(request, response)
        patch_vary_headers(response, ("Accept-Language",))
        response.headers.setdefault("Content-Language", translation.get_language())
        return response
