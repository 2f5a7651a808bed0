"""Verify reads real records by ranges of the ledger (decision 0026): a kind with a range
loader gets its records of a whole batch's seq range in one query, the same
bytes its per-id loader gives, and every kind of tampering is still named, across kinds
and batches, in one process and with worker processes."""

from __future__ import annotations

import json
import os

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ruhu.common import ledger, ledger_chain
from ruhu.common.immutability import guards_lifted
from ruhu.common.ledger import (
    BrokenEntry,
    LedgerRecord,
    VerifyResult,
    canonical_json,
    default_workers,
    ledger_append,
    ledger_range_loaders,
    ledger_verify,
)
from ruhu.common.models import Attachment, AuditEvent, LedgerEntry
from ruhu.inspection.evidence import SHAPE, visit_records
from ruhu.inspection.models import Visit, VisitHazard, VisitPhoto
from ruhu.inspection.services import visit_submit
from tests.inspection.visiting import inspected, photo


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def load_notes(ids: list[str]) -> dict[str, LedgerRecord]:
    """A kind read by ids (no range loader): audit events, as their action."""
    rows = AuditEvent.objects.filter(pk__in=[int(i) for i in ids]).values_list("pk", "action")
    return {str(pk): LedgerRecord(canonical_json(action)) for pk, action in rows}


@pytest.fixture(autouse=True)
def note_kind(monkeypatch):
    monkeypatch.setitem(ledger_chain._loaders, "note", load_notes)


def note() -> LedgerEntry:
    from django.db import transaction

    with transaction.atomic():
        event = AuditEvent.objects.create(action="test.note", target_repr="", changes={})
        return ledger_append(
            kind="note", record_id=str(event.pk), canonical=canonical_json(event.action),
            attachments=[],
        )  # fmt: skip


def visit(user, household, n: int, *, hazard: bool = True) -> Visit:
    """A visit with a photo on an item, an appliance, and a hazard with two photos (the
    second its own) unless `hazard` is False."""
    before, after = photo(user, "red"), photo(user, f"#{n + 16:02x}8000")
    payload = inspected(user, household)
    checklist = payload.model_dump(mode="json")["checklist"]
    first = next(iter(checklist))
    state = "hazard" if hazard else "ok"
    checklist[first] = {"state": state, "note": f"第{n}次", "photos": [before]}
    found = [{"hazard_type": "hose_defect", "item": first, "level": 1,
              "description": f"软管老化 {n}", "fixed_on_spot": True,
              "before_photo": before, "after_photo": after}]  # fmt: skip
    payload = inspected(
        user, household, checklist=checklist, hazards=found if hazard else [],
        appliances=[{"action": "added", "kind": "stove", "brand": "方太", "installed_year": 2010}],
    )  # fmt: skip
    return visit_submit(acting_user=user, payload=payload)[0]


@pytest.fixture
def mixed(charlie, household_a) -> list[tuple[str, str]]:
    """Seven entries: visits and notes interleaved, (kind, record id) in seq order; the
    second, a visit that found no hazard."""
    named = []
    for n in range(7):
        if n in (2, 5):
            named.append(("note", note().record_id))
        else:
            found = visit(charlie, household_a, n, hazard=n != 1)
            named.append(("visit", str(found.pk)))
    return named


def tamper(sql: str, params: list) -> None:
    with guards_lifted(connection), connection.cursor() as cursor:
        cursor.execute(sql, params)


def db_key(pk) -> object:
    return Visit._meta.pk.get_db_prep_value(pk, connection)


def test_a_range_gives_what_the_per_id_loader_gives(mixed):
    visits = [record_id for kind, record_id in mixed if kind == "visit"]
    assert ledger_range_loaders()["visit"] == SHAPE.ranges
    by_id = visit_records(visits)
    seqs = dict(LedgerEntry.objects.filter(kind="visit").values_list("record_id", "seq"))
    ranged = {seq: (text, shas) for seq, text, shas in SHAPE.ranges("visit", 0, 10**9)}
    assert len(ranged) == len(visits) == 5
    for record_id in visits:
        record = by_id[record_id]
        assert ranged[seqs[record_id]] == (record.canonical, ",".join(record.attachments))
        # the signature, the item's photo, and the hazard's before and after
        assert len(record.attachments) == (2 if record_id == mixed[1][1] else 4)
    after, until = seqs[visits[1]], seqs[visits[3]]
    assert sorted(SHAPE.ranges("visit", after, until)) == [
        (seq, *ranged[seq]) for seq in range(after + 1, until + 1) if seq in ranged
    ]


