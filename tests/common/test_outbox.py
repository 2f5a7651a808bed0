from __future__ import annotations

import datetime as dt
import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import time_machine
from django.db import connection, transaction
from django.utils import timezone
from huey.contrib.djhuey import HUEY

from ruhu.common import notifications, tasks
from ruhu.common.errors import ValidationFailed
from ruhu.common.models import OutboxMessage
from ruhu.common.notifications import (
    DeliveryFailed,
    outbox_dispatch,
    outbox_dispatch_due,
    outbox_enqueue,
)

PHONE = "13812348000"
E164 = "+8613812348000"
START = dt.datetime(2025, 3, 3, 9, 0, tzinfo=dt.UTC)
Status = OutboxMessage.Status


class Recorder:
    """A backend that records what it sends and can be told to fail or to dawdle."""

    def __init__(self) -> None:
        self.sent: list = []
        self.failures = 0
        self.delay = 0.0

    def __call__(self) -> Recorder:
        return self

    def send(self, message: OutboxMessage) -> str:
        if self.failures:
            self.failures -= 1
            raise DeliveryFailed("网关返回 HTTP 503")
        time.sleep(self.delay)
        self.sent.append(message.pk)
        return f"rec-{len(self.sent)}"


@pytest.fixture
def recorder(settings, monkeypatch) -> Recorder:
    backend = Recorder()
    monkeypatch.setitem(notifications.BACKENDS, "recording", backend)
    settings.RUHU_SMS_BACKEND = "recording"
    return backend


def enqueue(**overrides) -> OutboxMessage:
    values = {"channel": "sms", "recipient": PHONE, "body": "您好，明天上午安检，请留人在家。"}
    values.update(overrides)
    return outbox_enqueue(**values)


def committed(**overrides) -> OutboxMessage:
    with transaction.atomic():
        return enqueue(**overrides)


def reload(message: OutboxMessage) -> OutboxMessage:
    return OutboxMessage.objects.get(pk=message.pk)


@pytest.mark.django_db(transaction=True)
def test_it_sends_only_after_the_cause_commits(recorder):
    with transaction.atomic():
        message = enqueue()
        assert recorder.sent == []
    message = reload(message)
    assert recorder.sent == [message.pk]
    assert message.status == Status.SENT
    assert message.recipient == E164
    assert message.provider_ref == "rec-1"
    assert message.attempts == 1
    assert message.sent_at is not None


@pytest.mark.django_db(transaction=True)
def test_it_leaves_nothing_when_the_cause_rolls_back(recorder):
    with pytest.raises(RuntimeError), transaction.atomic():
        enqueue()
        raise RuntimeError("the visit could not be saved")
    assert not OutboxMessage.objects.exists()
    assert recorder.sent == []


def test_it_returns_the_existing_message_for_the_same_dedupe_key(
    db, recorder, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = enqueue(dedupe_key="notice:42")
        second = enqueue(dedupe_key="notice:42", body="另一条内容")
    assert second.pk == first.pk
    assert OutboxMessage.objects.count() == 1
    assert recorder.sent == [first.pk]


def test_it_refuses_an_invalid_phone_number(db, recorder):
    with pytest.raises(ValidationFailed) as error:
        enqueue(recipient="12345")
    assert error.value.code == "phone_invalid"
    assert not OutboxMessage.objects.exists()


def test_it_refuses_an_unknown_channel_and_an_empty_body(db, recorder):
    with pytest.raises(ValidationFailed):
        enqueue(channel="pigeon")
    with pytest.raises(ValidationFailed):
        enqueue(body="  ")
    assert not OutboxMessage.objects.exists()


def test_it_records_the_cause_and_branch(db, recorder, org):
    message = enqueue(cause=org.a, branch_id=org.a.pk)
    assert message.cause_type.model == "orgunit"
    assert message.cause_id == str(org.a.pk)
    assert message.branch_id == org.a.pk


def test_it_retries_with_exponential_backoff(db, recorder, caplog):
    recorder.failures = 2
    with time_machine.travel(START, tick=False) as traveller:
        message = enqueue()
        assert outbox_dispatch(message.pk) is False
        message = reload(message)
        assert (message.status, message.attempts) == (Status.PENDING, 1)
        assert message.next_attempt_at == START + dt.timedelta(seconds=30)
        assert message.last_error == "网关返回 HTTP 503"

        traveller.shift(dt.timedelta(seconds=29))
        assert outbox_dispatch_due() == 0
        assert reload(message).attempts == 1

        traveller.shift(dt.timedelta(seconds=1))
        assert outbox_dispatch_due() == 0
        message = reload(message)
        assert message.attempts == 2
        assert message.next_attempt_at == timezone.now() + dt.timedelta(seconds=60)

        traveller.shift(dt.timedelta(seconds=60))
        assert outbox_dispatch_due() == 1
    message = reload(message)
    assert (message.status, message.attempts, message.last_error) == (Status.SENT, 3, "")
    assert recorder.sent == [message.pk]
    assert PHONE not in caplog.text and E164 not in caplog.text


def test_it_caps_the_backoff_at_an_hour():
    assert notifications.backoff(1) == dt.timedelta(seconds=30)
    assert notifications.backoff(4) == dt.timedelta(minutes=4)
    assert notifications.backoff(20) == dt.timedelta(hours=1)


def test_it_gives_up_after_the_maximum_attempts(db, recorder, settings):
    settings.RUHU_OUTBOX_MAX_ATTEMPTS = 3
    recorder.failures = 100
    with time_machine.travel(START, tick=False) as traveller:
        message = enqueue()
        for _ in range(5):
            outbox_dispatch_due()
            traveller.shift(dt.timedelta(hours=2))
    message = reload(message)
    assert (message.status, message.attempts) == (Status.DEAD, 3)
    assert recorder.failures == 97
    assert PHONE not in message.last_error


def test_it_never_sends_a_message_twice(db, recorder):
    message = enqueue()
    assert outbox_dispatch(message.pk) is True
    assert outbox_dispatch(message.pk) is False
    assert outbox_dispatch_due() == 0
    assert recorder.sent == [message.pk]


@pytest.mark.django_db(transaction=True)
def test_it_sends_once_when_two_workers_race_for_the_same_message(recorder):
    message = OutboxMessage.objects.create(channel="sms", recipient=E164, body="race")
    recorder.delay = 0.2
    barrier = threading.Barrier(2)
    results: list[bool] = []

    def worker() -> None:
        try:
            barrier.wait()
            results.append(outbox_dispatch(message.pk))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False, True]
    assert recorder.sent == [message.pk]
    assert reload(message).status == Status.SENT


