"""`make bench-visits`: visit submission against `ruhu serve`, next to a bare read.

Targets (issue 15), visits submitted (frozen, chained in the ledger, audited) by 8
concurrent clients: SQLite ≥ 400 visits/s at p99 ≤ 50 ms, PostgreSQL (with Redis, as in
production) ≥ 300/s at p99 ≤ 100 ms; and, in the same run, ≥ 0.4 × a minimal Django visit
(a visit + audit + ledger write on the persistent connection, below) and a bare
authenticated read ≥ 0.8 × the bare Django read (below); the raw engine's visit floor is
printed beside for reference. Runs inside `bench.quiet.quiet_machine()`.

For SQLite and then PostgreSQL (BENCH_PG, a server on loopback; skipped if unreachable),
in a fresh var dir and database each time: migrate, a branch with CLIENTS inspectors and
HOUSEHOLDS synthetic households (`ruhu synth` + `ruhu import-households`), HISTORY rows
of attachments that earlier visits left in the branch (BENCH_VISITS_HISTORY, default
100,000: about 25,000 visits' photos, a few months of a mid-sized branch; the visit's
attachment lookup searches them; 0 for an empty archive), then `ruhu serve` (its
default gunicorn workers and the job consumer; BENCH_SERVE_WORKERS overrides) on a free
loopback port. Over HTTP, as the phones would: each inspector gets a device token (POST
/api/v1/auth/token) and uploads a pool of photos and signatures (POST /api/v1/attachments),
not timed. Then CLIENTS threads (http.client), one per inspector, each:
  (a) posts VISITS/CLIENTS distinct valid visits (new UUIDs, the household's whole
      checklist, photos and a signature from its pool; 75 % inspected, 10 % inspected
      with a hazard fixed on the spot, 15 % absent) after WARMUP untimed ones;
  (b) the bare view in the same run, with the same clients and tokens: GET
      /api/v1/attachments/{id} (the token lookup plus one primary-key read), and GET
      /api/v1/households/{id} (the same plus the appliances query and two decryptions).
Each load runs in ROUNDS rounds; prints the median requests/s, p50/p95/p99 latency over
all rounds, the CPU per request of the server's process tree, of PostgreSQL's backends and
of the clients (with the CPU-bound ceiling that implies on this machine: the figures are
sturdier than the rates on a shared machine), and the ratio of (a) to (b). Then the
floors, measured the same way in the same run, served by Django without middleware or API
framework (`bench.bare_app`: gunicorn, the same workers and settings, the persistent
connection, on SQLite the same queued write lock) with the same clients and tokens: the
bare read (its two statements), and the minimal visit, POST /api/v1/visits with the same
bodies as (a) (the token, then in one transaction the body, one audit row and a ledger
entry chained to the head under the chain's lock); then the raw engine writing that
minimal visit on persistent connections from as many processes as the server has workers,
no Django, no HTTP (`bench.write_floor`, printed for reference). Judged: visits ÷ the
minimal Django visit ≥ 0.4, the bare read ÷ the bare Django read ≥ 0.8. Then the
statements of one visit submission of each kind (in-process, token lookup included),
checks every visit is frozen and chained, and times `ledger_verify` over the chain
(entries/s; bench/ledger.py measures a 200,000-entry chain). BENCH_VISITS_DB names the scratch
PostgreSQL database (default ruhu_bench_visits), BENCH_REDIS the Redis.
BENCH_ENGINES=sqlite (or postgresql) runs one engine; BENCH_PROFILE=1 adds a cProfile of
200 visits posted in-process. The HTTP load, the server and the floors are in
`bench.visit_floors`.
"""

from __future__ import annotations

import io
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

from bench.visit_floors import (
    API,
    RUHU,
    WARMUP,
    Client,
    Meter,
    floors,
    load,
    measure,
    serve,
    stop,
)

