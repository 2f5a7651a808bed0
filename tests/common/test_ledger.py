"""The evidence hash chain: appends link, verify finds every change, heads are exported.

The records of the test kind "audit" are audit events (already guarded by triggers), read
back as (action, target_repr, changes); their attachment hashes are changes["attachments"].
Tampering is done by raw SQL with the guards lifted, as someone owning the database could.
"""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import io
import itertools
import json
import shutil
import threading
import uuid
import zoneinfo

import pytest
import time_machine
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.db.transaction import TransactionManagementError
from django.test.utils import CaptureQueriesContext
from huey.contrib.djhuey import HUEY

from ruhu.common import ledger, ledger_chain, tasks
from ruhu.common.audit import audit_record
from ruhu.common.immutability import guard_definitions, guards_lifted
from ruhu.common.ledger import (
    ZERO_HASH,
    LedgerRecord,
    canonical_json,
    ledger_append,
    ledger_head,
    ledger_head_export,
    ledger_verify,
    register_ledger_kind,
)
from ruhu.common.models import AuditEvent, LedgerEntry, LedgerHeadExport
from tests.conftest import login

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
PHOTO = hashlib.sha256(b"photo").hexdigest()
SIGNATURE = hashlib.sha256(b"signature").hexdigest()


def canonical_of(action: str, target_repr: str, changes: dict) -> bytes:
    body = {k: v for k, v in changes.items() if k != "attachments"}
    return canonical_json({"action": action, "target_repr": target_repr, "changes": body})


def load_audit_events(ids: list[str]) -> dict[str, LedgerRecord]:
    rows = AuditEvent.objects.filter(pk__in=[int(i) for i in ids]).values_list(
        "pk", "action", "target_repr", "changes"
    )
    return {
        str(pk): LedgerRecord(
            canonical_of(action, target_repr, changes), tuple(changes.get("attachments", []))
        )
        for pk, action, target_repr, changes in rows
    }


@pytest.fixture(autouse=True)
def audit_kind(monkeypatch):
    monkeypatch.setattr(ledger_chain, "_loaders", {})
    register_ledger_kind("audit", load_audit_events)


@pytest.fixture(autouse=True)
def export_dir(settings, tmp_path):
    settings.RUHU_LEDGER_EXPORT_DIR = tmp_path / "ledger"
    return settings.RUHU_LEDGER_EXPORT_DIR


def freeze(n: int, *, attachments: tuple[str, ...] = ()) -> LedgerEntry:
    """A new record (an audit event) frozen into the chain, as a service would do it."""
    with transaction.atomic():
        changes = {"n": [None, n], "attachments": list(attachments)}
        event = audit_record(
            acting_user=None, action="test.freeze", changes=changes, reason="", via="test"
        )
        event.refresh_from_db()
        return ledger_append(
            kind="audit",
            record_id=str(event.pk),
            canonical=canonical_of(event.action, event.target_repr, event.changes),
            attachments=attachments,
        )


def chain(count: int) -> list[LedgerEntry]:
    return [freeze(n) for n in range(1, count + 1)]


def raw(sql: str, params: list | None = None) -> None:
    with guards_lifted(connection), connection.cursor() as cursor:
        cursor.execute(sql, params or [])


def broken() -> tuple[int, str, str, str]:
    result = ledger_verify(batch_size=2)  # several batches even for a short chain
    assert not result.ok and result.broken is not None
    return result.broken.seq, result.broken.kind, result.broken.record_id, result.broken.problem


def test_it_verifies_an_empty_chain(db):
    assert ledger_head() is None
    assert ledger_verify() == ledger.VerifyResult(ok=True, checked=0, broken=None)


def test_it_links_each_entry_to_the_one_before(db):
    entries = chain(5)
    assert [e.seq for e in entries] == [1, 2, 3, 4, 5]
    assert entries[0].prev_hash == ZERO_HASH
    for before, after in itertools.pairwise(entries):
        assert after.prev_hash == before.entry_hash
    e = entries[2]
    event = AuditEvent.objects.get(pk=e.record_id)
    canonical = canonical_of(event.action, event.target_repr, event.changes)
    assert e.record_sha256 == hashlib.sha256(canonical).hexdigest()
    text = f"{e.prev_hash}\n{e.kind}\n{e.record_id}\n{e.record_sha256}\n"
    assert e.entry_hash == hashlib.sha256(text.encode()).hexdigest()
    assert ledger_head() == entries[-1]
    assert ledger_verify(batch_size=2) == ledger.VerifyResult(ok=True, checked=5)


