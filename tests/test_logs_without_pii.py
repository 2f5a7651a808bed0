"""No phone or ID number in any log line or URL: a real `ruhu serve` is searched by phone and
ID through the pages and the API (and probed the old ways), then everything it wrote —
its output and every file under its var/ folder — is searched for the numbers.
"""

from __future__ import annotations

import http.cookiejar
import json
import logging
import re
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from types import SimpleNamespace

import pytest
from gunicorn.config import Config

from ruhu.common.access_log import MaskingLogger
from ruhu.common.logging import RedactPiiFilter, redact
from tests.test_cli_serve import RUHU, _free_port, migrated  # noqa: F401 (a fixture)

PHONE, ID_NUMBER, STAFF_PHONE = "13912345671", "110101198001011232", "13812348000"
PASSWORD = "correct-horse-battery-9"
SEED = f"""
from ruhu.accounts.models import User
from ruhu.accounts.services import org_unit_create, user_create
from ruhu.premises.services import household_create
company = org_unit_create(acting_user=None, kind="company", code="acme", name="示范燃气")
branch = org_unit_create(acting_user=None, kind="branch", code="a", name="东城", parent=company)
user_create(acting_user=None, username="bob", full_name="Bob", role="manager", org_unit=branch,
            password="{PASSWORD}", phone="{STAFF_PHONE}")
household_create(acting_user=None, branch=branch, account_no="A000001", name="王伟",
                 category="residential", phone="{PHONE}", id_number="{ID_NUMBER}")
"""


class Browser:
    """Cookies, CSRF and redirects, as a browser would handle them."""

    def __init__(self, base: str):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def csrf(self) -> str:
        return next(c.value for c in self.jar if c.name == "csrftoken")

    def open(self, path: str, data=None, headers=None, json_body=None):
        headers = dict(headers or {})
        body = None
        if json_body is not None:
            body = json.dumps(json_body).encode()
            headers |= {"Content-Type": "application/json", "X-CSRFToken": self.csrf()}
        elif data is not None:
            body = urllib.parse.urlencode({**data, "csrfmiddlewaretoken": self.csrf()}).encode()
        request = urllib.request.Request(self.base + path, data=body, headers=headers)
        try:
            with self.opener.open(request, timeout=20) as response:
                return response.status, response.geturl(), response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.geturl(), error.read().decode()