CLIENTS = 8
VISITS = int(os.environ.get("BENCH_VISITS", "2000"))
READS = int(os.environ.get("BENCH_VISITS_READS", "4000"))
HOUSEHOLDS = 4000
HISTORY = int(os.environ.get("BENCH_VISITS_HISTORY", "100000"))
PROFILED = 200  # visits in BENCH_PROFILE's in-process profile
PHOTOS, SIGNATURES = 24, 8  # each inspector's pool
SERVE_WORKERS = os.environ.get("BENCH_SERVE_WORKERS", "")
PG_SERVER = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
REDIS = os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379/0")
DATABASE = os.environ.get("BENCH_VISITS_DB", "ruhu_bench_visits")
ENGINES = os.environ.get("BENCH_ENGINES", "sqlite,postgresql").split(",")
PASSWORD = "Door-Step-Evidence-2026"
BRANCH, COMPANY = "bench-visits", "bench-visits-co"
HERE = [sys.executable, "-m", "bench.visits"]
TARGETS = {"sqlite": (400, 50), "postgresql": (300, 100)}  # visits/s, p99 ms


# ---------------------------------------------------------------- in the child processes


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ruhu.settings")
    import django

    django.setup()


def child_setup() -> None:
    """The branch, its inspectors and (after the parent's import) nothing else."""
    _django()
    from ruhu.accounts.services import org_unit_create, user_create

    company = org_unit_create(acting_user=None, kind="company", code=COMPANY, name="bench")
    branch = org_unit_create(
        acting_user=None, kind="branch", code=BRANCH, name="bench", parent=company
    )
    for n in range(CLIENTS):
        user_create(acting_user=None, username=f"visitor-{n}", full_name=f"安检员{n}",
                    role="inspector", org_unit=branch, password=PASSWORD,
                    badge_no=f"V-{n:03d}")  # fmt: skip


def child_households() -> None:
    """The households the visits go to: id and meter, which decide the checklist."""
    _django()
    from ruhu.premises.models import Household

    rows = Household.objects.filter(branch__code=BRANCH).order_by("pk")
    print(json.dumps(list(rows.values_list("pk", "meter_location", "meter_kind"))))


def child_history() -> None:
    """HISTORY attachment rows in the branch, as earlier visits would have left (rows only:
    nothing reads their files), written straight into the table."""
    _django()
    import hashlib

    from django.db import connection, transaction
    from django.utils import timezone as django_tz

    from ruhu.accounts.models import OrgUnit, User

    branch = OrgUnit.objects.get(code=BRANCH)
    people = list(User.objects.filter(branch=branch).values_list("pk", flat=True))
    now = django_tz.now()
    columns = ("id, kind, file, sha256, original_sha256, size, content_type, extension, "
               "uploaded_by_id, uploaded_at, branch_id")  # fmt: skip
    with transaction.atomic(), connection.cursor() as cursor:
        for start in range(0, HISTORY, 10_000):
            rows = []
            for n in range(start, min(start + 10_000, HISTORY)):
                sha = hashlib.sha256(f"history {n}".encode()).hexdigest()
                original = hashlib.sha256(f"original {n}".encode()).hexdigest()
                rows.append((str(uuid.uuid4()) if connection.vendor == "postgresql" else
                             uuid.uuid4().hex, "photo", f"attachments/{sha}.jpg", sha, original,
                             20_000, "image/jpeg", ".jpg", people[n % len(people)], now,
                             branch.pk))  # fmt: skip
            cursor.executemany(
                f"INSERT INTO common_attachment ({columns}) VALUES ({', '.join(['%s'] * 11)})",
                rows,
            )
        cursor.execute("ANALYZE common_attachment")


def child_check() -> None:
    """Every visit frozen and chained, the chain whole; ledger_verify timed (median of 3)."""
    _django()
    from ruhu.common.ledger import ledger_verify
    from ruhu.common.models import LedgerEntry
    from ruhu.inspection.models import Visit

    visits = Visit.objects.count()
    frozen = Visit.objects.filter(frozen=True).count()
    entries = LedgerEntry.objects.filter(kind="visit").count()
    timings, result = [], None
    for _ in range(3):
        start = time.perf_counter()
        result = ledger_verify()
        timings.append(time.perf_counter() - start)
    assert result is not None
    print(json.dumps({"visits": visits, "frozen": frozen, "entries": entries,
                      "verified": result.ok, "checked": result.checked,
                      "verify_s": statistics.median(timings),
                      "broken": str(result.broken) if result.broken else ""}))  # fmt: skip