def test_it_hashes_the_attachments_in_their_order(db):
    entry = freeze(1, attachments=(PHOTO, SIGNATURE))
    assert entry.attachments == [PHOTO, SIGNATURE]
    text = f"{ZERO_HASH}\naudit\n{entry.record_id}\n{entry.record_sha256}\n{PHOTO},{SIGNATURE}"
    assert entry.entry_hash == hashlib.sha256(text.encode()).hexdigest()
    assert ledger_verify().ok


def test_it_writes_one_canonical_json_whatever_the_key_order_and_time_zone():
    moment = dt.datetime(2026, 3, 1, 8, 30, tzinfo=SHANGHAI)
    value = {
        "z": "燃气",
        "a": [dt.date(2026, 3, 1), moment, decimal.Decimal("1.50"), uuid.UUID(int=1)],
        "m": {"b": None, "a": True},
    }
    assert (
        canonical_json(value)
        == (
            '{"a":["2026-03-01","2026-03-01T00:30:00+00:00","1.50",'
            '"00000000-0000-0000-0000-000000000001"],"m":{"a":true,"b":null},"z":"燃气"}'
        ).encode()
    )
    assert canonical_json({"t": moment}) == canonical_json({"t": moment.astimezone(dt.UTC)})
    with pytest.raises(TypeError):
        canonical_json({"x": object()})
    with pytest.raises(ValueError):
        canonical_json({"x": float("nan")})


def test_it_refuses_what_the_chain_could_not_verify(db):
    with pytest.raises(ValueError, match="not registered"):
        ledger_append(kind="visit", record_id="1", canonical=b"{}", attachments=[])
    with pytest.raises(ValueError, match="line breaks"):
        ledger_append(kind="audit", record_id="1\n2", canonical=b"{}", attachments=[])
    with pytest.raises(ValueError, match="64 lowercase hex"):
        ledger_append(kind="audit", record_id="1", canonical=b"{}", attachments=[PHOTO.upper()])
    with pytest.raises(ValueError, match="already registered"):
        register_ledger_kind("audit", lambda ids: {})
    assert not LedgerEntry.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_it_appends_only_inside_the_callers_transaction():
    with pytest.raises(TransactionManagementError):
        ledger_append(kind="audit", record_id="1", canonical=b"{}", attachments=[])
    assert not LedgerEntry.objects.exists()


def test_it_refuses_updates_and_deletes_of_entries_and_exports_whatever_the_path(db):
    entry = chain(2)[0]
    export = ledger_head_export()
    names = {name for name, _table, _sql in guard_definitions(connection)}
    assert {
        "ruhu_guard_ledgerentry_update",
        "ruhu_guard_ledgerentry_delete",
        "ruhu_guard_ledgerheadexport_update",
        "ruhu_guard_ledgerheadexport_delete",
    } <= names
    for obj in (entry, export):
        table = type(obj)._meta.db_table
        with pytest.raises(DatabaseError), transaction.atomic():
            obj.save()
        with pytest.raises(DatabaseError), transaction.atomic():
            obj.delete()
        with pytest.raises(DatabaseError), transaction.atomic():
            type(obj).objects.update(seq=99)
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"UPDATE {table} SET seq = 99 WHERE id = %s", [obj.pk])
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {table}")
    assert LedgerEntry.objects.count() == 2 and LedgerHeadExport.objects.count() == 1
    assert ledger_verify().ok


def test_it_names_a_record_edited_behind_the_triggers_back(db):
    entries = chain(4)
    target = entries[2]
    raw("UPDATE common_auditevent SET target_repr = 'x' WHERE id = %s", [target.record_id])
    assert broken() == (3, "audit", target.record_id, "record changed")
    assert ledger_verify().checked == 2


def test_it_names_a_deleted_record(db):
    entries = chain(3)
    raw("DELETE FROM common_auditevent WHERE id = %s", [entries[1].record_id])
    assert broken() == (2, "audit", entries[1].record_id, "record deleted")


def test_it_names_a_record_whose_attachments_changed(db):
    freeze(1)
    entry = freeze(2, attachments=(PHOTO, SIGNATURE))
    changes = AuditEvent.objects.get(pk=entry.record_id).changes
    changes["attachments"] = [SIGNATURE, PHOTO]  # the same files in another order
    with guards_lifted(connection):
        AuditEvent.objects.filter(pk=entry.record_id).update(changes=changes)
    assert broken() == (2, "audit", entry.record_id, "attachments changed")


def test_it_names_an_entry_of_a_kind_no_app_reads_any_more(db, monkeypatch):
    entry = chain(2)[0]
    monkeypatch.setattr(ledger_chain, "_loaders", {})
    assert broken() == (1, "audit", entry.record_id, "unknown kind")


