"""The registry import's files: the upload waits only as long as its job, the working
copy is private and gone when the job ends, and the report is 0600 in a 0700 folder and
masks the numbers it quotes."""

from __future__ import annotations

import csv
import io
import stat
from pathlib import Path

import pytest

from ruhu.common.models import ImportJob
from tests.conftest import login
from tests.facilities.test_import import GOOD, row
from tests.facilities.test_import_page import upload

PHONE = "13912345678"


@pytest.fixture(autouse=True)
def _folders(settings, tmp_path, clock):
    settings.VAR_DIR = tmp_path / "var"
    settings.MEDIA_ROOT = tmp_path / "media"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_report_is_private_and_masks_a_phone_it_quotes(
    client, org, lena, tmp_path, django_capture_on_commit_callbacks
):
    login(client, lena)
    rows = [*GOOD, row(PHONE), row(PHONE)]  # a code shaped like a mobile number, repeated
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/facilities/import/", {"file": upload(rows), "mode": "all"})
    job = ImportJob.objects.get()
    report = Path(job.report.path)
    assert report == tmp_path / "media" / "imports" / str(job.pk) / "report.csv"
    assert (mode(report.parent), mode(report)) == (0o700, 0o600)
    text = report.read_text(encoding="utf-8-sig")
    assert PHONE not in text and ["7", "code", "编号 139****5678 与第 6 行重复"] in list(
        csv.reader(io.StringIO(text))
    )
    page = client.get(f"/facilities/import/{job.pk}/").content.decode()
    assert PHONE not in page and "编号 139****5678 与第 6 行重复" in page
    # the upload went with the job, its working copy with the run: only the report stays
    assert list((tmp_path / "var" / "tmp").iterdir()) == []
    assert [p for p in (tmp_path / "media").rglob("*") if p.is_file()] == [report]
