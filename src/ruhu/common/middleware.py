"""Refuse query strings carrying NUL characters: no database column can hold them."""

from __future__ import annotations

from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import render

from ruhu.common.errors import NotFound, PermissionRefused, RateLimited, Unavailable


class RejectNulMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or any("\x00" in v for v in request.GET.values()):
            return HttpResponseBadRequest("NUL characters are not allowed in the address")
        return self.get_response(request)


class DomainErrorPagesMiddleware:
    """A page whose selector said "not in your scope" or "not your right" answers 404 / 403;
    one refused for its rate (or whose rate cannot be checked) 429 / 503 with Retry-After."""

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
            response = HttpResponse(exception.message, status=exception.status)
            response["Retry-After"] = str(exception.extra.get("retry_after", 60))
            return response
        return None
