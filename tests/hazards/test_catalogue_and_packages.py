"""The catalogue as audited data, and the month-end packages (RULES B5, B6.7)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from ruhu.common.errors import PermissionRefused
from ruhu.common.models import AuditEvent, PolicyValue
from ruhu.hazards.models import HazardType, MonthlyPackage
from ruhu.hazards.services import (
    followup_call_record,
    hazard_clock_run,
    monthly_package_build,
    monthly_packages_build_due,
)
from ruhu.hazards.services.catalogue import hazard_type_save
from tests.hazards.conftest import find
from tests.pdf import pdf_text

HEATER = {"hazard_type": "direct_exhaust_heater", "item": "no_direct_exhaust", "level": 1}


@pytest.mark.django_db
def test_the_catalogue_is_seeded_with_the_ten_level_1_hazards_and_the_schedule():
    listed = HazardType.objects.exclude(listed_level1_no=None)
    assert sorted(listed.values_list("listed_level1_no", flat=True)) == list(range(1, 11))
    assert set(listed.values_list("default_level", flat=True)) == {1}
    wall = HazardType.objects.get(code="hose_through_wall")
    assert (wall.fixer, wall.schedule_row, wall.name_en) == (
        "repairer", "hose_through_wall", "Hose through a wall",
    )  # fmt: skip
    # each schedule row's working days are a policy value a branch can override
    for row in HazardType.objects.exclude(schedule_row="").values_list("schedule_row", flat=True):
        assert PolicyValue.objects.filter(key_id=f"hazard.fix_working_days.{row}").exists()


def test_a_catalogue_change_is_audited_and_needs_the_capability(alice, charlie):
    hazard_type = HazardType.objects.get(code="poor_ventilation")
    hazard_type.name_en = "Poorly ventilated gas room"
    with pytest.raises(PermissionRefused):
        hazard_type_save(acting_user=charlie, hazard_type=hazard_type)
    hazard_type_save(acting_user=alice, hazard_type=hazard_type)
    event = AuditEvent.objects.get(action="hazard_type.update")
    assert event.changes["name_en"] == ["Poor ventilation where gas is used", hazard_type.name_en]


def test_the_admin_edits_the_catalogue_and_refuses_a_bad_entry(client, alice):
    client.force_login(alice)
    hazard_type = HazardType.objects.get(code="other")
    url = f"/admin/hazards/hazardtype/{hazard_type.pk}/change/"
    form = {
        "name_zh": "其他隐患", "name_en": "Other", "default_level": 3, "fixer": "customer",
        "schedule_row": "", "listed_level1_no": 4, "active": "on", "position": 99,
    }  # fmt: skip
    refused = client.post(url, form)
    assert refused.status_code == 200 and "一级" in refused.content.decode()
    assert HazardType.objects.get(pk=hazard_type.pk).listed_level1_no is None
    assert client.post(url, {**form, "listed_level1_no": ""}).status_code == 302
    assert HazardType.objects.get(pk=hazard_type.pk).position == 99
    assert AuditEvent.objects.filter(action="hazard_type.update").count() == 1
    assert client.post(f"/admin/hazards/hazardtype/{hazard_type.pk}/delete/").status_code == 403


def test_the_month_end_packages_list_the_unresolved_cases_and_the_recordings(
    clock, charlie, lena, household_a
):
    from ruhu.common.attachments import attachment_store

    [hazard] = find(charlie, household_a, HEATER)
    clock.shift(dt.timedelta(days=8))
    hazard_clock_run()
    recording = attachment_store(
        acting_user=lena,
        kind="recording",
        file=io.BytesIO(b"ID3\x03\x00\x00\x00\x00\x00\x00" + b"\x00" * 64),
        branch_id=lena.branch_id,
    )
    hazard.refresh_from_db()
    followup_call_record(
        acting_user=lena, hazard=hazard, called_at=dt.datetime.now(dt.UTC), result="refused",
        notes="客户称无钱更换", recording=recording,
    )  # fmt: skip
    assert monthly_packages_build_due() == 0  # 9 December is not the last day
    clock.move_to(dt.datetime(2026, 12, 31, 20, 0).astimezone())
    assert monthly_packages_build_due() == 4  # two branches, two audiences
    supervision = MonthlyPackage.objects.get(branch=household_a.branch, audience="supervision")
    assert (supervision.cases, supervision.recordings) == (1, 1)
    text = pdf_text(supervision.pdf.file.read()).replace(" ", "")
    assert "未处理安全隐患" in text and household_a.account_no in text
    book = load_workbook(io.BytesIO(supervision.xlsx.file.read()), read_only=True)
    rows = list(book["隐患"].values)
    assert rows[1][0] == hazard.pk and rows[1][1] == household_a.account_no
    assert list(book["回访录音"].values)[1][5] == recording.sha256
    # the serious hazard goes to the authority at once, not only after 90 days
    authority = MonthlyPackage.objects.get(branch=household_a.branch, audience="authority")
    assert authority.cases == 1
    again = monthly_package_build(branch=household_a.branch, month=dt.date(2026, 12, 1),
                                  audience="supervision")  # fmt: skip
    assert again == supervision and MonthlyPackage.objects.count() == 4


def test_the_command_runs_the_clock_and_builds_packages(clock, charlie, household_a, org):
    from django.core.management import CommandError, call_command

    find(charlie, household_a, HEATER)
    clock.shift(dt.timedelta(days=8))
    out = io.StringIO()
    call_command("hazards", "clock", "--date", "2026-12-09", stdout=out)
    assert "renotice_due 1" in out.getvalue()
    with pytest.raises(CommandError):
        call_command("hazards", "clock", "--date", "2026-12-10")
    call_command("hazards", "package", "--month", "2026-12", "--branch", "a", stdout=out)
    assert "a 2026-12 supervision: 1 cases" in out.getvalue()
    with pytest.raises(CommandError):
        call_command("hazards", "package", "--month", "December")


def test_the_packages_page_lists_and_serves_the_branchs_packages(
    clock, client, charlie, lena, sam, cathy, bella, household_a, org
):
    find(charlie, household_a, HEATER)
    monthly_package_build(branch=org.a, month=dt.date(2026, 12, 1), audience="supervision")
    monthly_package_build(branch=org.b, month=dt.date(2026, 12, 1), audience="supervision")
    mine = MonthlyPackage.objects.get(branch=org.a)
    client.force_login(sam)
    page = client.get("/hazards/packages/").content.decode()
    assert page.count('data-testid="package"') == 1 and "2026-12" in page
    pdf = client.get(f"/hazards/packages/{mine.pk}.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    xlsx = client.get(f"/hazards/packages/{mine.pk}.xlsx")
    assert xlsx.status_code == 200 and "spreadsheetml" in xlsx["Content-Type"]
    assert client.get(f"/hazards/packages/{mine.pk}.exe").status_code == 404
    other = MonthlyPackage.objects.get(branch=org.b)
    assert client.get(f"/hazards/packages/{other.pk}.pdf").status_code == 404
    client.force_login(cathy)  # customer service has no business with it
    assert client.get("/hazards/packages/").status_code == 403
