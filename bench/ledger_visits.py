"""Real visits for `python -m bench.ledger`: VISITS frozen visits written straight into the
inspection tables (the rows a phone's visit leaves: the visit with its checklist, two
photos of its own, one hazard in five citing them, an appliance in three), chained as
`frozen_record_chain` chains them (the records read back by the kind's own loader), and
the raw floor of verifying them: the engine reading the entries and, range by range, the
four tables' rows by the keys verify reads them by, and hashlib over the entries' text and
the records' bytes (bench.reading)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import random
import time
import uuid
from decimal import Decimal

BATCH = 5000
ITEMS = [
    "meter_seal", "riser_pipe", "valve_front", "valve_stove", "hose_age", "hose_clamps",
    "stove_flame_failure", "water_heater_flue", "leak_test_joints", "alarm_present",
    "ventilation", "concealed_pipe", "bedroom_gas", "fire_source_distance",
]  # fmt: skip


def _people():
    """A branch, an inspector, a household, and a pool of signatures."""
    from ruhu.accounts.services import org_unit_create, user_create
    from ruhu.common.models import Attachment
    from ruhu.premises.services import household_create

    company = org_unit_create(acting_user=None, kind="company", code="bl-co", name="bench")
    branch = org_unit_create(
        acting_user=None, kind="branch", code="bl", name="bench", parent=company
    )
    inspector = user_create(acting_user=None, username="bl-inspector", full_name="安检员",
                            role="inspector", org_unit=branch, password="Bench-Ledger-2026x",
                            badge_no="L-001")  # fmt: skip
    household = household_create(acting_user=None, branch=branch, account_no="BL000001",
                                 name="王伟", category="residential")  # fmt: skip
    pool = [
        Attachment(kind="signature", file=f"bench/{n}.png",
                   sha256=hashlib.sha256(f"bench attachment {n}".encode()).hexdigest(),
                   size=20_000, content_type="image/jpeg", extension=".jpg",
                   uploaded_by=inspector, branch=branch)
        for n in range(16)
    ]  # fmt: skip
    Attachment.objects.bulk_create(pool)
    return branch, inspector, household, pool


def _photos(inspector, branch, start: int, end: int) -> list:
    """Two photos of each visit n, start <= n < end: its own, as a visit's photos are."""
    from ruhu.common.models import Attachment

    photos = [
        Attachment(kind="photo", file=f"bench/{n}-{k}.jpg",
                   sha256=hashlib.sha256(f"bench photo {n} {k}".encode()).hexdigest(),
                   size=20_000, content_type="image/jpeg", extension=".jpg",
                   uploaded_by=inspector, branch=branch)
        for n in range(start, end) for k in range(2)
    ]  # fmt: skip
    return Attachment.objects.bulk_create(photos)


