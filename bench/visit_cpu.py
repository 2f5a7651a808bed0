"""`python -m bench.visit_cpu`: the server's CPU per visit submission, in-process.

No HTTP and no gunicorn: the project's WSGI application (`ruhu.wsgi`, the lean middleware
chain of a token call) is called with bench.visits' bodies (the household's
whole checklist, photos and a signature cited, one in ten with a hazard fixed on the spot,
15 % absent) with a bearer token to POST /api/v1/inspection/visits, and `time.process_time`
is read around N of them (BENCH_VISIT_CPU_N, default 300) after 20 untimed ones; ROUNDS
times in a fresh scratch database each (RUHU_VAR_DIR, default a temporary folder; on
PostgreSQL DATABASE_URL names it and it is emptied first), median printed. Beside it, the
minimal Django visit of `bench.bare_app` (the token, the body, one audit row and a chained
ledger entry in one transaction) posted the same way with the same bodies: the floor the
issue's ratio is judged by, and the CPU ratio of the two. Then the bare read the same way:
READS (BENCH_VISIT_CPU_READS, default 2000) GET /api/v1/attachments/{id} of one of the
phone's uploads, beside `bench.bare_app`'s token + pk read of it. `profile` as the argument
prints a cProfile of the N visits instead (`profile read`: of the reads), by cumulative and
by own time; BENCH_PROFILE_OUT=<file> keeps the stats for pstats.

The figure is the Python process's CPU (the engine's too on SQLite, in-process); the test
WSGI server's parsing is left out, which the ratio shares with the floor. Runs inside
`bench.quiet.quiet_machine()`.
"""

from __future__ import annotations

import io
import os
import random
import statistics
import sys
import tempfile
import time

N = int(os.environ.get("BENCH_VISIT_CPU_N", "300"))
WARM = 20
READS = int(os.environ.get("BENCH_VISIT_CPU_READS", "2000"))
ROUNDS = int(os.environ.get("BENCH_VISIT_CPU_ROUNDS", "3"))
URL = "/api/v1/inspection/visits"


class Phone:
    """Posts bodies with a bearer token straight to a WSGI application."""

    def __init__(self, application, token: str) -> None:
        self.application, self.token, self.status = application, token, ""

    def post_all(self, path: str, bodies: list[bytes]) -> None:
        for body in bodies:
            self._call("POST", path, body, "201")

    def get_all(self, path: str, count: int) -> None:
        for _ in range(count):
            self._call("GET", path, b"", "200")

    def _call(self, method: str, path: str, body: bytes, expect: str) -> None:
        environ = {
            "REQUEST_METHOD": method, "PATH_INFO": path, "SCRIPT_NAME": "",
            "QUERY_STRING": "", "SERVER_NAME": "localhost", "SERVER_PORT": "80",
            "HTTP_HOST": "localhost", "SERVER_PROTOCOL": "HTTP/1.1",
            "HTTP_AUTHORIZATION": f"Bearer {self.token}", "REMOTE_ADDR": "127.0.0.1",
            "wsgi.input": io.BytesIO(body), "wsgi.url_scheme": "http",
            "wsgi.errors": sys.stderr, "wsgi.multithread": False,
            "wsgi.multiprocess": True, "wsgi.run_once": False,
        }  # fmt: skip
        if body:
            environ.update(CONTENT_TYPE="application/json", CONTENT_LENGTH=str(len(body)))
        answer = self.application(environ, self._start_response)
        content = b"".join(answer)
        getattr(answer, "close", lambda: None)()
        assert self.status.startswith(expect), content

    def _start_response(self, status: str, headers: list, exc_info=None) -> None:
        self.status = status


def _world(count: int) -> tuple[Phone, list[bytes], str]:
    """A scratch database with a branch, an inspector, `count` households and a pool of
    uploads: (the phone with its token on the project's application, request bodies, the
    path of one of its uploads to read)."""
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    from bench.visits import visit_payloads
    from ruhu.accounts.services import token_issue
    from tests.factories import make_household, make_org, make_user
    from tests.inspection.visiting import photo

    org = make_org()
    user = make_user("visitor", "inspector", org.team_a, badge_no="V-001")
    homes = [make_household(org.a, address=f"翠苑{n}幢101室") for n in range(count)]
    rows = [(h.pk, h.meter_location, h.meter_kind) for h in homes]
    colours = ["#%06x" % (n * 2654435761 % 0xFFFFFF) for n in range(32)]
    photos = [photo(user, colour) for colour in colours[:24]]
    signatures = [photo(user, colour, kind="signature") for colour in colours[24:]]
    _token, raw = token_issue(acting_user=user, user=user, name="phone")
    bodies = visit_payloads(rows, random.Random(7), photos, signatures, count)
    from ruhu.common.models import Attachment
    from ruhu.wsgi import application

    upload = Attachment.objects.filter(uploaded_by=user).order_by("uploaded_at").first()
    assert upload is not None
    return Phone(application, raw), bodies, f"/api/v1/attachments/{upload.pk}"


