"""Household import jobs made before the one import-job table move into it whole: their
counts, files and reports, and the audit events about them still find them."""

from __future__ import annotations

import uuid

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from ruhu.common.models import AuditEvent, ImportJob
from ruhu.common.selectors import audit_for_object
from ruhu.premises.selectors import import_job_get, import_job_list

BEFORE = [("premises", "0008_add_special_site_cycle")]


def migrate(targets=None) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.migrate(targets or executor.loader.graph.leaf_nodes())
    ContentType.objects.clear_cache()
    return executor


@pytest.mark.django_db(transaction=True)
def test_it_carries_household_jobs_and_their_audit_trail_into_the_common_table(org, bob, bella):
    job_id = uuid.uuid4()
    try:
        old_apps = migrate(BEFORE).loader.project_state(BEFORE).apps
        old_job = old_apps.get_model("premises", "ImportJob")
        old_job.objects.create(
            id=job_id, branch_id=org.a.pk, mode="valid", file="", file_name="客户.csv",
            status="done", rows_total=5, rows_read=5, inserted=3, updated=1, rejected=1,
            written=True, report=f"imports/{job_id}/report.csv", created_by_id=bob.pk,
        )  # fmt: skip
        AuditEvent.objects.create(
            action="household.import_queued",
            target_type=ContentType.objects.get(app_label="premises", model="importjob"),
            target_id=str(job_id),
            branch=org.a,
        )
    finally:
        migrate()

    job = ImportJob.objects.get(pk=job_id)
    assert (job.kind, job.branch, job.created_by, job.file_name) == (
        "household",
        org.a,
        bob,
        "客户.csv",
    )
    assert (job.rows_read, job.inserted, job.updated, job.rejected, job.error_count) == (
        5,
        3,
        1,
        1,
        1,
    )
    assert (job.status, job.written, job.report.name) == (
        "done",
        True,
        f"imports/{job_id}/report.csv",
    )
    assert list(import_job_list(acting_user=bob)) == [job]
    assert import_job_get(acting_user=bob, pk=job_id) == job
    assert not import_job_list(acting_user=bella).exists()  # still branch A's
    [event] = audit_for_object(target=job)
    assert event.action == "household.import_queued"
    assert not ContentType.objects.filter(app_label="premises", model="importjob").exists()


@pytest.mark.django_db(transaction=True)
def test_it_carries_them_back_when_reversed(org, bob):
    job = ImportJob.objects.create(
        kind="household", branch=org.a, mode="all", file_name="h.csv", created_by=bob
    )
    facility_job = ImportJob.objects.create(
        kind="facility", branch=org.a, mode="all", file_name="f.csv", created_by=bob
    )
    try:
        old_apps = migrate(BEFORE).loader.project_state(BEFORE).apps
        old_job = old_apps.get_model("premises", "ImportJob")
        assert list(old_job.objects.values_list("id", "file_name")) == [(job.pk, "h.csv")]
        assert list(ImportJob.objects.values_list("pk", flat=True)) == [facility_job.pk]
    finally:
        migrate()
    assert set(ImportJob.objects.values_list("kind", flat=True)) == {"household", "facility"}
