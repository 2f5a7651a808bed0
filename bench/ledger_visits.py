"""Real visits for `python -m bench.ledger`: VISITS frozen visits written straight into the
inspection tables (the rows a phone's visit leaves: the visit with its checklist, two
photos of its own, one hazard in five citing them, an appliance in three), chained as
`frozen_record_chain` chains them (the records read back by the kind's own loader), and
the raw floor of verifying them: the engine streaming the entries and the four tables'
rows, and hashlib over the entries' text and the records' bytes."""

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
TABLES = ("inspection_visit", "inspection_visitphoto", "inspection_visithazard",
          "inspection_visitappliance")  # fmt: skip


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


def raw_read_and_hash() -> tuple[float, float]:
    """Seconds the engine takes to stream every entry and every row of the four tables
    (with the cited attachments' hashes), and hashlib over the entries' text and the
    records' bytes (the bytes made beforehand, outside both timers)."""
    from django.db import connection, transaction

    from ruhu.inspection.evidence import SHAPE

    records = [row[1] for row in SHAPE.ranges("visit", 0, 2**62)]
    reading = hashing = 0.0
    pg = connection.vendor == "postgresql"
    attachment = "LEFT JOIN common_attachment a ON a.id = t.{} "
    queries = [
        "SELECT seq, kind, record_id, record_sha256, attachments, prev_hash, entry_hash "
        "FROM common_ledgerentry ORDER BY seq",
        "SELECT t.*, a.sha256 FROM inspection_visit t " + attachment.format("signature_id"),
        "SELECT t.*, a.sha256 FROM inspection_visitphoto t " + attachment.format("attachment_id"),
        "SELECT t.*, a.sha256, b.sha256 FROM inspection_visithazard t "
        + attachment.format("before_photo_id")
        + "LEFT JOIN common_attachment b ON b.id = t.after_photo_id",
        "SELECT t.* FROM inspection_visitappliance t",
    ]
    entries: list[bytes] = []
    with transaction.atomic():
        for n, sql in enumerate(queries):
            cursor = (
                connection.connection.cursor(name=f"bench{n}")
                if pg
                else connection.connection.cursor()
            )
            start = time.perf_counter()
            cursor.execute(sql)
            while True:
                rows = cursor.fetchmany(BATCH)
                reading += time.perf_counter() - start
                if not rows:
                    break
                if n == 0:
                    entries += [f"{r[5]}\n{r[1]}\n{r[2]}\n{r[3]}\n{r[4]}".encode() for r in rows]
                start = time.perf_counter()
            cursor.close()
    start = time.perf_counter()
    for item in entries:
        hashlib.sha256(item).hexdigest()
    for item in records:
        hashlib.sha256(item).hexdigest()
    hashing = time.perf_counter() - start
    return reading, hashing