def test_a_range_gives_the_per_id_loaders_bytes_when_text_looks_like_a_format(mixed):
    # SQLite writes the record with printf (decision 0031): the rows' text is an argument
    record_id = mixed[3][1]
    tamper(
        f"UPDATE {VisitHazard._meta.db_table} SET description = %s WHERE visit_id = %s",
        ["软管 100% %s %d %%s", db_key(record_id)],
    )
    seq = dict(LedgerEntry.objects.values_list("record_id", "seq"))[record_id]
    ((_, text, shas),) = SHAPE.ranges("visit", seq - 1, seq)
    record = visit_records([record_id])[record_id]
    assert (text, shas) == (record.canonical, ",".join(record.attachments))
    assert "软管 100% %s %d %%s".encode() in text


@pytest.mark.parametrize("batch_size", [1, 2, 3, 5000])
def test_it_verifies_kinds_read_by_range_and_by_id_in_any_batch(mixed, batch_size):
    assert ledger_verify(batch_size=batch_size) == VerifyResult(ok=True, checked=7)


def test_it_reads_a_batch_of_visits_in_one_query(charlie, household_a):
    for n in range(6):
        visit(charlie, household_a, n)
    with CaptureQueriesContext(connection) as queries:
        assert ledger_verify().ok
    sql = [q["sql"] for q in queries.captured_queries]
    # the exported heads, the batch's entries, then its visits whole, rows and hashes
    assert len([q for q in sql if "common_ledgerentry e JOIN" in q]) == 1
    assert not [q for q in sql if " IN (" in q or "ANY(" in q]


def broken(batch_size: int = 2) -> tuple[int, str, str]:
    result = ledger_verify(batch_size=batch_size)
    assert not result.ok and result.broken is not None
    assert ledger_verify(batch_size=5000).broken == result.broken
    return result.broken.seq, result.broken.record_id, result.broken.problem


def test_it_names_a_child_row_edited_behind_the_triggers_back(mixed):
    record_id = mixed[3][1]
    tamper(
        f"UPDATE {VisitHazard._meta.db_table} SET description = 'x' WHERE visit_id = %s",
        [db_key(record_id)],
    )
    assert broken() == (4, record_id, "record changed")


def test_it_names_child_rows_put_in_another_order(mixed):
    record_id = mixed[4][1]
    table = VisitPhoto._meta.db_table
    tamper(f"UPDATE {table} SET position = position + 100 WHERE visit_id = %s", [db_key(record_id)])
    assert broken() == (5, record_id, "record changed")


def test_it_names_a_cited_file_whose_hash_changed(mixed):
    record_id = mixed[6][1]
    own = VisitHazard.objects.get(visit_id=record_id).after_photo_id
    tamper(
        f"UPDATE {Attachment._meta.db_table} SET sha256 = %s WHERE id = %s",
        ["e" * 64, Attachment._meta.pk.get_db_prep_value(own, connection)],
    )
    assert broken() == (7, record_id, "attachments changed")


def test_it_names_a_deleted_visit_and_a_deleted_note(mixed):
    tamper("DELETE FROM common_auditevent WHERE id = %s", [int(mixed[5][1])])
    assert broken() == (6, mixed[5][1], "record deleted")
    record_id = mixed[1][1]
    for model in ("visitphoto", "visitappliance"):
        tamper(f"DELETE FROM inspection_{model} WHERE visit_id = %s", [db_key(record_id)])
    tamper(f"DELETE FROM {Visit._meta.db_table} WHERE id = %s", [db_key(record_id)])
    assert broken() == (2, record_id, "record deleted")
    tamper("UPDATE common_ledgerentry SET kind = 'gone' WHERE seq = 2", [])
    assert broken() == (2, record_id, "entry changed")