def test_it_reclaims_a_sending_message_whose_lease_expired(db, recorder):
    now = timezone.now()
    stale = OutboxMessage.objects.create(
        channel="sms",
        recipient=E164,
        body="stale",
        status=Status.SENDING,
        attempts=1,
        lease_until=now - dt.timedelta(seconds=1),
    )
    held = OutboxMessage.objects.create(
        channel="sms",
        recipient=E164,
        body="held",
        status=Status.SENDING,
        attempts=1,
        lease_until=now + dt.timedelta(minutes=4),
    )
    assert outbox_dispatch_due() == 1
    assert recorder.sent == [stale.pk]
    assert reload(held).status == Status.SENDING


def test_it_buries_an_abandoned_message_with_no_attempts_left(db, recorder, settings):
    settings.RUHU_OUTBOX_MAX_ATTEMPTS = 2
    message = OutboxMessage.objects.create(
        channel="sms",
        recipient=E164,
        body="x",
        status=Status.SENDING,
        attempts=2,
        lease_until=timezone.now() - dt.timedelta(seconds=1),
    )
    assert outbox_dispatch_due() == 0
    assert reload(message).status == Status.DEAD
    assert recorder.sent == []


@pytest.mark.django_db(transaction=True)
def test_it_keeps_the_commit_when_the_queue_is_down_and_the_sweep_sends_later(
    recorder, monkeypatch
):
    def queue_down(message_id: str) -> None:
        raise ConnectionError("queue unreachable")

    monkeypatch.setattr(tasks, "outbox_dispatch_task", queue_down)
    message = committed()
    assert reload(message).status == Status.PENDING
    assert tasks.outbox_dispatch_due_task.call_local() == 1
    assert recorder.sent == [message.pk]


def test_it_writes_one_json_line_per_message_with_the_file_backend(db, settings, tmp_path):
    settings.RUHU_SMS_BACKEND = "file"
    settings.RUHU_OUTBOX_FILE = str(tmp_path / "out" / "outbox.jsonl")
    first, second = enqueue(subject="通知"), enqueue(recipient="139 1234 5678", body="第二条")
    assert outbox_dispatch_due() == 2
    lines = (tmp_path / "out" / "outbox.jsonl").read_text(encoding="utf-8").splitlines()
    rows = sorted((json.loads(line) for line in lines), key=lambda row: row["body"])
    assert rows == sorted(
        [
            {
                "id": str(first.pk),
                "channel": "sms",
                "to": E164,
                "subject": "通知",
                "body": first.body,
            },
            {
                "id": str(second.pk),
                "channel": "sms",
                "to": "+8613912345678",
                "subject": "",
                "body": "第二条",
            },
        ],
        key=lambda row: row["body"],
    )
    assert reload(first).provider_ref == f"file:{first.pk}"


