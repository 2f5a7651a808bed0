"""PkReader gives the instance the ORM's get() gives: every column, converted alike."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ruhu.accounts.models import User
from ruhu.common.models import Attachment
from ruhu.common.rows import PkReader


def same(found, expected) -> None:
    assert type(found) is type(expected)
    for field in type(expected)._meta.concrete_fields:
        mine, theirs = getattr(found, field.attname), getattr(expected, field.attname)
        assert (mine, type(mine)) == (theirs, type(theirs)), field.name
    assert found._state.adding is False and found._state.db == expected._state.db


def test_it_reads_what_the_orm_reads_in_one_statement(charlie):
    stored = Attachment.objects.create(
        kind="photo", file="attachments/x.jpg", sha256="a" * 64, original_sha256="b" * 64,
        size=20_000, content_type="image/jpeg", extension=".jpg", width=320, height=240,
        taken_at=timezone.now() - dt.timedelta(minutes=3), latitude=decimal.Decimal("30.27"),
        longitude=decimal.Decimal("120.150001"), uploaded_by=charlie, branch=charlie.branch,
    )  # fmt: skip
    reader = PkReader(Attachment)
    with CaptureQueriesContext(connection) as queries:
        found = reader.get(stored.pk)
    assert len(queries) == 1
    same(found, Attachment.objects.get(pk=stored.pk))
    assert isinstance(found.pk, uuid.UUID) and found.taken_at.tzinfo is not None
    assert found.file.name == "attachments/x.jpg"
    assert reader.get(str(stored.pk)).pk == stored.pk
    assert reader.get(uuid.uuid4()) is None


def test_it_reads_booleans_nulls_and_encrypted_fields(bob):
    found = PkReader(User).get(bob.pk)
    same(found, User.objects.get(pk=bob.pk))
    assert found.phone == "+8613812348000" or found.phone.endswith("13812348000")
    assert found.is_active is True and found.last_login is None
