"""The serving and measuring half of `bench.visits`, and its floors.

The HTTP side: a phone's client (`Client`, a keep-alive connection with its token), a load of
many clients at once (`load`), `ruhu serve` or bare gunicorn started and stopped (`serve`,
`stop`), the CPU of the server's process tree and of PostgreSQL's backends (`Meter`), and
ROUNDS loads with their rates, latency percentiles and CPU per request printed (`measure`).

The floors (`floors`), measured the same way in the same run: served by Django without
middleware or API framework (`bench.bare_app`: gunicorn, the same workers and settings, the
persistent connection, on SQLite the same queued write lock) with the same clients and
tokens, the bare read (its two statements) and the minimal visit, POST /api/v1/visits with
the visits' bodies (the token, then in one transaction the body, one audit row and a ledger
entry chained to the head under the chain's lock); then the raw engine writing that minimal
visit on persistent connections from as many processes as the server has workers, no
Django, no HTTP (`bench.write_floor`, printed for reference).
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

ROUNDS = 3
WARMUP = 10  # untimed requests per client first
RUHU = [sys.executable, "-m", "ruhu.cli"]
API = "/api/v1"


# ---------------------------------------------------------------- HTTP


class Client:
    """One phone: a token, a pool of uploads, a keep-alive connection (http.client opens
    it again when the server closes it, as gunicorn's sync workers do after a response)."""

    def __init__(self, port: int, token: str = "") -> None:
        self.port = port
        self.token = token
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def request(self, method: str, path: str, body: bytes | None = None,
                content_type: str = "application/json") -> tuple[int, bytes]:  # fmt: skip
        headers = {"Content-Type": content_type} if body is not None else {}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        for attempt in (1, 2):
            try:
                self.connection.request(method, path, body=body, headers=headers)
                response = self.connection.getresponse()
                return response.status, response.read()
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                self.connection.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def json(self, method: str, path: str, data: dict | None = None) -> dict:
        body = json.dumps(data).encode() if data is not None else None
        status, content = self.request(method, path, body)
        if status >= 300:
            raise RuntimeError(f"{method} {path}: {status} {content[:300]!r}")
        return json.loads(content)

    def upload(self, kind: str, name: str, data: bytes) -> dict:
        boundary = uuid.uuid4().hex
        body = (
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="kind"\r\n\r\n{kind}\r\n'
                f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
                f'filename="{name}"\r\nContent-Type: application/octet-stream\r\n\r\n'
            ).encode()
            + data
            + f"\r\n--{boundary}--\r\n".encode()
        )
        status, content = self.request(
            "POST", f"{API}/attachments", body, f"multipart/form-data; boundary={boundary}"
        )
        if status != 201:
            raise RuntimeError(f"upload: {status} {content[:300]!r}")
        return json.loads(content)


def load(clients: list[Client], work: list[list[tuple[str, str, bytes | None]]],
         expect: set[int]) -> tuple[float, list[float], int]:  # fmt: skip
    """Every client runs its list of requests at once; (seconds, latencies, failures)."""
    latencies: list[list[float]] = [[] for _ in clients]
    failures = [0] * len(clients)
    start_line = threading.Barrier(len(clients) + 1)

    def run(index: int) -> None:
        client, mine = clients[index], latencies[index]
        start_line.wait()
        for method, path, body in work[index]:
            began = time.perf_counter()
            status, content = client.request(method, path, body)
            mine.append(time.perf_counter() - began)
            if status not in expect:
                failures[index] += 1
                if failures[index] <= 2:
                    print(f"  {method} {path}: {status} {content[:400]!r}", file=sys.stderr)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(clients))]
    for thread in threads:
        thread.start()
    start_line.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    return time.perf_counter() - began, [x for mine in latencies for x in mine], sum(failures)