def child_profile() -> None:
    """cProfile of PROFILED visits posted in-process (Django's test client, no gunicorn)
    by the first inspector, to households not visited yet."""
    import cProfile
    import pstats

    _django()
    from django.test import Client as DjangoClient

    from ruhu.accounts.models import User
    from ruhu.accounts.services import token_issue
    from ruhu.common.models import Attachment
    from ruhu.inspection.models import Visit
    from ruhu.premises.models import Household

    user = User.objects.get(username="visitor-0")
    _token, raw = token_issue(acting_user=user, user=user, name="profile")
    mine = Attachment.objects.filter(uploaded_by=user)
    photos = list(mine.filter(kind="photo").values_list("sha256", flat=True))
    signatures = list(mine.filter(kind="signature").values_list("sha256", flat=True))
    visited = Visit.objects.values("household_id")
    households = Household.objects.filter(branch__code=BRANCH).exclude(pk__in=visited)
    rows = list(households.values_list("pk", "meter_location", "meter_kind")[: PROFILED + 20])
    bodies = visit_payloads(rows, random.Random(99), photos, signatures, len(rows))
    client = DjangoClient(HTTP_AUTHORIZATION=f"Bearer {raw}")
    for body in bodies[:20]:  # warm-up
        client.post(f"{API}/inspection/visits", body, content_type="application/json")
    profile = cProfile.Profile()
    profile.enable()
    for body in bodies[20:]:
        response = client.post(f"{API}/inspection/visits", body, content_type="application/json")
        assert response.status_code == 201, response.content
    profile.disable()
    stats = pstats.Stats(profile, stream=sys.stdout)
    print(f"--- {PROFILED} visits in-process, by cumulative time (ruhu and the engine)")
    stats.sort_stats("cumulative").print_stats(r"ruhu/|execute|commit|ninja/operation", 40)
    print("--- by own time")
    stats.sort_stats("tottime").print_stats(20)


def child_statements() -> None:
    """The statements of one visit submission (the token lookup included), posted
    in-process by the first inspector to a household not visited yet."""
    _django()
    from django.db import connection
    from django.test import Client as DjangoClient
    from django.test.utils import CaptureQueriesContext

    from ruhu.accounts.models import User
    from ruhu.accounts.services import token_issue
    from ruhu.common.models import Attachment
    from ruhu.inspection.models import Visit
    from ruhu.premises.models import Household

    user = User.objects.get(username="visitor-0")
    _token, raw = token_issue(acting_user=user, user=user, name="statements")
    mine = Attachment.objects.filter(uploaded_by=user)
    photos = list(mine.filter(kind="photo").values_list("sha256", flat=True))
    signatures = list(mine.filter(kind="signature").values_list("sha256", flat=True))
    visited = Visit.objects.values("household_id")
    households = Household.objects.filter(branch__code=BRANCH).exclude(pk__in=visited)
    rows = list(households.values_list("pk", "meter_location", "meter_kind")[:20])
    rows = [row for row in rows if row[1] != "outdoor"] or rows
    client = DjangoClient(HTTP_AUTHORIZATION=f"Bearer {raw}")
    client.get(f"{API}/me")  # the token's first use of the minute writes last_used_at
    counts = {}
    for n, body in enumerate(visit_payloads(rows, random.Random(5), photos, signatures, 8)):
        data = json.loads(body)
        kind = "hazard" if data.get("hazards") else data["outcome"]
        if kind in counts:
            continue
        with CaptureQueriesContext(connection) as queries:
            response = client.post(f"{API}/inspection/visits", body,
                                   content_type="application/json")  # fmt: skip
        assert response.status_code == 201, (n, response.content)
        writes = sum(q["sql"].lstrip().split(" ", 1)[0].upper() in {"INSERT", "UPDATE"}
                     for q in queries.captured_queries)  # fmt: skip
        counts[kind] = f"{len(queries)} ({writes} writes)"
    print("statements per visit submission, token lookup included: "
          + ", ".join(f"{kind} {count}" for kind, count in sorted(counts.items())))  # fmt: skip