def test_it_names_the_entry_after_a_deleted_one(db):
    entries = chain(5)
    raw("DELETE FROM common_ledgerentry WHERE seq = 3")
    assert broken() == (4, "audit", entries[3].record_id, "entry missing or reordered")


def test_it_notices_two_entries_swapped(db):
    entries = chain(5)
    raw("UPDATE common_ledgerentry SET seq = 1000 WHERE seq = 2")
    raw("UPDATE common_ledgerentry SET seq = 2 WHERE seq = 4")
    raw("UPDATE common_ledgerentry SET seq = 4 WHERE seq = 1000")
    assert broken() == (2, "audit", entries[3].record_id, "entry missing or reordered")


def test_it_names_an_edited_entry(db):
    entries = chain(4)
    raw("UPDATE common_ledgerentry SET entry_hash = %s WHERE seq = 2", ["f" * 64])
    assert broken() == (2, "audit", entries[1].record_id, "entry changed")


def test_it_names_an_entry_whose_record_hash_was_edited_to_match_an_edited_record(db):
    entries = chain(3)
    record_id = entries[0].record_id
    raw("UPDATE common_auditevent SET target_repr = 'x' WHERE id = %s", [record_id])
    event = AuditEvent.objects.get(pk=record_id)
    sha = hashlib.sha256(canonical_of(event.action, "x", event.changes)).hexdigest()
    raw("UPDATE common_ledgerentry SET record_sha256 = %s WHERE seq = 1", [sha])
    assert broken() == (1, "audit", record_id, "entry changed")


@time_machine.travel(dt.datetime(2026, 3, 1, 10, 0, tzinfo=SHANGHAI), tick=False)
def test_it_exports_the_head_once_a_day(db, export_dir):
    empty = ledger_head_export(on=dt.date(2026, 2, 28))
    assert (empty.seq, empty.entry_hash) == (0, ZERO_HASH)
    entries = chain(3)
    export = ledger_head_export()
    path = export_dir / "head-2026-03-01.json"
    assert export.path == str(path) and export.exported_on == dt.date(2026, 3, 1)
    assert json.loads(path.read_text()) == {
        "seq": 3,
        "entry_hash": entries[-1].entry_hash,
        "exported_at": "2026-03-01T10:00:00+08:00",
        "kind": "audit",
        "record_id": entries[-1].record_id,
    }
    written = path.read_bytes()
    freeze(4)
    again = ledger_head_export()
    assert again == export and again.seq == 3
    assert path.read_bytes() == written
    assert sorted(p.name for p in export_dir.iterdir()) == [
        "head-2026-02-28.json",
        "head-2026-03-01.json",
    ]
    assert AuditEvent.objects.filter(action="ledger.export_head").count() == 2
    assert ledger_verify().ok


def test_it_never_overwrites_a_head_file_left_by_an_earlier_state_of_the_database(db, export_dir):
    export_dir.mkdir(parents=True)
    earlier = export_dir / "head-2026-01-01.json"
    earlier.write_text("kept")
    export = ledger_head_export(on=dt.date(2026, 1, 1))
    assert earlier.read_text() == "kept"
    assert export.path.endswith(".2.json")


def test_it_catches_a_chain_rewritten_after_its_head_was_exported(db, tmp_path):
    entries = chain(3)
    export = ledger_head_export()
    copy = tmp_path / "offsite.json"
    shutil.copy(export.path, copy)
    # Rewrite record 2 and re-chain entries 2 and 3 with honest-looking hashes.
    record_id = entries[1].record_id
    raw("DELETE FROM common_ledgerentry WHERE seq >= 2")
    raw("UPDATE common_auditevent SET target_repr = 'x' WHERE id = %s", [record_id])
    with transaction.atomic():
        for entry in entries[1:]:
            event = AuditEvent.objects.get(pk=entry.record_id)
            ledger_append(
                kind="audit",
                record_id=entry.record_id,
                canonical=canonical_of(event.action, event.target_repr, event.changes),
                attachments=[],
            )
    assert broken() == (3, "audit", entries[2].record_id, "head differs from export")
    # The export row and its file rewritten too: the copy kept elsewhere still tells.
    raw("DELETE FROM common_ledgerheadexport")
    assert ledger_verify().ok
    result = ledger_verify(heads=[copy])
    assert result.broken == ledger.BrokenEntry(
        3, "audit", entries[2].record_id, "head differs from export"
    )


def test_it_catches_a_chain_cut_short_after_its_head_was_exported(db):
    entries = chain(3)
    ledger_head_export()
    raw("DELETE FROM common_ledgerentry WHERE seq = 3")
    assert broken() == (3, "audit", entries[2].record_id, "head differs from export")