def _fresh() -> None:
    """Empty the scratch database (SQLite: remove the file; PostgreSQL: the schema)."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    else:
        connection.close()
        for suffix in ("", "-wal", "-shm"):
            path = f"{connection.settings_dict['NAME']}{suffix}"
            if os.path.exists(path):
                os.remove(path)


def _floor_phone(phone: Phone) -> Phone:
    """The minimal Django visit of bench.bare_app on the same connection: Django's WSGI
    handler with bare_app's URLconf and no middleware (call inside those settings)."""
    from django.core.handlers.wsgi import WSGIHandler
    from django.db import connection

    from bench import write_floor

    database = str(connection.settings_dict["NAME"])
    if connection.vendor == "postgresql":
        database = os.environ["DATABASE_URL"]
    write_floor.create(database)
    return Phone(WSGIHandler(), phone.token)


def _cpu_ms(run, count: int) -> float:
    """CPU ms per call of `run(count)`, after WARM untimed ones."""
    run(WARM)
    start = time.process_time()
    run(count)
    return (time.process_time() - start) / count * 1000


def one_round() -> tuple[float, float, float, float]:
    """(visit, minimal Django visit, read, bare Django read): CPU ms per request over N of
    each (READS of each read), in a fresh database."""
    from django.test.utils import override_settings

    from bench import bare_app

    _fresh()
    phone, bodies, read_path = _world(2 * (WARM + N))
    visits, floors = iter(bodies[: WARM + N]), iter(bodies[WARM + N :])
    visit = _cpu_ms(lambda n: phone.post_all(URL, [next(visits) for _ in range(n)]), N)
    read = _cpu_ms(lambda n: phone.get_all(read_path, n), READS)
    with override_settings(ROOT_URLCONF=bare_app, MIDDLEWARE=[]):
        floor_phone = _floor_phone(phone)
        floor = _cpu_ms(
            lambda n: floor_phone.post_all("/api/v1/visits", [next(floors) for _ in range(n)]), N
        )
        bare_read = _cpu_ms(lambda n: floor_phone.get_all(read_path, n), READS)
    return visit, floor, read, bare_read


def profile(what: str) -> None:
    import cProfile
    import pstats

    _fresh()
    phone, bodies, read_path = _world(WARM + N)
    phone.post_all(URL, bodies[:WARM])
    phone.get_all(read_path, WARM)
    profiler = cProfile.Profile()
    profiler.enable()
    if what == "read":
        phone.get_all(read_path, READS)
    else:
        phone.post_all(URL, bodies[WARM:])
    profiler.disable()
    if os.environ.get("BENCH_PROFILE_OUT"):  # for pstats or a viewer
        profiler.dump_stats(os.environ["BENCH_PROFILE_OUT"])
    stats = pstats.Stats(profiler, stream=sys.stdout)
    print(f"--- {READS if what == 'read' else N} {what}s in-process, by cumulative time")
    stats.sort_stats("cumulative").print_stats(90)
    print("--- by own time")
    stats.sort_stats("tottime").print_stats(40)


def main() -> None:
    os.environ.setdefault("RUHU_VAR_DIR", tempfile.mkdtemp(prefix="ruhu-visit-cpu-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ruhu.settings")
    import django

    django.setup()
    from bench.quiet import quiet_machine

    with quiet_machine():
        if sys.argv[1:2] == ["profile"]:
            profile("read" if sys.argv[2:] == ["read"] else "visit")
            return
        rounds = [one_round() for _ in range(ROUNDS)]
        visit, floor, read, bare_read = _report(rounds)
        print(f"ratio visit ÷ floor (CPU): {visit / floor:.1f}")
        print(f"ratio read ÷ bare read (CPU): {read / bare_read:.2f}")


def _report(rounds: list[tuple[float, ...]]) -> list[float]:
    labels = ("CPU per visit, in-process", "floor, the minimal Django visit",
              "CPU per read of an upload, in-process", "floor, the bare Django read")  # fmt: skip
    medians = []
    for index, label in enumerate(labels):
        figures = [r[index] for r in rounds]
        medians.append(statistics.median(figures))
        shown = ", ".join(f"{f:.3f}" for f in figures)
        print(f"{label}: {shown} ms: median {medians[-1]:.3f} ms")
    return medians


if __name__ == "__main__":
    main()
