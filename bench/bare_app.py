"""The floors of `bench.visits` in Django with no middleware and no API framework, served
by gunicorn with the settings of `ruhu serve` (its persistent connection and, on SQLite, its
queued write lock included) as `bench.bare_app:application`:

- the bare read, GET api/v1/attachments/<id>: the token (one statement) and the attachment
  by primary key (one statement), its columns answered as JSON;
- the minimal visit, POST api/v1/visits: the token (one statement), then in one transaction
  the posted body into `bench.write_floor`'s visit table, one audit row, and a ledger entry
  chained to the head under the chain's lock (`ledger_chain.lock_chain`: on SQLite the
  transaction's BEGIN IMMEDIATE behind the queue, on PostgreSQL its advisory lock); 201 with
  the id. The floor's tables must exist (`write_floor.create`)."""

from __future__ import annotations

import hashlib
import os
import uuid

import django

os.environ["DJANGO_SETTINGS_MODULE"] = "bench.bare_settings"
django.setup(set_prefix=False)

from django.core.handlers.wsgi import WSGIHandler  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.http import JsonResponse  # noqa: E402
from django.urls import path  # noqa: E402
from django.views.decorators.http import require_POST  # noqa: E402

from bench.write_floor import HEAD, entry_row, inserts, visit_rows  # noqa: E402
from ruhu.common.ledger_chain import lock_chain  # noqa: E402

TOKEN_SQL = (
    "SELECT t.user_id FROM accounts_apitoken t INNER JOIN accounts_user u ON u.id = t.user_id "
    "WHERE t.digest = %s AND t.revoked_at IS NULL AND u.is_active"
)
COLUMNS = ("id", "kind", "sha256", "original_sha256", "size", "content_type", "width",
           "height", "taken_at", "latitude", "longitude", "uploaded_at")  # fmt: skip
ATTACHMENT_SQL = (
    f"SELECT {', '.join(COLUMNS)} FROM common_attachment WHERE id = %s AND uploaded_by_id = %s"
)


INSERT_VISIT, INSERT_AUDIT, INSERT_ENTRY = inserts("%s")


def _user(request, cursor) -> int | None:
    """The bearer token's user (one statement), None if the token is not a live one."""
    raw = request.META.get("HTTP_AUTHORIZATION", "")[7:]
    cursor.execute(TOKEN_SQL, [hashlib.sha256(raw.encode()).hexdigest()])
    row = cursor.fetchone()
    return row[0] if row else None


def attachment(request, pk: str):
    key = uuid.UUID(pk)
    with connection.cursor() as cursor:
        user = _user(request, cursor)
        if user is None:
            return JsonResponse({"code": "unauthenticated"}, status=401)
        cursor.execute(ATTACHMENT_SQL, [key.hex if connection.vendor == "sqlite" else key, user])
        row = cursor.fetchone()
    if row is None:
        return JsonResponse({"code": "not_found"}, status=404)
    return JsonResponse(dict(zip(COLUMNS, row, strict=True)))


@require_POST
def visit(request):
    body = request.body
    with connection.cursor() as cursor:
        user = _user(request, cursor)
    if user is None:
        return JsonResponse({"code": "unauthenticated"}, status=401)
    visit_params, audit_params = visit_rows(body, user)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(INSERT_VISIT, visit_params)
        cursor.execute(INSERT_AUDIT, audit_params)
        lock_chain()
        cursor.execute(HEAD)
        cursor.execute(INSERT_ENTRY, entry_row(cursor.fetchone(), visit_params[0], body))
    return JsonResponse({"id": visit_params[0]}, status=201)


urlpatterns = [
    path("api/v1/attachments/<str:pk>", attachment),
    path("api/v1/visits", visit),
]
application = WSGIHandler()
