"""Refuse query strings carrying NUL characters: no database column can hold them."""

from __future__ import annotations

from django.http import HttpResponseBadRequest, JsonResponse
from django.shortcuts import render

from ruhu.common.errors import NotFound, PermissionRefused


class RejectNulMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or any("\x00" in v for v in request.GET.values()):
            if request.path.startswith("/api/"):  # in the API's own error shape
                error = {"message": "地址中不能含有 NUL 字符", "code": "bad_request", "extra": {}}
                return JsonResponse(error, status=400)
            return HttpResponseBadRequest("NUL characters are not allowed in the address")
        return self.get_response(request)


class DomainErrorPagesMiddleware:
    """A page whose selector said "not in your scope" or "not your right" answers 404 / 403."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, NotFound):
            return render(request, "404.html", status=404)
        if isinstance(exception, PermissionRefused):
            return render(request, "403.html", {"message": exception.message}, status=403)
        return None