def test_it_verifies_and_reports_from_the_command_line(db, tmp_path):
    entries = chain(3)
    out, err = io.StringIO(), io.StringIO()
    call_command("ledger", "verify", stdout=out, stderr=err)
    assert out.getvalue().startswith("ledger ok: 3 entries verified in ")
    assert out.getvalue().rstrip().endswith(" entries/s)")

    out = io.StringIO()
    call_command("ledger", "head", stdout=out)
    assert out.getvalue().strip() == f"3 {entries[-1].entry_hash}"
    out = io.StringIO()
    call_command("ledger", "export-head", stdout=out)
    assert out.getvalue().strip() == LedgerHeadExport.objects.get().path

    raw("UPDATE common_auditevent SET target_repr = 'x' WHERE id = %s", [entries[1].record_id])
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command("ledger", "verify", stdout=out, stderr=err)
    assert exit_.value.code == 1
    assert err.getvalue().strip() == (
        f"ledger broken at entry #2 (audit {entries[1].record_id}): record changed"
    )
    assert out.getvalue() == ""


def test_it_exports_the_head_at_half_past_midnight_shanghai_time(db):
    def due(utc: dt.datetime) -> bool:  # naive UTC, as Huey's scheduler hands it over
        return any(t.name == "ledger_head_export_task" for t in HUEY.read_periodic(utc))

    assert due(dt.datetime(2026, 3, 1, 16, 30))
    assert not due(dt.datetime(2026, 3, 1, 0, 30))
    assert not due(dt.datetime(2026, 3, 1, 16, 31))
    chain(2)
    assert tasks.ledger_head_export_task.call_local() == 2
    assert LedgerHeadExport.objects.get().seq == 2


def test_it_shows_the_chain_read_only_in_the_admin(client, alice):
    entries = chain(2)
    ledger_head_export()
    login(client, alice)
    page = client.get("/admin/common/ledgerentry/").content.decode()
    assert entries[1].entry_hash[:12] in page
    page = client.get(f"/admin/common/ledgerentry/?q={entries[0].record_id}").content.decode()
    assert entries[0].entry_hash[:12] in page and entries[1].entry_hash[:12] not in page
    assert client.get("/admin/common/ledgerentry/add/").status_code == 403
    change = client.get(f"/admin/common/ledgerentry/{entries[0].pk}/change/")
    assert change.status_code == 200 and 'name="_save"' not in change.content.decode()
    delete = client.post(f"/admin/common/ledgerentry/{entries[0].pk}/delete/", {"post": "yes"})
    assert delete.status_code == 403
    page = client.get("/admin/common/ledgerheadexport/").content.decode()
    assert LedgerHeadExport.objects.get().path in page


@pytest.mark.django_db(transaction=True)
def test_it_never_forks_when_two_writers_append_at_once():
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def writer(name: str) -> None:
        try:
            barrier.wait()
            for n in range(50):
                freeze(n)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(name,)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert list(LedgerEntry.objects.values_list("seq", flat=True)) == list(range(1, 101))
    assert ledger_verify() == ledger.VerifyResult(ok=True, checked=100)


@pytest.mark.django_db(transaction=True)
def test_it_finds_the_same_first_problem_with_worker_processes():
    entries = chain(30)

    def both() -> ledger.VerifyResult:
        alone = ledger_verify(batch_size=2)
        assert ledger_verify(batch_size=2, workers=2) == alone  # stretches of 8 entries
        return alone

    assert both() == ledger.VerifyResult(ok=True, checked=30)
    raw("UPDATE common_auditevent SET target_repr = 'x' WHERE id = %s", [entries[19].record_id])
    assert both().broken == ledger.BrokenEntry(20, "audit", entries[19].record_id, "record changed")
    raw("DELETE FROM common_ledgerentry WHERE seq = 9")  # the first of the second stretch
    assert both() == ledger.VerifyResult(
        ok=False,
        checked=8,
        broken=ledger.BrokenEntry(10, "audit", entries[9].record_id, "entry missing or reordered"),
    )
    raw("UPDATE common_ledgerentry SET entry_hash = %s WHERE seq = 1", ["e" * 64])
    assert both().broken == ledger.BrokenEntry(1, "audit", entries[0].record_id, "entry changed")


def test_it_reads_the_head_in_one_indexed_query_per_append(db):
    chain(3)
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        ledger_append(kind="audit", record_id="x", canonical=b"{}", attachments=[PHOTO])
    sql = [q["sql"] for q in queries.captured_queries]
    reads = [q for q in sql if "FROM common_ledgerentry" in q]
    assert len(reads) == 1 and reads[0].endswith("ORDER BY seq DESC LIMIT 1")
    assert len(sql) == (3 if connection.vendor == "postgresql" else 2)  # lock, head, insert