# ---------------------------------------------------------------- HTTP


def _picture(rng: random.Random, kind: str) -> bytes:
    """A small distinct picture: a JPEG photo or a PNG signature."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (320, 240), tuple(rng.randrange(256) for _ in range(3)))
    draw = ImageDraw.Draw(image)
    for _ in range(12):
        box = (
            sorted(rng.randrange(320) for _ in range(2)),
            sorted(rng.randrange(240) for _ in range(2)),
        )
        draw.rectangle((box[0][0], box[1][0], box[0][1], box[1][1]),
                       fill=tuple(rng.randrange(256) for _ in range(3)))  # fmt: skip
    out = io.BytesIO()
    image.save(out, "PNG" if kind == "signature" else "JPEG", quality=80)
    return out.getvalue()


def prepare_phone(port: int, number: int) -> tuple[Client, list[str], list[str], str]:
    """Log in for a device token, upload the pool: (client, photos, signatures, an id)."""
    client = Client(port)
    login = {"username": f"visitor-{number}", "password": PASSWORD, "device_name": "bench phone"}
    answer = client.json("POST", f"{API}/auth/token", login)
    client.token = answer["token"]
    rng = random.Random(number)
    photos, signatures, some_id = [], [], ""
    for n in range(PHOTOS + SIGNATURES):
        kind = "photo" if n < PHOTOS else "signature"
        stored = client.upload(kind, f"{kind}-{number}-{n}.img", _picture(rng, kind))
        (photos if kind == "photo" else signatures).append(stored["sha256"])
        some_id = some_id or stored["id"]
    return client, photos, signatures, some_id


def visit_payloads(households: list, rng: random.Random, photos: list[str],
                   signatures: list[str], count: int) -> list[bytes]:  # fmt: skip
    """`count` distinct visits to distinct households, as the phone would post them."""
    from ruhu.inspection.checklist import applicable_items

    finished = datetime.now(timezone(timedelta(hours=8))) - timedelta(minutes=2)
    bodies = []
    for n in range(count):
        household_id, location, meter_kind = households[n % len(households)]
        started = finished - timedelta(minutes=12 + n % 9)
        data: dict = {
            "id": str(uuid.uuid4()),
            "household_id": household_id,
            "started_at": started.isoformat(),
            "finished_at": finished.isoformat(),
            "latitude": 30.27 + rng.random() / 100,
            "longitude": 120.15 + rng.random() / 100,
        }
        roll = rng.random()
        if roll < 0.15:
            data |= {"outcome": "absent", "absent_photo": rng.choice(photos),
                     "door_number": f"{n % 30 + 1}幢{n % 6 + 1}单元{n % 20 + 1}01"}  # fmt: skip
        else:
            items = applicable_items(meter_location=location, meter_kind=meter_kind)
            checklist = {item.code: {"state": "ok"} for item in items}
            first, second, third = rng.sample(photos, 3)
            checklist["stove_connection"]["photos"] = [first]
            checklist["leak_test"]["photos"] = [second]
            data |= {"outcome": "inspected", "checklist": checklist, "leaflet_given": True,
                     "signature": rng.choice(signatures), "signer_name": "王伟"}  # fmt: skip
            if location != "outdoor":
                data["meter_reading"] = f"{rng.randrange(100, 9999)}.{rng.randrange(1000):03d}"
            if roll < 0.25:
                checklist["hose_condition"] = {"state": "hazard", "note": "软管老化"}
                data["hazards"] = [{"hazard_type": "hose_defect", "item": "hose_condition",
                                    "level": 1, "description": "软管老化龟裂，现场更换",
                                    "fixed_on_spot": True, "before_photo": third,
                                    "after_photo": first}]  # fmt: skip
        bodies.append(json.dumps(data, ensure_ascii=False).encode())
    return bodies


# ---------------------------------------------------------------- one engine


def _env(var_dir: Path, database_url: str = "", redis_url: str = "") -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env["RUHU_VAR_DIR"] = str(var_dir)
    if database_url:
        env["DATABASE_URL"] = database_url
    if redis_url:  # a queue and cache keys of our own on a shared Redis
        env |= {"REDIS_URL": redis_url, "RUHU_QUEUE_NAME": "ruhu-bench-visits",
                "RUHU_CACHE_PREFIX": "ruhu-bench-visits"}  # fmt: skip
    return env


def _ratio(label: str, figure: float, floor: float, target: float) -> None:
    ratio = figure / floor if floor else 0.0
    verdict = "met" if ratio >= target else "MISSED"
    print(f"  {label}: {figure:.0f} /s ÷ {floor:.0f} /s = {ratio:.2f} "
          f"(target ≥ {target}: {verdict})")  # fmt: skip


def run_engine(engine: str, env: dict[str, str], folder: Path, csv: Path) -> None:
    vendor = "postgresql" if "DATABASE_URL" in env else "sqlite"
    if SERVE_WORKERS:
        workers = int(SERVE_WORKERS)
    else:
        from ruhu.common.management.commands.serve import default_workers

        workers = default_workers(vendor)
    subprocess.run([*RUHU, "migrate", "-v", "0"], env=env, check=True)
    subprocess.run([*RUHU, "createcachetable"], env=env, check=True)
    subprocess.run([*HERE, "setup"], env=env, check=True)
    subprocess.run([*RUHU, "import-households", str(csv), "--branch", BRANCH], env=env,
                   check=True, stdout=subprocess.DEVNULL)  # fmt: skip
    if HISTORY:
        subprocess.run([*HERE, "history"], env=env, check=True)
    done = subprocess.run([*HERE, "households"], env=env, check=True, stdout=subprocess.PIPE)
    households = json.loads(done.stdout)
    process, port = serve(env, folder, workers)
    try:
        phones = [prepare_phone(port, n) for n in range(CLIENTS)]
        clients = [phone[0] for phone in phones]
        work = []
        for n, (_client, photos, signatures, _id) in enumerate(phones):
            bodies = visit_payloads(households[n::CLIENTS], random.Random(n), photos,
                                    signatures, WARMUP + VISITS // CLIENTS)  # fmt: skip
            work.append([("POST", f"{API}/inspection/visits", body) for body in bodies])
        default = "" if SERVE_WORKERS else " (its default)"
        print(f"{engine}: `ruhu serve` with {workers} gunicorn workers{default} and the job "
              f"consumer, {CLIENTS} clients, {len(households):,} households"
              + (f", {HISTORY:,} earlier attachments" if HISTORY else ""))  # fmt: skip
        meter = Meter(process.pid, env.get("DATABASE_URL", ""))
        load(clients, [mine[:WARMUP] for mine in work], {201})
        label = "POST /inspection/visits (submit, freeze, chain, audit)"
        visits, p99 = measure(clients, [mine[WARMUP:] for mine in work], {201}, meter, label)
        rates = {}
        reads = {
            "GET /attachments/{id}": [[("GET", f"{API}/attachments/{phone[3]}", None)]
                                      * (READS // CLIENTS) for phone in phones],
            "GET /households/{id}": [[("GET", f"{API}/households/{households[n][0]}", None)]
                                     * (READS // CLIENTS) for n in range(CLIENTS)],
        }  # fmt: skip
        notes = {"GET /attachments/{id}": "token + one pk read",
                 "GET /households/{id}": "+ appliances, 2 decryptions"}  # fmt: skip
        for label, read in reads.items():
            load(clients, [mine[:WARMUP] for mine in read], {200})
            rates[label] = measure(clients, read, {200}, meter, f"{label} ({notes[label]})")[0]
    finally:
        stop(process)
    # the floors, served by Django without middleware or API framework (bench.bare_app),
    # then the raw engine (bench.write_floor)
    bare_rate, minimal_rate, floor = floors(env, folder, workers, clients,
                                            reads["GET /attachments/{id}"], work)  # fmt: skip
    _ratio("visits ÷ minimal Django visit", visits, minimal_rate, 0.4)
    ratio = visits / floor["rate"] if floor["rate"] else 0.0
    print(f"  for reference, visits ÷ raw visit floor: {visits:.0f} /s ÷ {floor['rate']:.0f} "
          f"/s = {ratio:.2f}; minimal Django visit ÷ raw floor: "
          f"{minimal_rate / floor['rate'] if floor['rate'] else 0.0:.2f}")  # fmt: skip
    _ratio("GET /attachments/{id} ÷ bare Django read", rates["GET /attachments/{id}"],
           bare_rate, 0.8)  # fmt: skip
    for label, rate in rates.items():
        print(f"  ratio visits/s ÷ {label} /s: {visits / rate:5.2f}")
    target, ceiling = TARGETS[vendor]
    verdict = "met" if visits >= target and p99 <= ceiling else "MISSED"
    print(f"  target ≥ {target} visits/s and p99 ≤ {ceiling} ms: {verdict}")
    done = subprocess.run([*HERE, "statements"], env=env, check=True, stdout=subprocess.PIPE)
    print("  " + done.stdout.decode().strip().splitlines()[-1])
    done = subprocess.run([*HERE, "check"], env=env, check=True, stdout=subprocess.PIPE)
    check = json.loads(done.stdout.strip().splitlines()[-1])
    print(f"  visits stored {check['visits']:,}, frozen {check['frozen']:,}, ledger entries "
          f"{check['entries']:,}, chain verified: {check['verified']}")  # fmt: skip
    if check["broken"]:
        print(f"  first broken entry: {check['broken']} (was src/ edited during the run?)")
    print(f"  ledger_verify over {check['checked']:,} entries: {check['verify_s']:.2f} s, "
          f"{check['checked'] / check['verify_s']:,.0f} entries/s")  # fmt: skip
    if os.environ.get("BENCH_PROFILE"):
        subprocess.run([*HERE, "profile"], env=env, check=True)
    sys.stdout.flush()


def main() -> None:
    step = sys.argv[1] if len(sys.argv) > 1 else ""
    if step:
        {"setup": child_setup, "households": child_households, "history": child_history,
         "check": child_check, "profile": child_profile,
         "statements": child_statements}[step]()  # fmt: skip
        return
    from bench.quiet import quiet_machine

    with quiet_machine():
        run_all()


def run_all() -> None:
    import psycopg

    folder = Path(tempfile.mkdtemp(prefix="bench-var-visits-"))
    # the parent builds the payloads from the checklist, whose labels read policy: Django
    # set up on a scratch var dir of its own (it never opens a database)
    os.environ.setdefault("RUHU_VAR_DIR", str(folder / "parent"))
    _django()
    try:
        csv = folder / "households.csv"
        subprocess.run([*RUHU, "synth", "households", "--count", str(HOUSEHOLDS), "--out",
                        str(csv), "--seed", "7"], check=True, env=_env(folder / "synth"),
                       stdout=subprocess.DEVNULL)  # fmt: skip
        if "sqlite" in ENGINES:
            run_engine("SQLite", _env(folder / "sqlite"), folder / "sqlite", csv)
        if "postgresql" not in ENGINES:
            return
        try:
            with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as con:
                con.execute(f"DROP DATABASE IF EXISTS {DATABASE}")
                con.execute(f"CREATE DATABASE {DATABASE}")
        except psycopg.OperationalError as exc:
            print(f"PostgreSQL at {PG_SERVER} unreachable, its half was not run: {exc}")
            return
        try:
            env = _env(folder / "pg", f"{PG_SERVER}/{DATABASE}", REDIS)
            (folder / "pg").mkdir(parents=True, exist_ok=True)
            run_engine("PostgreSQL + Redis", env, folder / "pg", csv)
        finally:
            with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as con:
                con.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