def test_it_names_an_entry_that_names_no_uuid(mixed):
    tamper("UPDATE common_ledgerentry SET record_id = 'not-a-uuid' WHERE seq = 4", [])
    assert broken() == (4, "not-a-uuid", "entry changed")


def test_it_names_two_visits_swapped_in_the_chain(mixed):
    tamper("UPDATE common_ledgerentry SET seq = 1000 WHERE seq = 1", [])
    tamper("UPDATE common_ledgerentry SET seq = 1 WHERE seq = 4", [])
    tamper("UPDATE common_ledgerentry SET seq = 4 WHERE seq = 1000", [])
    assert broken() == (1, mixed[3][1], "entry missing or reordered")


@pytest.mark.django_db(transaction=True)
def test_worker_processes_find_what_one_process_finds_in_real_records(charlie, household_a):
    """Stretches checked side by side (forked workers, each its own connection) and
    stitched: the same answer as one process, for a sound chain and a broken one."""
    named = [str(visit(charlie, household_a, n).pk) for n in range(12)]

    def both() -> VerifyResult:
        alone = ledger_verify(batch_size=2)
        assert ledger_verify(batch_size=2, workers=2) == alone
        return alone

    assert both() == VerifyResult(ok=True, checked=12)
    tamper(
        f"UPDATE {VisitHazard._meta.db_table} SET level = 2 WHERE visit_id = %s",
        [db_key(named[9])],
    )
    assert both() == VerifyResult(False, 9, BrokenEntry(10, "visit", named[9], "record changed"))


def test_one_process_on_sqlite_and_one_per_cpu_on_postgresql_by_default(db):
    expected = 1 if connection.vendor == "sqlite" else max(1, min(os.cpu_count() or 1, 8))
    assert default_workers() == expected


def test_it_leaves_the_connection_set_as_it_found_it(mixed):
    """Verify reads with PostgreSQL's JIT off and SQLite's file memory-mapped, then puts
    the setting back."""
    pg = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('jit', 'on', false)" if pg else "PRAGMA mmap_size = 0")
        assert ledger_verify().ok
        cursor.execute("SELECT current_setting('jit')" if pg else "PRAGMA mmap_size")
        assert cursor.fetchone()[0] == ("on" if pg else 0)


@pytest.mark.parametrize(
    ("raw", "read"),
    [
        ('["a", "b"]', ("a,b", "a,b")),
        ("[]", ("", "")),
        ('["a,b"]', ("a,b", None)),  # hashes the same text, equals no record's list
        ('[""]', ("", None)),
        ('["a", ""]', ("a,", None)),
        ('["\\u0061", "b"]', ("a,b", "a,b")),
        ('["a","b"]', ("a,b", "a,b")),
        ('["a", 1]', None),
        ('{"a": 1}', None),
        ('["a"', None),
        (["a", "b"], ("a,b", "a,b")),  # a driver that parses JSON itself
    ],
)
def test_it_reads_an_entrys_attachment_list_one_way_only(raw, read):
    assert ledger._hash_list(raw) == read


def test_it_names_an_entry_whose_hash_list_was_rewritten_to_hash_the_same(mixed):
    """Two lists whose items join to the same text: the entry hash cannot tell them apart,
    the comparison with the record's own list does."""
    hashes = LedgerEntry.objects.get(seq=1).attachments
    tamper("UPDATE common_ledgerentry SET attachments = %s WHERE seq = 1", [
        json.dumps([",".join(hashes)])
    ])  # fmt: skip
    assert broken() == (1, mixed[0][1], "attachments changed")
    tamper("UPDATE common_ledgerentry SET attachments = %s WHERE seq = 1", [json.dumps(hashes)])
    tamper("UPDATE common_ledgerentry SET attachments = %s WHERE seq = 3", ['[""]'])
    assert broken() == (3, mixed[2][1], "attachments changed")
