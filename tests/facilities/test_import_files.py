"""The registry import's files: the upload's working copy is private and gone when the
request ends, and the report is 0600 in a 0700 folder and masks the numbers it quotes."""

from __future__ import annotations

import csv
import io
import stat
from pathlib import Path

import pytest

from tests.conftest import login
from tests.facilities.test_import import GOOD, row, upload

PHONE = "13912345678"


@pytest.fixture(autouse=True)
def _folders(settings, tmp_path, clock):
    settings.VAR_DIR = tmp_path / "var"
    settings.MEDIA_ROOT = tmp_path / "media"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_report_is_private_and_masks_a_phone_it_quotes(client, org, lena, tmp_path):
    login(client, lena)
    rows = [*GOOD, row(PHONE), row(PHONE)]  # a code shaped like a mobile number, repeated
    client.post("/facilities/import/", {"file": upload(rows), "mode": "all"})
    reports = tmp_path / "var" / "facility-import-reports"
    [report] = reports.iterdir()
    assert (mode(reports), mode(report)) == (0o700, 0o600)
    text = report.read_text(encoding="utf-8-sig")
    assert PHONE not in text and ["7", "code", "编号 139****5678 与第 6 行重复"] in list(
        csv.reader(io.StringIO(text))
    )
    page = client.get("/facilities/import/").content.decode()
    assert PHONE not in page and "编号 139****5678 与第 6 行重复" in page
    # the upload's working copy went with the request; nothing of it is under media
    assert list((tmp_path / "var" / "tmp").iterdir()) == []
    assert not (tmp_path / "media").exists()
