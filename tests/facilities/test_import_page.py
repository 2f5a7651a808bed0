"""The registry upload page: the file becomes an import job that runs in the background,
its page shows the progress, the counts and every rejected row, and its report of
rejected rows downloads, for the people of its branch who may import."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.cache import caches
from django.core.files.uploadedfile import SimpleUploadedFile

from ruhu.common.importing.jobs import IMPORT_INTERRUPTED, import_jobs_sweep, import_progress_key
from ruhu.common.models import AuditEvent, ImportJob
from ruhu.facilities.models import Facility
from ruhu.facilities.services import importing
from ruhu.facilities.services.importing import (
    facility_import,
    facility_import_job_create,
    facility_import_job_run,
)
from tests.conftest import login
from tests.facilities.test_import import EN, GOOD, ZH, row, write_csv


@pytest.fixture(autouse=True)
def _folders(settings, tmp_path, clock):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.VAR_DIR = tmp_path / "var"


def upload(rows, header=EN, name="台账.csv", encoding="utf-8"):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return SimpleUploadedFile(name, buffer.getvalue().encode(encoding), content_type="text/csv")


@pytest.fixture
def post(client, django_capture_on_commit_callbacks):
    """Upload as the logged-in user; the job runs after commit, as the worker would."""

    def post(rows, header=EN, **data):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                "/facilities/import/", {"file": upload(rows, header), "mode": "all", **data}
            )
        return response

    return post


def page(client, job, *, polled=False) -> str:
    headers = {"HTTP_HX_REQUEST": "true"} if polled else {}
    response = client.get(f"/facilities/import/{job.pk}/", **headers)
    assert response.status_code == 200
    return response.content.decode()


def report_rows(client, job) -> list[list[str]]:
    response = client.get(f"/facilities/import/{job.pk}/report/")
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_lena_uploads_a_file_and_follows_its_job_to_the_counts(client, post, org, lena):
    login(client, lena)
    form = client.get("/facilities/import/").content.decode()
    assert 'name="branch"' not in form and "东城项目公司" in form  # her own branch
    response = post(GOOD, ZH)
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/facilities/import/{job.pk}/"
    assert (job.kind, job.branch, job.created_by, job.file_name) == (
        "facility",
        org.a,
        lena,
        "台账.csv",
    )
    assert (job.status, job.rows_total, job.rows_read, job.inserted) == ("done", 4, 4, 4)
    assert Facility.objects.filter(branch=org.a).count() == 4
    status = page(client, job, polled=True)
    assert "hx-trigger" not in status  # finished: no more polling
    assert 'data-testid="import-inserted">4<' in status and 'data-testid="import-written"' in status
    assert "下载错误报告" not in status and not job.report
    assert f"/facilities/import/{job.pk}/" in client.get("/facilities/import/").content.decode()
    assert client.get(f"/facilities/import/{job.pk}/report/").status_code == 404


def test_a_running_job_polls_for_the_rows_checked_so_far(client, org, lena):
    job = ImportJob.objects.create(
        kind="facility", branch=org.a, mode="all", file_name="台账.csv", created_by=lena,
        status=ImportJob.Status.RUNNING, rows_total=1000,
    )  # fmt: skip
    caches["progress"].set(import_progress_key(job.pk), 400)
    login(client, lena)
    status = page(client, job, polled=True)
    assert 'hx-trigger="every 1s"' in status and f'hx-get="/facilities/import/{job.pk}/"' in status
    assert 'value="40"' in status and "已读取 400 / 约 1000 行" in status


def test_the_import_tells_its_progress_as_it_checks_rows(org, lena, tmp_path, monkeypatch):
    monkeypatch.setattr(importing, "PROGRESS_EVERY", 2)
    heard: list[int] = []
    rows = [row(f"TYX-{n}") for n in range(5)]
    facility_import(
        acting_user=lena, path=write_csv(tmp_path / "f.csv", rows), progress=heard.append
    )
    assert heard == [2, 4, 5]


def test_the_job_lists_every_rejected_row_and_its_report_holds_them(client, post, org, lena):
    login(client, lena)
    post([*GOOD, row("TYX-BAD", kind="调压站"), row("TYX-001")], mode="valid")
    job = ImportJob.objects.get()
    assert (job.inserted, job.rejected, job.error_count, job.written) == (4, 2, 2, True)
    status = page(client, job)
    assert (
        'data-testid="import-inserted">4<' in status
        and 'data-testid="import-rejected">2<' in status
    )
    assert "正确的行已写入，错误行未导入" in status and "共 2 个错误" in status
    assert '类型 <span class="muted">kind</span>' in status  # the column's label
    assert "未知的设施类型" in status and "编号 TYX-001 与第 2 行重复" in status
    assert "下载错误报告" in status
    assert report_rows(client, job) == [
        ["line", "column", "reason"],
        ["6", "kind", "未知的设施类型，应为 调压箱、阀井、阀室 或 调压柜"],
        ["7", "code", "编号 TYX-001 与第 2 行重复"],
    ]


def test_mode_all_writes_no_row_when_one_is_bad_and_says_so(client, post, org, lena):
    login(client, lena)
    post([*GOOD, row("TYX-BAD", latitude="91")])
    job = ImportJob.objects.get()
    assert (job.status, job.inserted, job.rejected, job.written) == ("done", 0, 1, False)
    assert not Facility.objects.exists()
    status = page(client, job)
    assert 'data-testid="import-nothing-written"' in status and "应在 -90 到 90 之间" in status


def test_the_page_caps_its_table_and_points_to_the_report(client, post, org, lena):
    login(client, lena)
    post([row(f"T-{n}", kind="?", location="") for n in range(300)])
    job = ImportJob.objects.get()
    status = page(client, job)
    assert status.count("<tr><td") == 500 and "共 600 个错误，这里列出前 500 个" in status
    assert len(report_rows(client, job)) == 601


def test_another_branchs_job_and_a_household_job_answer_404(client, post, org, lena, bella, alice):
    login(client, lena)
    post([row(kind="?")])
    job = ImportJob.objects.get()
    household_job = ImportJob.objects.create(
        kind="household", branch=org.a, mode="all", file_name="h.csv", created_by=lena
    )
    assert client.get(f"/facilities/import/{household_job.pk}/").status_code == 404
    client.logout()
    login(client, bella)
    assert client.get(f"/facilities/import/{job.pk}/").status_code == 404
    assert client.get(f"/facilities/import/{job.pk}/report/").status_code == 404
    assert f"{job.pk}" not in client.get("/facilities/import/").content.decode()
    client.logout()
    login(client, alice)  # head office sees every branch's
    assert client.get(f"/facilities/import/{job.pk}/report/").status_code == 200


def test_a_file_refused_whole_fails_its_job_with_the_reason(client, post, org, lena, tmp_path):
    login(client, lena)
    post(GOOD, ["编号", "类型"])
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.FAILED and not job.file
    status = page(client, job, polled=True)
    assert 'data-testid="import-failed"' in status and "缺少必需的列：location（位置）" in status
    assert "hx-trigger" not in status
    assert not Facility.objects.exists()
    assert not [p for p in (tmp_path / "media").rglob("*") if p.is_file()]  # the upload is gone


def test_a_file_of_another_type_is_refused_at_the_upload(client, org, lena):
    login(client, lena)
    wrong = client.post(
        "/facilities/import/", {"file": SimpleUploadedFile("a.pdf", b"%PDF-1.4"), "mode": "all"}
    )
    assert wrong.status_code == 422 and "请上传 CSV 或 XLSX 文件" in wrong.content.decode()
    assert not ImportJob.objects.exists()


def test_a_job_that_crashes_is_marked_failed_on_its_page(client, org, lena, monkeypatch):
    def crash(**_kwargs):
        raise RuntimeError("the worker ran out of memory")

    monkeypatch.setattr(importing, "facility_import", crash)
    job = facility_import_job_create(acting_user=lena, mode="all", upload=upload(GOOD))
    with pytest.raises(RuntimeError):
        facility_import_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert (job.status, job.message, bool(job.file)) == ("failed", IMPORT_INTERRUPTED, False)
    login(client, lena)
    assert IMPORT_INTERRUPTED in page(client, job)
    assert facility_import_job_run(job_id=job.pk).status == "failed"  # not run again


def test_head_office_chooses_the_branch(client, post, org, alice):
    login(client, alice)
    missing = post(GOOD)
    assert missing.status_code == 422 and "请选择分公司" in missing.content.decode()
    post(GOOD, branch=org.b.pk)
    assert ImportJob.objects.get().branch == org.b
    assert Facility.objects.filter(branch=org.b).count() == 4


def test_branch_staff_import_only_into_their_branch(org, lena):
    with pytest.raises(Exception, match="只能导入到本分公司"):
        facility_import_job_create(acting_user=lena, branch=org.b, mode="all", upload=upload(GOOD))
    assert not ImportJob.objects.exists()


def test_an_inspector_may_not_import(client, org, lena, charlie):
    job = facility_import_job_create(acting_user=lena, mode="all", upload=upload(GOOD))
    login(client, charlie)
    assert client.get("/facilities/import/").status_code == 403
    refused = client.post("/facilities/import/", {"file": upload(GOOD), "mode": "all"})
    assert refused.status_code == 403
    assert client.get(f"/facilities/import/{job.pk}/").status_code == 403
    assert client.get(f"/facilities/import/{job.pk}/report/").status_code == 403
    assert ImportJob.objects.count() == 1 and not Facility.objects.exists()


def test_each_step_of_a_job_is_audited_under_the_facility_import(post, client, org, lena, clock):
    login(client, lena)
    post(GOOD)
    stale = facility_import_job_create(acting_user=lena, mode="all", upload=upload(GOOD))
    clock.shift(7 * 3600)
    assert import_jobs_sweep() == 1
    events = AuditEvent.objects.filter(action__startswith="facility.").order_by("pk")
    actions = list(events.values_list("action", flat=True))
    assert actions == [
        "facility.import_queued", "facility.import", "facility.import_queued",
        "facility.import_expired",
    ]  # fmt: skip
    stale.refresh_from_db()
    assert stale.status == "failed" and not stale.file


def test_the_template_has_the_chinese_header(client, org, lena):
    from ruhu.facilities.importing import header_columns

    login(client, lena)
    response = client.get("/facilities/import/template.csv")
    text = response.content.decode("utf-8-sig")
    assert text.startswith("编号,类型,名称,位置")
    assert header_columns(next(csv.reader(io.StringIO(text)))) == EN  # the import reads it
