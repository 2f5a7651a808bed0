from __future__ import annotations

import csv
import io

from django.core.files.uploadedfile import SimpleUploadedFile

from ruhu.common.models import ImportJob
from ruhu.premises.models import Household
from tests.conftest import login
from tests.premises.test_import import BAD, GOOD, HEADER


def csv_upload(rows, name="h.csv"):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return SimpleUploadedFile(name, buffer.getvalue().encode("utf-8"), content_type="text/csv")


def test_it_imports_an_uploaded_file_in_the_background(
    client, bob, org, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    login(client, bob)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/households/import/", {"file": csv_upload(GOOD), "branch": org.a.pk, "mode": "all"}
        )
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/households/import/{job.pk}/"
    job.refresh_from_db()  # the job ran after commit, inline (tests run jobs immediately)
    assert job.status == ImportJob.Status.DONE and job.inserted == 3 and job.rows_total == 3
    assert Household.objects.filter(branch=org.a).count() == 3
    status = client.get(f"/households/import/{job.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert "hx-trigger" not in status  # finished: no more polling
    assert 'data-testid="import-inserted">3<' in status


def test_it_offers_the_report_of_rejected_rows(
    client, bob, org, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    login(client, bob)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/households/import/",
            {"file": csv_upload(GOOD + BAD), "branch": org.a.pk, "mode": "all"},
        )
    job = ImportJob.objects.get()
    assert job.rejected == 3 and not job.written
    assert not Household.objects.exists()
    report = client.get(f"/households/import/{job.pk}/report/")
    lines = b"".join(report.streaming_content).decode("utf-8-sig").splitlines()
    assert lines[0] == "line,column,reason" and len({line.split(",")[0] for line in lines[1:]}) == 3


def test_it_refuses_another_branch_and_other_file_types(client, bob, org, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    login(client, bob)
    other = client.post(
        "/households/import/", {"file": csv_upload(GOOD), "branch": org.b.pk, "mode": "all"}
    )
    assert other.status_code == 422
    exe = client.post(
        "/households/import/",
        {"file": SimpleUploadedFile("h.exe", b"MZ..."), "branch": org.a.pk, "mode": "all"},
    )
    assert exe.status_code == 422
    assert not ImportJob.objects.exists()


def test_it_hides_imports_from_other_branches_and_from_inspectors(
    client, bob, bella, charlie, org, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    login(client, bob)
    client.post(
        "/households/import/", {"file": csv_upload(GOOD), "branch": org.a.pk, "mode": "all"}
    )
    job = ImportJob.objects.get()
    client.logout()
    login(client, bella)
    assert client.get(f"/households/import/{job.pk}/").status_code == 404
    client.logout()
    login(client, charlie)
    assert client.get("/households/import/").status_code == 403


def test_a_second_run_of_the_same_job_does_nothing(bob, org, settings, tmp_path):
    from ruhu.premises.services import import_job_create, import_job_run

    settings.MEDIA_ROOT = tmp_path
    job = import_job_create(acting_user=bob, branch=org.a, mode="all", upload=csv_upload(GOOD))
    import_job_run(job_id=job.pk)
    again = import_job_run(job_id=job.pk)
    assert again.inserted == 3 and Household.objects.count() == 3


def test_the_job_page_lists_the_rejected_rows_it_reports(
    client, bob, org, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    login(client, bob)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/households/import/",
            {"file": csv_upload(GOOD + BAD), "branch": org.a.pk, "mode": "valid"},
        )
    job = ImportJob.objects.get()
    assert (job.inserted, job.rejected, job.written) == (3, 3, True)
    assert job.error_count >= job.rejected
    page = client.get(f"/households/import/{job.pk}/").content.decode()
    assert 'data-testid="import-errors"' in page and page.count("<tr><td") == job.error_count
    assert "正确的行已写入，错误行未导入" in page


def test_a_file_refused_whole_fails_its_job_visibly(
    client, bob, org, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    login(client, bob)
    old_excel = SimpleUploadedFile("h.csv", b"\xd0\xcf\x11\xe0" + b"\x00" * 64)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/households/import/", {"file": old_excel, "branch": org.a.pk, "mode": "all"})
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.FAILED and not job.file
    status = client.get(f"/households/import/{job.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert 'data-testid="import-failed"' in status and "不支持 Excel 97-2003" in status
    assert "hx-trigger" not in status
    assert not Household.objects.exists()