# ---------------------------------------------------------------- the server


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) used so far by a process and its living descendants."""
    total, todo = 0.0, [pid]
    ticks = os.sysconf("SC_CLK_TCK")
    while todo:
        current = todo.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / ticks
            for task in Path(f"/proc/{current}/task").iterdir():
                children = (task / "children").read_text().split()
                todo.extend(int(child) for child in children)
        except (FileNotFoundError, ProcessLookupError):
            continue
    return total


def serve(env: dict[str, str], folder: Path, workers: int,
          app: str = "") -> tuple[subprocess.Popen, int]:  # fmt: skip
    """`ruhu serve` (or, given `app`, bare gunicorn serving that WSGI application) with
    `workers` workers on a free port, once it answers."""
    port = _free_port()
    if app:
        command = [sys.executable, "-m", "gunicorn", app, "--workers", str(workers)]
        probe = f"{API}/attachments/{uuid.UUID(int=0)}"
    else:
        command = [*RUHU, "serve", "--workers", str(workers)]
        probe = f"{API}/me"
    command += ["--bind", f"127.0.0.1:{port}"]
    log = open(folder / ("bare.log" if app else "serve.log"), "wb")  # noqa: SIM115
    process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{command[2:4]} exited: see {log.name}")
        try:
            status, _ = Client(port).request("GET", probe)
            if status == 401:
                return process, port
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{command[2:4]} did not answer within 60 s")


def stop(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


class Meter:
    """CPU seconds spent during a load by the server's process tree, the database's
    backends (PostgreSQL: those connected to our database, sampled every SAMPLE seconds,
    since a backend that closes takes its CPU time with it)
    and this client process."""

    SAMPLE = 0.25

    def __init__(self, server_pid: int, dsn: str = "") -> None:
        self.server_pid, self.dsn = server_pid, dsn

    def _sample(self, con, seen: dict[int, list[float]], first: bool) -> None:
        rows = con.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid()"
        ).fetchall()
        for (pid,) in rows:
            cpu = _tree_cpu(pid)
            if pid in seen:
                seen[pid][1] = cpu
            else:  # a backend there from the start counts from then, a new one from 0
                seen[pid] = [cpu if first else 0.0, cpu]

    def _sampler(self) -> None:
        import psycopg

        with psycopg.connect(self.dsn, autocommit=True) as con:
            self._sample(con, self.seen, True)
            self.started.set()
            while not self.stopping.wait(self.SAMPLE):
                self._sample(con, self.seen, False)
            self._sample(con, self.seen, False)

    def __enter__(self) -> Meter:
        self.seen: dict[int, list[float]] = {}
        if self.dsn:
            self.started, self.stopping = threading.Event(), threading.Event()
            self.thread = threading.Thread(target=self._sampler, daemon=True)
            self.thread.start()
            self.started.wait()
        self.server = _tree_cpu(self.server_pid)
        self.client = time.process_time()
        return self

    def __exit__(self, *exc) -> None:
        self.client = time.process_time() - self.client
        self.server = _tree_cpu(self.server_pid) - self.server
        if self.dsn:
            self.stopping.set()
            self.thread.join()
        self.database = sum(last - first for first, last in self.seen.values())


def measure(clients, work, expect: set[int], meter: Meter, label: str) -> tuple[float, float]:
    """ROUNDS loads of the work split in ROUNDS parts; prints the median rate, latency
    percentiles over all rounds and CPU per request. Returns (median rate, p99 in ms)."""
    rates, latencies, failures = [], [], 0
    with meter:
        for part in range(ROUNDS):
            share = [mine[part::ROUNDS] for mine in work]
            seconds, times, failed = load(clients, share, expect)
            rates.append(len(times) / seconds)
            latencies += times
            failures += failed
    latencies.sort()
    count = len(latencies)

    def pct(p: float) -> float:
        return latencies[min(count - 1, int(p * count))] * 1e3

    def per_request(cpu: float) -> str:
        return f"{cpu / count * 1e3:4.1f}"

    rate = statistics.median(rates)
    print(f"  {label}: {count:,} requests in {ROUNDS} rounds of "
          + ", ".join(f"{r:.0f}" for r in rates) + "/s")  # fmt: skip
    print(f"    median {rate:5.0f} /s   p50 {pct(0.50):5.1f}  p95 {pct(0.95):5.1f}  "
          f"p99 {pct(0.99):5.1f} ms   CPU ms/request: server {per_request(meter.server)}"
          + (f", database {per_request(meter.database)}" if meter.dsn else "")
          + f", clients {per_request(meter.client)}"
          + (f"   FAILED {failures}" if failures else ""))  # fmt: skip
    cpu = (meter.server + meter.database + meter.client) / count
    print(f"    all CPU {cpu * 1e3:.1f} ms/request: on {os.cpu_count()} CPUs at most "
          f"{(os.cpu_count() or 1) / cpu:.0f} /s")  # fmt: skip
    return rate, pct(0.99)


# ---------------------------------------------------------------- the floors


def floors(env: dict[str, str], folder: Path, workers: int, clients: list[Client],
           read: list, work: list) -> tuple[float, float, dict]:  # fmt: skip
    """The floors of one engine, printed: (the bare Django read /s, the minimal Django visit
    /s, the raw engine's figures). `read` is the bare read's work, `work` the visits'
    (WARMUP untimed first, each client's)."""
    # the floors, served by Django without middleware or API framework (bench.bare_app):
    # the bare read (the same two statements) and the minimal visit (the token, then the
    # visit's body, an audit row and a ledger entry in one transaction) with the same clients
    # and bodies, then the raw engine writing the same minimal visit without Django or HTTP
    from bench import write_floor

    vendor = "postgresql" if "DATABASE_URL" in env else "sqlite"
    database = env.get("DATABASE_URL") or str(Path(env["RUHU_VAR_DIR"]) / "ruhu.sqlite3")
    write_floor.create(database)
    bare, bare_port = serve(env, folder, workers, app="bench.bare_app:application")
    try:
        floor_clients = [Client(bare_port, client.token) for client in clients]
        load(floor_clients, [mine[:WARMUP] for mine in read], {200})
        label = "floor: bare Django token + pk read (no middleware, no ninja)"
        bare_rate = measure(floor_clients, read, {200}, Meter(bare.pid), label)[0]
        minimal = [[("POST", f"{API}/visits", body) for _m, _p, body in mine] for mine in work]
        load(floor_clients, [mine[:WARMUP] for mine in minimal], {201})
        label = "floor: minimal Django visit (token, visit + audit + ledger insert, no ninja)"
        meter = Meter(bare.pid, env.get("DATABASE_URL", ""))
        minimal_rate = measure(floor_clients, [mine[WARMUP:] for mine in minimal], {201},
                               meter, label)[0]  # fmt: skip
    finally:
        stop(bare)
    floor_bodies = [body for mine in work for _m, _p, body in mine[WARMUP:]]
    floor = write_floor.measure(database, floor_bodies, workers, ROUNDS)
    print(f"  floor: raw {vendor} visit + audit + ledger insert, {workers} client processes, "
          f"persistent connections, no Django or HTTP: {len(floor_bodies):,} in {ROUNDS} "
          "rounds of " + ", ".join(f"{r:.0f}" for r in floor["rates"])
          + f"/s\n    median {floor['rate']:5.0f} /s   p99 {floor['p99']:5.1f} ms")  # fmt: skip
    return bare_rate, minimal_rate, floor