def test_it_masks_the_recipient_with_the_console_backend(db, settings, caplog, capsys):
    settings.RUHU_SMS_BACKEND = "console"
    caplog.set_level("DEBUG")
    message = enqueue(body=f"请回电 {PHONE}")
    assert outbox_dispatch(message.pk) is True
    out = capsys.readouterr().out
    assert "138****8000" in out
    assert PHONE not in out
    assert PHONE not in caplog.text and E164 not in caplog.text
    assert str(message.pk) in caplog.text


class Gateway:
    """A tiny SMS gateway on the loopback interface that answers with scripted statuses."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.statuses: list[int] = []
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers["Content-Length"])
                gateway.requests.append(
                    {
                        "path": self.path,
                        "headers": dict(self.headers),
                        "body": json.loads(self.rfile.read(length)),
                    }
                )
                status = gateway.statuses.pop(0) if gateway.statuses else 200
                payload = json.dumps({"id": f"gw-{len(gateway.requests)}"}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sms/send"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Gateway:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


@pytest.fixture
def gateway(settings, monkeypatch):
    for name in (
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "http_proxy",
        "https_proxy",
        "all_proxy",
    ):
        monkeypatch.delenv(name, raising=False)
    with Gateway() as server:
        settings.RUHU_SMS_BACKEND = "http"
        settings.RUHU_SMS_GATEWAY_URL = server.url
        settings.RUHU_SMS_GATEWAY_TOKEN = "gw-secret"
        yield server


def test_it_posts_to_the_gateway_with_token_and_idempotency_key(db, gateway):
    message = enqueue(subject="安检通知")
    assert outbox_dispatch(message.pk) is True
    (request,) = gateway.requests
    assert request["path"] == "/sms/send"
    assert request["headers"]["Authorization"] == "Bearer gw-secret"
    assert request["headers"]["Idempotency-Key"] == str(message.pk)
    assert request["headers"]["Content-Type"] == "application/json"
    assert request["body"] == {
        "id": str(message.pk),
        "channel": "sms",
        "to": E164,
        "subject": "安检通知",
        "body": message.body,
    }
    assert reload(message).provider_ref == "gw-1"


def test_it_omits_the_authorization_header_without_a_token(db, gateway, settings):
    settings.RUHU_SMS_GATEWAY_TOKEN = ""
    outbox_dispatch(enqueue().pk)
    assert "Authorization" not in gateway.requests[0]["headers"]


def test_it_retries_when_the_gateway_answers_500(db, gateway, caplog):
    gateway.statuses = [500]
    with time_machine.travel(START, tick=False) as traveller:
        message = enqueue()
        assert outbox_dispatch(message.pk) is False
        failed = reload(message)
        assert (failed.status, failed.attempts) == (Status.PENDING, 1)
        assert failed.last_error == "网关返回 HTTP 500"
        traveller.shift(dt.timedelta(seconds=30))
        assert outbox_dispatch_due() == 1
    assert reload(message).status == Status.SENT
    keys = {request["headers"]["Idempotency-Key"] for request in gateway.requests}
    assert keys == {str(message.pk)}
    assert len(gateway.requests) == 2
    assert PHONE not in caplog.text and E164 not in caplog.text


def test_it_retries_when_the_gateway_is_unreachable(db, settings):
    with socket.socket() as probe:  # a loopback port that nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.RUHU_SMS_BACKEND = "http"
    settings.RUHU_SMS_GATEWAY_URL = f"http://127.0.0.1:{port}/sms/send"
    message = enqueue()
    assert outbox_dispatch(message.pk) is False
    failed = reload(message)
    assert failed.status == Status.PENDING
    assert failed.last_error == "网关不可达 (ConnectError)"


@pytest.mark.django_db(transaction=True)
def test_it_runs_through_the_configured_queue_storage(settings, tmp_path):
    """Not immediate mode: SQLite storage on one CI leg, Redis on the other."""
    settings.RUHU_SMS_BACKEND = "file"
    settings.RUHU_OUTBOX_FILE = str(tmp_path / "outbox.jsonl")
    HUEY.immediate = False
    try:
        HUEY.flush()
        message = committed()
        assert reload(message).status == Status.PENDING
        task = HUEY.dequeue()
        assert task is not None
        assert task.name.endswith("outbox_dispatch_task")
        HUEY.execute(task)
        assert reload(message).status == Status.SENT
        assert HUEY.dequeue() is None
    finally:
        HUEY.flush()
        HUEY.immediate = True
    (line,) = (tmp_path / "outbox.jsonl").read_text(encoding="utf-8").splitlines()
    assert json.loads(line)["id"] == str(message.pk)
