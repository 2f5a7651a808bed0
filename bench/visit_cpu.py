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
issue's ratio is judged by, and the CPU ratio of the two. `profile` as the argument prints a
cProfile of the N visits instead (by cumulative and by own time).

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
ROUNDS = int(os.environ.get("BENCH_VISIT_CPU_ROUNDS", "3"))
URL = "/api/v1/inspection/visits"


class Phone:
    """Posts bodies with a bearer token straight to a WSGI application."""

    def __init__(self, application, token: str) -> None:
        self.application, self.token, self.status = application, token, ""

    def post_all(self, path: str, bodies: list[bytes]) -> None:
        for body in bodies:
            environ = {
                "REQUEST_METHOD": "POST", "PATH_INFO": path, "SCRIPT_NAME": "",
                "QUERY_STRING": "", "SERVER_NAME": "localhost", "SERVER_PORT": "80",
                "HTTP_HOST": "localhost", "SERVER_PROTOCOL": "HTTP/1.1",
                "CONTENT_TYPE": "application/json", "CONTENT_LENGTH": str(len(body)),
                "HTTP_AUTHORIZATION": f"Bearer {self.token}", "REMOTE_ADDR": "127.0.0.1",
                "wsgi.input": io.BytesIO(body), "wsgi.url_scheme": "http",
                "wsgi.errors": sys.stderr, "wsgi.multithread": False,
                "wsgi.multiprocess": True, "wsgi.run_once": False,
            }  # fmt: skip
            answer = self.application(environ, self._start_response)
            content = b"".join(answer)
            getattr(answer, "close", lambda: None)()
            assert self.status.startswith("201"), content

    def _start_response(self, status: str, headers: list, exc_info=None) -> None:
        self.status = status


def _world(count: int) -> tuple[Phone, list[bytes]]:
    """A scratch database with a branch, an inspector, `count` households and a pool of
    uploads: (the phone with its token on the project's application, request bodies)."""
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
    from ruhu.wsgi import application

    return Phone(application, raw), bodies


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


def one_round() -> tuple[float, float]:
    """(visit, minimal Django visit): CPU ms per request over N of each, in a fresh database."""
    from django.test.utils import override_settings

    from bench import bare_app

    _fresh()
    phone, bodies = _world(2 * (WARM + N))
    visits, floors = bodies[: WARM + N], bodies[WARM + N :]
    phone.post_all(URL, visits[:WARM])
    start = time.process_time()
    phone.post_all(URL, visits[WARM:])
    visit = (time.process_time() - start) / N * 1000
    with override_settings(ROOT_URLCONF=bare_app, MIDDLEWARE=[]):
        floor_phone = _floor_phone(phone)
        floor_phone.post_all("/api/v1/visits", floors[:WARM])
        start = time.process_time()
        floor_phone.post_all("/api/v1/visits", floors[WARM:])
        floor = (time.process_time() - start) / N * 1000
    return visit, floor


def profile() -> None:
    import cProfile
    import pstats

    _fresh()
    phone, bodies = _world(WARM + N)
    phone.post_all(URL, bodies[:WARM])
    profiler = cProfile.Profile()
    profiler.enable()
    phone.post_all(URL, bodies[WARM:])
    profiler.disable()
    stats = pstats.Stats(profiler, stream=sys.stdout)
    print(f"--- {N} visits in-process, by cumulative time")
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
        if sys.argv[1:] == ["profile"]:
            profile()
            return
        pairs = [one_round() for _ in range(ROUNDS)]
        visit = statistics.median(v for v, _ in pairs)
        floor = statistics.median(f for _, f in pairs)
        print("CPU per visit, in-process, " + ", ".join(f"{v:.2f}" for v, _ in pairs)
              + f" ms: median {visit:.2f} ms")  # fmt: skip
        print("floor, the minimal Django visit: " + ", ".join(f"{f:.2f}" for _, f in pairs)
              + f" ms: median {floor:.2f} ms")  # fmt: skip
        print(f"ratio visit ÷ floor (CPU): {visit / floor:.1f}")


if __name__ == "__main__":
    main()
