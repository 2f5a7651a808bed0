"""An uploaded household file lives only as long as its job: 0600 in a 0700 folder while
queued, deleted when the job ends however it ends, and swept when its worker died. The
report of bad rows masks the phone and ID numbers it quotes."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import stat
import uuid
from pathlib import Path

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile

from ruhu.common.models import AuditEvent, ImportJob
from ruhu.premises.models import Household
from ruhu.premises.services import (
    IMPORT_EXPIRED,
    IMPORT_INTERRUPTED,
    import_job_create,
    import_job_run,
    import_jobs_sweep,
    importing,
)
from tests.premises.test_import import BAD, GOOD, HEADER

START = dt.datetime(2026, 11, 27, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
PHONE, ID_NUMBER = "13912345678", "110101199003071233"


@pytest.fixture(autouse=True)
def _folders(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.VAR_DIR = tmp_path / "var"


def upload(rows, header=HEADER, name="h.csv") -> SimpleUploadedFile:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return SimpleUploadedFile(name, buffer.getvalue().encode("utf-8"), content_type="text/csv")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def media_files(tmp_path) -> list[str]:
    media = tmp_path / "media"
    return sorted(str(p.relative_to(media)) for p in media.rglob("*") if p.is_file())


def scratch_entries(tmp_path) -> list[Path]:
    scratch = tmp_path / "var" / "tmp"
    return list(scratch.iterdir()) if scratch.exists() else []


def test_the_upload_waits_0600_in_a_0700_folder_and_goes_when_the_job_is_done(bob, org, tmp_path):
    job = import_job_create(acting_user=bob, branch=org.a, mode="all", upload=upload(GOOD))
    source = Path(job.file.path)
    assert source.read_bytes().startswith(b"account_no")
    assert mode(source) == 0o600
    assert {mode(p) for p in (source.parent, source.parent.parent, tmp_path / "media")} == {0o700}
    job = import_job_run(job_id=job.pk)
    assert job.status == ImportJob.Status.DONE and job.inserted == 3
    assert not source.exists() and not source.parent.exists()
    job.refresh_from_db()
    assert not job.file and job.file_name == "h.csv"
    assert media_files(tmp_path) == [] and scratch_entries(tmp_path) == []


def test_a_job_that_fails_deletes_its_upload(bob, org, tmp_path):
    job = import_job_create(
        acting_user=bob, branch=org.a, mode="all", upload=upload(GOOD, header=["户号"])
    )
    job = import_job_run(job_id=job.pk)
    assert job.status == ImportJob.Status.FAILED and "缺少必需的列" in job.message
    assert media_files(tmp_path) == [] and scratch_entries(tmp_path) == []
    assert not ImportJob.objects.get(pk=job.pk).file


def test_a_job_that_crashes_deletes_its_upload_and_says_so(bob, org, tmp_path, monkeypatch):
    def crash(**_kwargs):
        raise RuntimeError("the worker ran out of memory")

    monkeypatch.setattr(importing, "household_import", crash)
    job = import_job_create(acting_user=bob, branch=org.a, mode="all", upload=upload(GOOD))
    with pytest.raises(RuntimeError):
        import_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert (job.status, job.message) == (ImportJob.Status.FAILED, IMPORT_INTERRUPTED)
    assert not job.file and job.finished_at is not None
    assert media_files(tmp_path) == [] and scratch_entries(tmp_path) == []


def test_the_report_masks_the_phone_and_id_numbers_it_quotes(bob, org, tmp_path):
    # account numbers shaped like a phone and an ID number, each repeated: the reason
    # quotes the account ("户号 … 与第 2 行重复")
    rows = [
        [PHONE, "王伟", "", "", "居民"] + [""] * 13,
        [PHONE, "王伟", "", "", "居民"] + [""] * 13,
        [ID_NUMBER, "李娜", "", "", "居民"] + [""] * 13,
        [ID_NUMBER, "李娜", "", "", "居民"] + [""] * 13,
        *BAD,
    ]
    job = import_job_create(acting_user=bob, branch=org.a, mode="all", upload=upload(rows))
    job = import_job_run(job_id=job.pk)
    assert job.status == ImportJob.Status.DONE and job.rejected == 5
    report = Path(job.report.path)
    assert mode(report) == 0o600 and mode(report.parent) == 0o700
    text = report.read_text(encoding="utf-8-sig")
    assert PHONE not in text and ID_NUMBER not in text
    lines = list(csv.DictReader(io.StringIO(text)))
    assert {(row["line"], row["column"], row["reason"]) for row in lines} >= {
        ("3", "account_no", "户号 139****5678 与第 2 行重复"),
        ("5", "account_no", "户号 110***********1233 与第 4 行重复"),
    }
    assert {row["line"] for row in lines} == {"3", "5", "6", "7", "8"}
    assert media_files(tmp_path) == [f"imports/{job.pk}/report.csv"]  # the upload is gone


def test_the_sweep_ends_what_a_dead_worker_left_behind(bob, org, tmp_path):
    with time_machine.travel(START, tick=False) as clock:
        stale = import_job_create(acting_user=bob, branch=org.a, mode="all", upload=upload(GOOD))
        stayed = import_job_create(acting_user=bob, branch=org.a, mode="all", upload=upload(GOOD))
        ImportJob.objects.filter(pk=stayed.pk).update(status=ImportJob.Status.DONE)
        storage = stale.file.storage
        orphan = storage.save(f"imports/{uuid.uuid4()}/h.csv", ContentFile(PHONE.encode()))
        clock.shift(dt.timedelta(hours=7))
        fresh = import_job_create(acting_user=bob, branch=org.a, mode="all", upload=upload(GOOD))
        being_made = storage.save(f"imports/{uuid.uuid4()}/h.csv", ContentFile(b"x"))
        long_ago = (START + dt.timedelta(minutes=5)).timestamp()
        os.utime(storage.path(orphan), (long_ago, long_ago))
        now = START.timestamp() + 7 * 3600
        os.utime(storage.path(being_made), (now, now))

        assert import_jobs_sweep() == 3

        stale.refresh_from_db()
        assert (stale.status, stale.message, bool(stale.file)) == (
            ImportJob.Status.FAILED,
            IMPORT_EXPIRED,
            False,
        )
        event = AuditEvent.objects.get(action="household.import_expired")
        assert event.changes == {"status": ["queued", "failed"]}
        assert not ImportJob.objects.get(pk=stayed.pk).file
        assert AuditEvent.objects.filter(action="household.import_file_removed").count() == 1
        assert ImportJob.objects.get(pk=fresh.pk).status == ImportJob.Status.QUEUED
        assert media_files(tmp_path) == sorted([fresh.file.name, being_made])
        assert import_jobs_sweep() == 0  # nothing more to do
        # the expired job cannot run later: its worker finds it failed
        assert import_job_run(job_id=stale.pk).status == ImportJob.Status.FAILED
        assert not Household.objects.exists()
