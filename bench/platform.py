"""Platform benchmarks: personal-data writes and policy lookups against the raw engine."""

from __future__ import annotations

import random
import statistics
import time
from typing import TextIO

from django.db import connection, transaction

from ruhu.accounts.models import OrgUnit
from ruhu.accounts.services import org_unit_create
from ruhu.common.policy import policy_cache_clear, policy_get
from ruhu.premises.models import Household

ROWS = 20_000
LOOKUPS = 5_000
REPEATS = 3


def _rows(seed: int) -> list[tuple[str, str, str, str]]:
    rng = random.Random(seed)
    return [
        (
            f"B{seed}{n:08d}",
            f"户{n}",
            f"+86138{rng.randrange(10**8):08d}",
            f"110101{1950 + n % 50}0101{n % 1000:03d}X",
        )
        for n in range(ROWS)
    ]


def _raw_insert(rows, branch_id: int) -> float:
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE IF NOT EXISTS bench_plain (account_no varchar(32) UNIQUE, "
            "name varchar(100), phone text, id_number text, branch_id bigint)"
        )
        cursor.execute("DELETE FROM bench_plain")
    start = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO bench_plain (account_no, name, phone, id_number, branch_id) "
            "VALUES (%s, %s, %s, %s, %s)",
            [(*row, branch_id) for row in rows],
        )
    return time.perf_counter() - start


def _ruhu_insert(rows, branch: OrgUnit) -> float:
    Household.objects.all().delete()
    start = time.perf_counter()
    with transaction.atomic():
        for offset in range(0, len(rows), 2000):
            Household.objects.bulk_create(
                Household(
                    branch=branch,
                    account_no=a,
                    name=n,
                    phone=p,
                    id_number=i,
                    category="residential",
                )
                for a, n, p, i in rows[offset : offset + 2000]
            )
    return time.perf_counter() - start


def _raw_lookup(branch_id: int) -> float:
    sql = (
        "SELECT value FROM common_policyvalue WHERE key_id = %s AND effective_from <= %s "
        "AND (branch_id IS NULL OR branch_id = %s) ORDER BY effective_from DESC LIMIT 1"
    )
    start = time.perf_counter()
    with connection.cursor() as cursor:
        for _ in range(LOOKUPS):
            cursor.execute(sql, ["inspection.cycle_months.residential", "2026-11-27", branch_id])
            cursor.fetchone()
    return time.perf_counter() - start


def _ruhu_lookup(branch_id: int, *, cold: bool) -> float:
    start = time.perf_counter()
    for _ in range(LOOKUPS):
        if cold:
            policy_cache_clear()
        policy_get("inspection.cycle_months.residential", branch=branch_id)
    return time.perf_counter() - start


def run(out: TextIO) -> None:
    company = org_unit_create(acting_user=None, kind="company", code="bench", name="bench")
    branch = org_unit_create(
        acting_user=None, kind="branch", code="bench-a", name="A", parent=company
    )
    rows = _rows(7)
    raw, ruhu = [], []
    for _ in range(REPEATS):
        raw.append(_raw_insert(rows, branch.pk))
        ruhu.append(_ruhu_insert(rows, branch))
    raw_s, ruhu_s = statistics.median(raw), statistics.median(ruhu)
    out.write(f"engine: {connection.vendor}\n")
    out.write(f"personal-data insert, {ROWS:,} rows (median of {REPEATS}):\n")
    out.write(f"  raw engine, plaintext   {raw_s:7.3f} s  {ROWS / raw_s:10,.0f} rows/s\n")
    out.write(f"  ruhu, AES-GCM + HMAC    {ruhu_s:7.3f} s  {ROWS / ruhu_s:10,.0f} rows/s\n")
    out.write(f"  ratio ruhu/raw          {ruhu_s / raw_s:7.2f}\n")
    raw_l = statistics.median(_raw_lookup(branch.pk) for _ in range(REPEATS))
    cold = statistics.median(_ruhu_lookup(branch.pk, cold=True) for _ in range(REPEATS))
    ruhu_l = statistics.median(_ruhu_lookup(branch.pk, cold=False) for _ in range(REPEATS))
    out.write(f"policy lookup, {LOOKUPS:,} calls (median of {REPEATS}):\n")
    out.write(f"  raw engine SELECT       {raw_l * 1e6 / LOOKUPS:7.1f} µs/call\n")
    out.write(f"  policy_get, cold cache  {cold * 1e6 / LOOKUPS:7.1f} µs/call\n")
    out.write(f"  policy_get, warm cache  {ruhu_l * 1e6 / LOOKUPS:7.1f} µs/call\n")
    out.write(f"  ratio cold/raw          {cold / raw_l:7.2f}\n")
    out.write(f"  ratio warm/raw          {ruhu_l / raw_l:7.2f}\n")