class ServerOutput:
    """What the server prints, drained by a thread as it comes, so a test can wait for a line
    before stopping the server (on a busy machine its job consumer starts last)."""

    def __init__(self, proc: subprocess.Popen):
        self._lines: list[str] = []
        self._reader = threading.Thread(target=self._drain, args=(proc.stdout,), daemon=True)
        self._reader.start()

    def _drain(self, pipe) -> None:
        for line in iter(pipe.readline, b""):
            self._lines.append(line.decode(errors="replace"))

    def wait_for(self, text: str, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while text not in "".join(self._lines) and time.monotonic() < deadline:
            time.sleep(0.2)

    def text(self) -> str:
        self._reader.join(timeout=30)  # the pipe closes when the server has exited
        return "".join(self._lines)


def _wait_until_up(browser: Browser) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if browser.open("/accounts/login/")[0] == 200:
                return
        except OSError:
            time.sleep(0.3)
    raise AssertionError("ruhu serve did not come up")


def _search_every_way(browser: Browser) -> list[str]:
    """Search by phone and ID through pages and API; return the URLs the browser ended on."""
    status, _, _ = browser.open("/accounts/login/", {"username": "bob", "password": PASSWORD})
    assert status == 200  # followed to the home page
    landed = []
    for path, term in [
        ("/households/", PHONE),
        ("/households/", ID_NUMBER),
        ("/households/", "139 1234 5671"),
        ("/staff/", STAFF_PHONE),
    ]:
        status, url, body = browser.open(path, {"q": term, "category": ""})
        assert status == 200 and "?s=" in url, url
        landed.append(url)
        if path == "/households/":
            assert "A000001" in body
    # an old link with the number in it still lands on a handle URL
    status, url, body = browser.open(f"/households/?q={PHONE}", headers={"Referer": url})
    assert "A000001" in body
    landed.append(url)
    for term in (PHONE, ID_NUMBER):
        status, _, body = browser.open("/api/v1/households/search", json_body={"q": term})
        assert status == 200 and json.loads(body)["count"] == 1
    status, _, body = browser.open("/api/v1/staff/search", json_body={"q": STAFF_PHONE})
    assert json.loads(body)["count"] == 1
    assert browser.open(f"/api/v1/households?q={ID_NUMBER}")[0] == 422
    assert browser.open(f"/api/v1/staff?q={STAFF_PHONE}")[0] == 422
    assert browser.open(f"/{PHONE}/", headers={"Referer": "/x/?tel=010+8765+4321"})[0] == 404
    return landed


def test_it_writes_no_phone_or_id_number_in_any_log_or_url(migrated, tmp_path):  # noqa: F811
    subprocess.run([*RUHU, "shell", "-c", SEED], env=migrated, check=True, timeout=120)
    port = _free_port()
    proc = subprocess.Popen(
        [*RUHU, "serve", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
        env=migrated,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    printed = ServerOutput(proc)
    try:
        browser = Browser(f"http://127.0.0.1:{port}")
        _wait_until_up(browser)
        landed = _search_every_way(browser)
        printed.wait_for("INFO huey.consumer")  # the consumer may start after the searches
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    output = printed.text()
    assert '"POST /households/ HTTP/1.1" 303' in output  # the access log was captured
    assert "GET /households/?q=[redacted] HTTP/1.1" in output
    assert "Not Found: /[redacted]/" in output
    assert "INFO huey.consumer" in output and "INFO:huey" not in output  # through our filter
    numbers = [PHONE, ID_NUMBER, STAFF_PHONE, "1234+5671", "87654321", "8765+4321"]
    for url in landed:
        assert not [n for n in numbers if n in urllib.parse.unquote_plus(url)], url
    assert not [n for n in numbers if n in output], output
    for path in tmp_path.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert not [n for n in numbers[:3] if n.encode() in data], path


def _request(uri: str, referer: str = "-"):
    path, _, query = uri.partition("?")
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": uri,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_REFERER": referer,
    }
    response = SimpleNamespace(status="200 OK", sent=1234567, headers=[])
    request = SimpleNamespace(headers=[("REFERER", referer)])
    return response, request, environ


@pytest.mark.parametrize(
    ("uri", "shown"),
    [
        ("/households/?q=13912345671&page=2", "/households/?q=[redacted]&page=2"),
        ("/households/?q=139+1234+5671", "/households/?q=[redacted]"),
        ("/staff/?q=010-87654321", "/staff/?q=010-[redacted]"),
        ("/staff/?q=123456", "/staff/?q=[redacted]"),
        ("/x/?day=2026-11-27&page=12345", "/x/?day=2026-11-27&page=12345"),
        ("/households/1234567/", "/households/1234567/"),  # ids stay readable
        ("/11010119800101123X/", "/[redacted]/"),
    ],
)
def test_gunicorns_access_line_masks_numbers_in_the_request_and_referer(uri, shown):
    cfg = Config()
    cfg.set("accesslog", "-")
    cfg.set("access_log_format", '"%(r)s" %(U)s %(q)s "%(f)s" %({referer}i)s %(b)s')
    logger = MaskingLogger(cfg)
    records = []
    handler = logging.Handler()
    handler.emit = records.append
    logger.access_log.addHandler(handler)
    try:
        logger.access(
            *_request(uri, referer=f"http://h{uri}"), SimpleNamespace(seconds=0, microseconds=5)
        )
    finally:
        logger.access_log.removeHandler(handler)
    line = records[0].getMessage()
    path, _, query = shown.partition("?")
    assert (
        line == f'"GET {shown} HTTP/1.1" {path} {query} "http://h{shown}" http://h{shown} 1234567'
    )


def test_gunicorns_error_log_masks_the_uri_of_a_failed_request():
    logger = MaskingLogger(Config())
    assert any(isinstance(f, RedactPiiFilter) for f in logger.error_log.filters)
    logger.setup(Config())  # a configuration reload adds no second filter
    assert sum(isinstance(f, RedactPiiFilter) for f in logger.error_log.filters) == 1


@pytest.mark.parametrize(
    "name", ["django.request", "django.server", "django.security", "ruhu", "huey.consumer"]
)
def test_every_handler_a_django_record_reaches_masks_it(name):
    """Django's defaults give "django" and "django.server" unfiltered handlers of their own,
    and `run_huey` one to "huey" unless it has one already."""
    pytest_handlers = ("LogCaptureHandler", "_LiveLoggingNullHandler", "_FileHandler")
    logger, reached = logging.getLogger(name), []
    while logger:
        reached += [h for h in logger.handlers if type(h).__name__ not in pytest_handlers]
        logger = logger.parent if logger.propagate else None
    assert reached
    assert all(any(isinstance(f, RedactPiiFilter) for f in h.filters) for h in reached)


def test_the_filter_masks_request_lines_and_tracebacks():
    record = logging.LogRecord(
        "django.server", logging.INFO, __file__, 1, '"%s" %s %s',
        ("GET /households/?q=0571+8765+4321 HTTP/1.1", 200, 5), None,
    )  # fmt: skip
    try:
        int(f"x{PHONE}")
    except ValueError:
        record.exc_info = sys.exc_info()
    RedactPiiFilter().filter(record)
    text = logging.Formatter().format(record)
    assert '"GET /households/?q=[redacted] HTTP/1.1" 200 5' in text
    assert "ValueError" in text and PHONE not in text
    assert redact("order 2026112700001 and /a/?b=2026112700001") == (
        "order 2026112700001 and /a/?b=[redacted]"
    )
    assert re.search(r"\[redacted\]", redact("+86 139-1234-5671"))
