"""PkReader gives the instance the ORM's get() gives: every column, converted alike; and
rows_insert / rows_update write what bulk_create / update write (decision 0029)."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ruhu.accounts.models import User
from ruhu.common.models import Attachment, AuditEvent
from ruhu.common.rows import PkReader, _insert_parts, _prepared, rows_insert, rows_update
from ruhu.common.scoping import in_scope, scope_queryset
from ruhu.premises.models import Household


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


def test_deferred_fields_are_left_out_and_load_when_touched(household_a):
    deferred = ("phone", "id_number", "phone_bidx", "id_number_bidx")
    with CaptureQueriesContext(connection) as queries:
        found = PkReader(Household, defer=deferred).get(household_a.pk)
    assert len(queries) == 1 and "phone" not in queries[0]["sql"]
    assert found.get_deferred_fields() == set(deferred)
    expected = Household.objects.defer(*deferred).get(pk=household_a.pk)
    for field in Household._meta.concrete_fields:
        if field.name not in deferred:
            assert getattr(found, field.attname) == getattr(expected, field.attname), field.name
    assert found.phone == Household.objects.get(pk=household_a.pk).phone  # loads on touch


def test_where_reads_the_rows_matching_a_condition(charlie):
    stored = [
        Attachment.objects.create(
            kind="photo", file=f"attachments/{n}.jpg", sha256=str(n) * 64,
            original_sha256=str(n) * 64, size=1, content_type="image/jpeg", extension=".jpg",
            uploaded_by=charlie, branch=charlie.branch,
        )
        for n in range(3)
    ]  # fmt: skip
    found = PkReader(Attachment).where("sha256 IN (%s, %s)", ["0" * 64, "2" * 64])
    assert sorted(a.sha256 for a in found) == ["0" * 64, "2" * 64]
    for attachment in found:
        same(attachment, next(a for a in stored if a.pk == attachment.pk))


def _event(user, n: int) -> AuditEvent:
    return AuditEvent(
        actor_id=user.pk, actor_label=user.username, action="test.write", target_id=str(n),
        branch_id=user.branch_id, changes={"n": [None, n], "名": "王伟"}, reason="why",
    )  # fmt: skip


def test_rows_insert_writes_what_bulk_create_writes_in_one_statement(charlie):
    ours, theirs = [_event(charlie, n) for n in range(3)], [_event(charlie, n) for n in range(3)]
    for mine, other in zip(ours, theirs, strict=True):
        other.occurred_at = mine.occurred_at
    with CaptureQueriesContext(connection) as queries:
        written = rows_insert(ours)
    assert len(queries) == 1 and written == ours
    AuditEvent.objects.bulk_create(theirs)
    assert [e.pk for e in ours] == sorted(e.pk for e in ours) and None not in [e.pk for e in ours]
    for mine, other in zip(ours, theirs, strict=True):
        assert mine._state.adding is False and mine._state.db == "default"
        read, expected = AuditEvent.objects.get(pk=mine.pk), AuditEvent.objects.get(pk=other.pk)
        for field in AuditEvent._meta.concrete_fields:
            if field.name != "id":
                assert getattr(read, field.attname) == getattr(expected, field.attname)
    assert rows_insert([]) == []


def test_rows_insert_with_a_client_key_and_rows_update(charlie):
    photo = Attachment(
        kind="photo", file="attachments/y.jpg", sha256="c" * 64, original_sha256="d" * 64,
        size=5, content_type="image/jpeg", extension=".jpg", uploaded_by=charlie,
        branch=charlie.branch, latitude=decimal.Decimal("30.271234"),
    )  # fmt: skip
    key = photo.pk
    rows_insert([photo])
    assert photo.pk == key
    same(PkReader(Attachment).get(key), Attachment.objects.get(pk=key))
    assert rows_update(Attachment, key, width=640, height=480) == 1
    assert Attachment.objects.values_list("width", "height").get(pk=key) == (640, 480)
    assert rows_update(Attachment, uuid.uuid4(), width=1) == 0
    assert rows_update(Attachment, key, width=F("height")) == 1  # an expression: the ORM's
    assert Attachment.objects.get(pk=key).width == 480


def test_rows_insert_prepares_each_value_as_the_orm_does(charlie, household_a):
    from django.utils.translation import gettext_lazy

    from ruhu.inspection.models import Visit

    now = timezone.now()
    visit = Visit(
        id=uuid.uuid4(), household=household_a, inspector=charlie, branch_id=charlie.branch_id,
        outcome="inspected", started_at=now, finished_at=now, payload_sha256="e" * 64,
        leaflet_given=True, note=gettext_lazy("入户"), meter_reading=decimal.Decimal("1.5"),
        customer_needs="", frozen=False,
    )  # fmt: skip
    event = _event(charlie, 1)
    event.reason = gettext_lazy("why")  # text of another type: the field prepares it
    for obj in (visit, event, _event(charlie, 2)):
        fields = _insert_parts(type(obj), connection)[3]
        expected = [f.get_db_prep_save(f.pre_save(obj, True), connection) for f, _, _ in fields]
        prepared = _prepared(connection, obj, fields)
        assert prepared is not None
        assert [type(v) for v in prepared] == [type(v) for v in expected]
        # psycopg's Jsonb wrapper (PostgreSQL's JSON parameter) compares by identity
        assert [getattr(v, "obj", v) for v in prepared] == [getattr(v, "obj", v) for v in expected]


@pytest.mark.parametrize("who", ["alice", "bob", "charlie", "dave"])
def test_in_scope_lets_through_what_scope_queryset_lets_through(request, who, household_a):
    user = request.getfixturevalue(who)
    for active in (True, False):
        user.is_active = active
        listed = scope_queryset(Household.objects.all(), acting_user=user)
        assert in_scope(household_a, acting_user=user) == listed.filter(pk=household_a.pk).exists()
    assert in_scope(household_a, acting_user=None) is False
