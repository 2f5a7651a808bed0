"""Refuse query strings carrying NUL characters: no database column can hold them."""

from __future__ import annotations

from django.http import HttpResponseBadRequest


class RejectNulMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or any("\x00" in v for v in request.GET.values()):
            return HttpResponseBadRequest("NUL characters are not allowed in the address")
        return self.get_response(request)
