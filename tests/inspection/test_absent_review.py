"""Absent reports: which ones a reviewer checks, and what a successful review costs."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from ruhu.accounts.roles import Role
from ruhu.common.errors import IllegalTransition, NotFound, PermissionRefused
from ruhu.common.policy import policy_set
from ruhu.inspection.models import AbsentReview, MeterReading, PerformanceDeduction
from ruhu.inspection.selectors import review_queue
from ruhu.inspection.services import visit_submit
from tests.conftest import make_user
from tests.inspection.visiting import absent, inspected


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def rita(org):
    return make_user("rita", Role.REVIEWER, org.a)


@pytest.fixture
def no_sampling(org):
    policy_set(
        acting_user=None, key="inspection.absent_review_share", value=0,
        effective_from=dt.date(2000, 1, 1), branch=org.a,
    )  # fmt: skip


def readings_file(tmp_path, rows: str):
    path = tmp_path / "readings.csv"
    path.write_text("account,date,reading\n" + rows, encoding="utf-8")
    return path


def test_an_absent_report_after_a_recent_meter_reading_is_always_reviewed(
    charlie, household_a, rita, no_sampling, tmp_path
):
    read_on = timezone.localdate() - dt.timedelta(days=3)
    call_command("import-meter-readings", readings_file(tmp_path, f"A000001,{read_on},88.1\n"))
    assert str(MeterReading.objects.get().reading) == "88.100"
    visit, _ = visit_submit(acting_user=charlie, payload=absent(charlie, household_a))
    queued = review_queue(acting_user=rita).get()
    assert queued.absent_visit == visit and queued.reason == "meter_read"


def test_without_a_reading_and_with_no_sampling_nothing_is_queued(
    charlie, household_a, rita, no_sampling
):
    visit_submit(acting_user=charlie, payload=absent(charlie, household_a))
    assert not review_queue(acting_user=rita).exists()


def test_the_policy_share_picks_absent_reports(charlie, household_a, rita, org):
    policy_set(
        acting_user=None, key="inspection.absent_review_share", value=1,
        effective_from=dt.date(2000, 1, 1), branch=org.a,
    )  # fmt: skip
    visit_submit(acting_user=charlie, payload=absent(charlie, household_a))
    assert review_queue(acting_user=rita).get().reason == "sample"


def test_a_reviewer_who_gets_in_costs_the_inspector_points(charlie, household_a, rita, org):
    policy_set(
        acting_user=None, key="inspection.absent_review_share", value=1,
        effective_from=dt.date(2000, 1, 1), branch=org.a,
    )  # fmt: skip
    original, _ = visit_submit(acting_user=charlie, payload=absent(charlie, household_a))
    with pytest.raises(PermissionRefused):  # an inspector does not review absent reports
        visit_submit(
            acting_user=charlie,
            payload=inspected(charlie, household_a, reviewed_visit_id=str(original.pk)),
        )
    review, _ = visit_submit(
        acting_user=rita, payload=inspected(rita, household_a, reviewed_visit_id=str(original.pk))
    )
    queued = AbsentReview.objects.get()
    assert queued.status == "entered" and queued.review_visit == review
    deduction = PerformanceDeduction.objects.get()
    assert (deduction.inspector, deduction.points, deduction.absent_visit) == (charlie, 2, original)
    with pytest.raises(IllegalTransition):
        visit_submit(
            acting_user=rita,
            payload=inspected(rita, household_a, reviewed_visit_id=str(original.pk)),
        )


def test_a_reviewer_who_finds_nobody_confirms_the_report(charlie, household_a, rita, org):
    policy_set(
        acting_user=None, key="inspection.absent_review_share", value=1,
        effective_from=dt.date(2000, 1, 1), branch=org.a,
    )  # fmt: skip
    original, _ = visit_submit(acting_user=charlie, payload=absent(charlie, household_a))
    visit_submit(
        acting_user=rita, payload=absent(rita, household_a, reviewed_visit_id=str(original.pk))
    )
    assert AbsentReview.objects.get().status == "confirmed"
    assert not PerformanceDeduction.objects.exists()


def test_a_visit_not_in_the_queue_cannot_be_reviewed(charlie, household_a, rita, no_sampling):
    original, _ = visit_submit(acting_user=charlie, payload=absent(charlie, household_a))
    with pytest.raises(NotFound):
        visit_submit(
            acting_user=rita,
            payload=inspected(rita, household_a, reviewed_visit_id=str(original.pk)),
        )


def test_bad_reading_rows_are_reported_by_line_and_good_ones_kept(household_a, tmp_path, capsys):
    rows = "A000001,2026-11-01,12.5\nNOPE,2026-11-01,1\nA000001,11/01/2026,x\n"
    with pytest.raises(SystemExit) as exit_code:
        call_command("import-meter-readings", readings_file(tmp_path, rows))
    assert exit_code.value.code == 1
    err = capsys.readouterr().err
    assert "line 3: 户号不存在：NOPE" in err and "line 4" in err
    assert MeterReading.objects.count() == 1


def test_the_reviewer_opens_the_queue_and_the_visit_page_other_branches_get_404(
    client, charlie, household_a, rita, org
):
    policy_set(
        acting_user=None, key="inspection.absent_review_share", value=1,
        effective_from=dt.date(2000, 1, 1), branch=org.a,
    )  # fmt: skip
    original, _ = visit_submit(acting_user=charlie, payload=absent(charlie, household_a))
    client.force_login(rita)
    queue = client.get("/field/reviews/").content.decode()
    assert f"/field/reviews/{original.pk}/" in queue and "按比例抽查" in queue
    page = client.get(f"/field/reviews/{original.pk}/").content.decode()
    assert "到访不遇复核" in page and f'"reviewedVisitId": "{original.pk}"' in page
    client.force_login(make_user("rick", Role.REVIEWER, org.b))
    assert client.get(f"/field/reviews/{original.pk}/").status_code == 404
    client.force_login(charlie)
    assert client.get("/field/reviews/").status_code == 403
