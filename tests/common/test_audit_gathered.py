"""Audit rows gathered in a transaction go in as one INSERT, every fact kept (decision 0025)."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.db.transaction import TransactionManagementError
from django.test.utils import CaptureQueriesContext

from ruhu.common.audit import audit_record, audit_rows_gathered
from ruhu.common.models import AuditEvent


def inserts(captured) -> int:
    return sum(q["sql"].startswith('INSERT INTO "common_auditevent"') for q in captured)


def test_the_rows_of_a_block_are_one_insert_in_their_order(alice, org):
    with (
        CaptureQueriesContext(connection) as captured,
        transaction.atomic(),
        audit_rows_gathered(),
    ):
        first = audit_record(acting_user=alice, action="one", target=org.a, reason="r")
        second = audit_record(acting_user=None, action="two", changes={"x": [1, 2]})
        assert first.pk is None and not AuditEvent.objects.filter(action="one").exists()
    assert inserts(captured) == 1
    rows = list(AuditEvent.objects.filter(action__in=["one", "two"]).order_by("id"))
    assert [(r.pk, r.action) for r in rows] == [(first.pk, "one"), (second.pk, "two")]
    assert (rows[0].actor_id, rows[0].target_id, rows[0].branch_id, rows[0].reason) == (
        alice.pk, str(org.a.pk), org.a.pk, "r",
    )  # fmt: skip
    assert (rows[1].actor_label, rows[1].changes) == ("system", {"x": [1, 2]})


def test_a_row_in_a_savepoint_that_rolls_back_is_not_written(alice):
    with transaction.atomic(), audit_rows_gathered():
        audit_record(acting_user=alice, action="kept")
        try:
            with transaction.atomic():
                audit_record(acting_user=alice, action="undone")
                raise RuntimeError("the inner step fails and the caller goes on")
        except RuntimeError:
            pass
        with transaction.atomic(savepoint=False):
            audit_record(acting_user=alice, action="waits")
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"kept", "waits"} <= actions and "undone" not in actions


def test_a_block_that_fails_writes_nothing(alice):
    with pytest.raises(RuntimeError), transaction.atomic(), audit_rows_gathered():
        audit_record(acting_user=alice, action="lost")
        raise RuntimeError
    assert not AuditEvent.objects.filter(action="lost").exists()


@pytest.mark.django_db(transaction=True)
def test_rows_are_gathered_only_inside_a_transaction():
    with pytest.raises(TransactionManagementError), audit_rows_gathered():
        pass
