"""The floor of the bare read in `bench.visits`: Django with no middleware and no API
framework, one view that reads the token (one statement) and the attachment by primary key
(one statement) and answers its columns as JSON. Served by gunicorn with the settings of
`ruhu serve` (its persistent connection included) as `bench.bare_app:application`."""

from __future__ import annotations

import hashlib
import os
import uuid

import django

os.environ["DJANGO_SETTINGS_MODULE"] = "bench.bare_settings"
django.setup(set_prefix=False)

from django.core.handlers.wsgi import WSGIHandler  # noqa: E402
from django.db import connection  # noqa: E402
from django.http import JsonResponse  # noqa: E402
from django.urls import path  # noqa: E402

TOKEN_SQL = (
    "SELECT t.user_id FROM accounts_apitoken t INNER JOIN accounts_user u ON u.id = t.user_id "
    "WHERE t.digest = %s AND t.revoked_at IS NULL AND u.is_active"
)
COLUMNS = ("id", "kind", "sha256", "original_sha256", "size", "content_type", "width",
           "height", "taken_at", "latitude", "longitude", "uploaded_at")  # fmt: skip
ATTACHMENT_SQL = (
    f"SELECT {', '.join(COLUMNS)} FROM common_attachment WHERE id = %s AND uploaded_by_id = %s"
)


def attachment(request, pk: str):
    raw = request.META.get("HTTP_AUTHORIZATION", "")[7:]
    key = uuid.UUID(pk)
    with connection.cursor() as cursor:
        cursor.execute(TOKEN_SQL, [hashlib.sha256(raw.encode()).hexdigest()])
        user = cursor.fetchone()
        if user is None:
            return JsonResponse({"code": "unauthenticated"}, status=401)
        cursor.execute(ATTACHMENT_SQL, [key.hex if connection.vendor == "sqlite" else key, user[0]])
        row = cursor.fetchone()
    if row is None:
        return JsonResponse({"code": "not_found"}, status=404)
    return JsonResponse(dict(zip(COLUMNS, row, strict=True)))


urlpatterns = [path("api/v1/attachments/<str:pk>", attachment)]
application = WSGIHandler()