def fill(count: int) -> tuple[float, float]:
    """The visits and their chain; returns (KB per record, seconds)."""
    from django.db import connection, transaction
    from django.utils import timezone

    from ruhu.common.immutability import guards_lifted
    from ruhu.inspection.evidence import visit_records
    from ruhu.inspection.models import Visit, VisitAppliance, VisitHazard, VisitPhoto

    started = time.perf_counter()
    rng = random.Random(2026)
    branch, inspector, household, signatures = _people()
    base = dt.datetime(2026, 3, 1, 8, tzinfo=dt.UTC)
    prev, size, seq = "0" * 64, 0, 0
    with transaction.atomic(), guards_lifted(connection):
        for start in range(0, count, BATCH):
            visits, children = [], []
            photos = _photos(inspector, branch, start, min(start + BATCH, count))
            for n in range(start, min(start + BATCH, count)):
                finished = base + dt.timedelta(minutes=7 * n, microseconds=rng.randrange(10**6))
                checklist = {item: {"note": "", "photos": [], "state": "ok"} for item in ITEMS}
                shots = photos[2 * (n - start) : 2 * (n - start) + 2]
                checklist[ITEMS[n % len(ITEMS)]]["photos"] = [shot.sha256 for shot in shots]
                visit = Visit(
                    id=uuid.UUID(int=rng.getrandbits(128), version=4), household=household,
                    branch=branch, inspector=inspector, outcome="inspected",
                    started_at=finished - dt.timedelta(minutes=12), finished_at=finished,
                    received_at=finished + dt.timedelta(seconds=30),
                    latitude=Decimal("30.274085"), longitude=Decimal("120.155070"),
                    checklist_json=json.dumps(checklist, sort_keys=True, separators=(",", ":")),
                    meter_reading=Decimal(f"{rng.randint(0, 99999)}.{rng.randint(0, 999):03d}"),
                    leaflet_given=True, signature=rng.choice(signatures), signer_name="王伟",
                    payload_sha256=hashlib.sha256(str(n).encode()).hexdigest(),
                    frozen=True, frozen_at=timezone.now(),
                )  # fmt: skip
                visits.append(visit)
                item = ITEMS[n % len(ITEMS)]
                children += [
                    VisitPhoto(visit=visit, attachment=shot, purpose="item", item=item,
                               position=position)
                    for position, shot in enumerate(shots)
                ]  # fmt: skip
                if n % 5 == 0:
                    children.append(VisitHazard(
                        visit=visit, position=0, hazard_type="hose_defect", item="hose_age",
                        level=1, description="软管老化，已告知用户更换", fixed_on_spot=True,
                        before_photo=shots[0], after_photo=shots[1]))  # fmt: skip
                if n % 3 == 0:
                    children.append(VisitAppliance(visit=visit, position=0, action="kept",
                                                   kind="stove", brand="方太", model="JZT-2",
                                                   installed_year=2016))  # fmt: skip
            Visit.objects.bulk_create(visits)
            for model in (VisitPhoto, VisitHazard, VisitAppliance):
                model.objects.bulk_create([c for c in children if isinstance(c, model)])
            ids = [str(v.pk) for v in visits]
            records = visit_records(ids)
            entries = []
            for record_id in ids:
                canonical, attachments = records[record_id]
                seq += 1
                sha = hashlib.sha256(canonical).hexdigest()
                text = f"{prev}\nvisit\n{record_id}\n{sha}\n{','.join(attachments)}"
                entry_hash = hashlib.sha256(text.encode()).hexdigest()
                entries.append((seq, "visit", record_id, sha, json.dumps(list(attachments)),
                                prev, entry_hash, timezone.now()))  # fmt: skip
                prev, size = entry_hash, size + len(canonical)
            with connection.cursor() as cursor:
                cursor.executemany(
                    "INSERT INTO common_ledgerentry (seq, kind, record_id, record_sha256, "
                    "attachments, prev_hash, entry_hash, appended_at) "
                    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                    entries,
                )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return size / count / 1024, time.perf_counter() - started


def floor_queries(vendor: str) -> list[str]:
    """The rows verify reads for a range of visit entries, by the same keys (the entry's
    record id, the visit's id, the cited files' ids), as plain columns: no JSON built."""
    from ruhu.common.evidence import IN_RANGE, LEDGER_TABLE, _joins, _record_key
    from ruhu.inspection.evidence import SHAPE

    visit = SHAPE.parent.model._meta.db_table
    ranged = f"FROM {LEDGER_TABLE} e JOIN {visit} ON {visit}.id = {_record_key(vendor)}"
    joins, shas = _joins(visit, SHAPE.attachment_columns)
    columns = ", ".join(f"{visit}.{f.column}" for f in SHAPE.parent.fields)
    queries = [f"SELECT e.seq, {columns}{shas} {ranged}{joins} WHERE {IN_RANGE}"]
    for child in SHAPE.children:
        table = child.table.model._meta.db_table
        joins, shas = _joins(table, child.attachment_columns)
        columns = ", ".join(f"{table}.{f.column}" for f in child.table.fields)
        queries.append(
            f"SELECT {columns}{shas} {ranged} JOIN {table} "
            f"ON {table}.{child.parent_column} = {visit}.id{joins} WHERE {IN_RANGE}"
        )
    return queries


def raw_read_and_hash(count: int) -> tuple[float, float]:
    """Seconds the engine takes to read the entries and, range by range, the four tables'
    rows with the cited attachments' hashes by the keys verify reads them by, and hashlib
    over the entries' text and the records' bytes (made beforehand, outside both timers)."""
    from django.db import connection

    from bench.reading import timed_hashes, timed_reads
    from ruhu.inspection.evidence import SHAPE

    records = [row[1] for row in SHAPE.ranges("visit", 0, 2**62)]
    reading, entries = timed_reads("visit", count, floor_queries(connection.vendor))
    return reading, timed_hashes(entries, records)
