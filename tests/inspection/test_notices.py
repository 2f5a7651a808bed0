"""Notices before the visits (RULES B3): each community a week ahead (PDF for the stairwells,
SMS to its households, the posting recorded), each household by SMS 1–3 days ahead."""

from __future__ import annotations

import datetime as dt
import functools
import io
import re

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from ruhu.accounts.roles import Role
from ruhu.common import pdf
from ruhu.common.errors import IllegalTransition, NotFound, ValidationFailed
from ruhu.common.models import Attachment, AuditEvent, OutboxMessage
from ruhu.common.policy import policy_set
from ruhu.inspection.documents import CommunityNoticeContent, FontMissing, community_notice_pdf
from ruhu.inspection.models import CommunityNotice, Plan, PlanTask
from ruhu.inspection.selectors import community_notices_to_come
from ruhu.inspection.services import (
    community_notice_record_posting,
    community_notices_issue,
    household_notices_send_due,
    plan_approve,
    plan_generate,
)
from ruhu.inspection.tasks import community_notices_issue_task, household_notices_task
from tests.conftest import login, make_user
from tests.factories import make_approved_plan, make_households, make_training
from tests.pdf import pdf_text

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
NOV_20 = dt.datetime(2026, 11, 20, 12, tzinfo=SHANGHAI)
DECEMBER = dt.date(2026, 12, 1)


ISSUED_PDF_PHRASES = (
    "燃气安全入户检查通知", "示范燃气东城项目公司", "尊敬的翠苑住户", "2026年12月1日",
    "共1个工作日", "每日9:00–17:00", "请家中留人", "不收取现金", "96777", "2026年11月20日",
)  # fmt: skip
PDF_PHRASES = (
    "燃气安全入户检查通知", "尊敬的阳光家园住户", "2026年12月1日（周二）", "至12月4日（周五）",
    "共4个工作日", "检查期间请家中留人", "检查内容", "佩戴工牌", "现场不收取现金",
    "如有疑问请拨打服务热线：96777", "2026年11月20日",
)  # fmt: skip


def at(day: dt.date, hour: int = 18) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI)


homes = functools.partial(make_households, phone=True)


@pytest.fixture
def inspector(lena, charlie):
    """Charlie (badge A-001) is branch A's only qualified inspector: every task is his."""
    make_training(lena, charlie)
    return charlie


def approved_plan(lena, org) -> Plan:
    return make_approved_plan(lena, org.a, DECEMBER)


def sms_to_tasks() -> list[OutboxMessage]:
    return list(OutboxMessage.objects.filter(dedupe_key__startswith="plan-task-sms:"))


def png(color: str = "red") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), color).save(out, "PNG")
    return out.getvalue()


# ── the SMS to each household ───────────────────────────────────────────


@time_machine.travel(NOV_20, tick=False)
def test_it_texts_each_household_one_to_three_days_before_and_never_twice(lena, org, inspector):
    with_phone = homes(org.a, "翠苑", 3, 0)
    homes(org.a, "翠苑", 1, 50, phone=False, building="2幢")
    plan = approved_plan(lena, org)
    day = plan.tasks.get(household=with_phone[0]).day
    assert set(plan.tasks.values_list("day", flat=True)) == {day} == {dt.date(2026, 12, 1)}
    with time_machine.travel(at(day - dt.timedelta(days=4)), tick=False):
        assert household_notices_send_due() == 0
    with time_machine.travel(at(day - dt.timedelta(days=3)), tick=False):
        assert household_notices_send_due() == 3
        assert household_notices_send_due() == 0  # a second run the same evening
    with time_machine.travel(at(day - dt.timedelta(days=1)), tick=False):
        assert household_notices_send_due() == 0
    messages = sms_to_tasks()
    assert sorted(m.recipient for m in messages) == [h.phone for h in with_phone]
    body = messages[0].body
    assert body == (
        "【东城项目公司】尊敬的用户：我公司安检员Charlie（工号A-001）将于12月1日（周二）"
        "9:00–17:00上门进行燃气安全检查，请家中留人。如有疑问请致电96777。"
    )
    assert len(body) <= 120
    notified = PlanTask.objects.filter(notified_at__isnull=False)
    assert {t.household_id for t in notified} == {h.pk for h in with_phone}
    event = AuditEvent.objects.get(action="plan.households_notified")
    assert event.target_id == str(plan.pk) and event.changes["notified"] == [None, 3]


@time_machine.travel(NOV_20, tick=False)
def test_a_household_is_texted_the_day_before_when_its_plan_is_approved_late(lena, org, inspector):
    homes(org.a, "翠苑", 2, 0)
    plan = plan_generate(acting_user=lena, branch=org.a, month=DECEMBER)
    with time_machine.travel(at(dt.date(2026, 11, 28)), tick=False):
        assert household_notices_send_due() == 0  # a draft tells nobody
    plan_approve(acting_user=lena, plan=plan)
    with time_machine.travel(at(dt.date(2026, 11, 30)), tick=False):
        assert household_notices_send_due() == 2
    with time_machine.travel(at(dt.date(2026, 12, 1), hour=9), tick=False):
        assert household_notices_send_due() == 0  # never on the day itself
    assert len(sms_to_tasks()) == 2


@time_machine.travel(NOV_20, tick=False)
def test_a_household_whose_day_moves_is_texted_again_for_the_new_day(lena, org, inspector):
    (home,) = homes(org.a, "翠苑", 1, 0)
    plan = approved_plan(lena, org)
    with time_machine.travel(at(dt.date(2026, 11, 28), hour=10), tick=False):
        assert household_notices_send_due() == 1
        again = plan_generate(acting_user=lena, branch=org.a, month=DECEMBER)  # new tasks
        plan_approve(acting_user=lena, plan=again)
    moved = PlanTask.objects.get(plan=plan, household=home)
    assert moved.day == dt.date(2026, 12, 7) and moved.notified_at is None
    with time_machine.travel(at(dt.date(2026, 12, 4)), tick=False):
        assert household_notices_send_due() == 1
    bodies = [m.body for m in sorted(sms_to_tasks(), key=lambda m: m.created_at)]
    assert "12月1日（周二）" in bodies[0] and "12月7日（周一）" in bodies[1]


@time_machine.travel(NOV_20, tick=False)
def test_the_same_day_is_never_texted_twice_to_a_household_of_a_plan(lena, org, inspector):
    homes(org.a, "翠苑", 2, 0)
    plan = approved_plan(lena, org)
    with time_machine.travel(at(dt.date(2026, 11, 29)), tick=False):
        household_notices_send_due()
        PlanTask.objects.filter(plan=plan).update(notified_at=None)  # as if recreated
        household_notices_send_due()
    assert len(sms_to_tasks()) == 2
    assert not PlanTask.objects.filter(notified_at__isnull=True).exists()


@time_machine.travel(NOV_20, tick=False)
def test_the_window_is_the_branchs_policy_and_the_job_runs_it(lena, org, inspector):
    homes(org.a, "翠苑", 1, 0)
    approved_plan(lena, org)
    policy_set(
        acting_user=None, key="notice.household_sms_window_days", value=5,
        effective_from=dt.date(2026, 1, 1), branch=org.a,
    )  # fmt: skip
    with time_machine.travel(at(dt.date(2026, 11, 26)), tick=False):
        assert household_notices_task.call_local() == 1


# ── the community notice ────────────────────────────────────────────────


@time_machine.travel(NOV_20, tick=False)
def test_it_issues_one_notice_per_community_with_its_pdf_and_sms_once(lena, org, inspector):
    cuiyuan = homes(org.a, "翠苑", 3, 0)
    homes(org.a, "翠苑", 1, 50, phone=False, building="2幢")
    homes(org.a, "文华苑", 2, 100)
    homes(org.a, "", 1, 200, building="")  # a house in no community: household SMS only
    plan = approved_plan(lena, org)
    issued = community_notices_issue(acting_user=lena, plan=plan)
    assert issued.late == []
    assert sorted((n.community, n.households, n.sms_count) for n in issued) == sorted(
        [("文华苑", 2, 2), ("翠苑", 4, 3)]
    )
    notice = CommunityNotice.objects.get(community="翠苑")
    assert notice.first_day == notice.last_day == dt.date(2026, 12, 1)
    assert notice.branch == org.a and notice.issued_by == lena and notice.posted_at is None
    assert notice.document.kind == Attachment.Kind.DOCUMENT
    assert notice.document.content_type == "application/pdf"
    text = pdf_text(notice.document.file.read())
    for phrase in ISSUED_PDF_PHRASES:
        assert phrase in text.replace(" ", ""), phrase
    messages = OutboxMessage.objects.filter(dedupe_key__startswith=f"community-notice:{notice.pk}:")
    assert sorted(m.recipient for m in messages) == [h.phone for h in cuiyuan]
    assert messages[0].body == (
        "【东城项目公司】尊敬的用户：我公司将于12月1日（每日9:00–17:00）对翠苑进行燃气安全入户"
        "检查，请届时家中留人。安检员着装佩证，现场不收现金。咨询热线96777。"
    )
    event = AuditEvent.objects.get(action="community_notice.issue", target_id=str(notice.pk))
    assert event.changes["households"] == [None, 4] and event.changes["no_phone"] == [None, 1]
    assert event.actor == lena

    again = community_notices_issue(acting_user=lena, plan=plan)
    assert sorted(n.pk for n in again) == sorted(n.pk for n in issued)
    assert CommunityNotice.objects.count() == 2 and OutboxMessage.objects.count() == 5
    assert AuditEvent.objects.filter(action="community_notice.issue").count() == 2


@time_machine.travel(NOV_20, tick=False)
def test_approving_a_plan_issues_its_notices_once_committed(
    lena, org, inspector, django_capture_on_commit_callbacks
):
    homes(org.a, "翠苑", 2, 0)
    plan = plan_generate(acting_user=lena, branch=org.a, month=DECEMBER)
    with django_capture_on_commit_callbacks(execute=True):
        plan_approve(acting_user=lena, plan=plan)
    notice = CommunityNotice.objects.get()
    assert notice.sms_count == 2 and notice.issued_by is None  # the job acts as the system
    assert AuditEvent.objects.get(action="community_notice.issue").actor_label == "system"


@time_machine.travel(NOV_20, tick=False)
def test_a_community_too_close_to_its_first_day_is_refused_and_reported(lena, org, inspector):
    policy_set(
        acting_user=None, key="inspection.inspector_daily_capacity", value=2,
        effective_from=dt.date(2026, 1, 1), branch=org.a,
    )  # fmt: skip
    homes(org.a, "翠苑", 2, 0)
    homes(org.a, "文华苑", 2, 100)
    plan = plan_generate(acting_user=lena, branch=org.a, month=DECEMBER)
    first_days = {t.household.community: t.day for t in plan.tasks.select_related("household")}
    assert sorted(first_days.values()) == [dt.date(2026, 12, 1), dt.date(2026, 12, 2)]
    early = min(first_days, key=first_days.get)
    with time_machine.travel(at(dt.date(2026, 11, 25), hour=9), tick=False):  # 6 days before
        plan_approve(acting_user=lena, plan=plan)
        issued = community_notices_issue(acting_user=lena, plan=plan)
    assert [n.community for n in issued] == [c for c in first_days if c != early]
    (late,) = issued.late
    assert late.community == early and late.first_day == dt.date(2026, 12, 1)
    assert isinstance(late.error, ValidationFailed)
    assert late.error.code == "community_notice_too_late" and "不足 7 天" in late.error.message
    assert not CommunityNotice.objects.filter(community=early).exists()
    assert OutboxMessage.objects.count() == 2  # only the community told in time
    event = AuditEvent.objects.get(action="community_notice.late")
    assert event.target_id == str(plan.pk) and early in event.changes["late_communities"][1]


@time_machine.travel(NOV_20, tick=False)
def test_only_an_approved_plan_gives_community_notices(lena, org, inspector):
    homes(org.a, "翠苑", 2, 0)
    plan = plan_generate(acting_user=lena, branch=org.a, month=DECEMBER)
    with pytest.raises(IllegalTransition) as refused:
        community_notices_issue(acting_user=lena, plan=plan)
    assert refused.value.code == "plan_not_approved" and refused.value.status == 409
    assert not CommunityNotice.objects.exists() and not OutboxMessage.objects.exists()


# ── the PDF ─────────────────────────────────────────────────────────────

CONTENT = CommunityNoticeContent(
    company="示范燃气", branch="东城项目公司", community="阳光家园", first_day=dt.date(2026, 12, 1),
    last_day=dt.date(2026, 12, 4), working_days=4, visit_hours="9:00–17:00", hotline="96777",
    issued_on=dt.date(2026, 11, 20),
)  # fmt: skip


def test_the_notice_pdf_is_one_a4_page_in_chinese_with_the_font_embedded():
    data = community_notice_pdf(CONTENT)
    assert data.startswith(b"%PDF") and b"/Count 1 " in data
    assert b"/MediaBox [ 0 0 595.2756 841.8898 ]" in data  # A4
    assert b"/FontFile2" in data and b"WenQuanYiMicroHei" in data  # TrueType, embedded
    text = pdf_text(data).replace(" ", "")
    for phrase in PDF_PHRASES:
        assert phrase in text, phrase
    assert community_notice_pdf(CONTENT) == data  # the same notice, the same bytes


def test_a_very_long_community_name_still_fits_one_page():
    long_name = CommunityNoticeContent(**{**CONTENT.__dict__, "community": "阳光家园" * 12})
    assert b"/Count 1 " in community_notice_pdf(long_name)


def test_a_missing_font_is_a_clear_error(monkeypatch, settings):
    settings.RUHU_CJK_FONT = ""
    monkeypatch.delenv("RUHU_CJK_FONT", raising=False)
    monkeypatch.setattr(pdf, "FONT_PATHS", ())
    monkeypatch.setattr(pdf, "_fc_match", lambda: None)
    with pytest.raises(FontMissing, match="fonts-wqy-microhei"):
        community_notice_pdf(CONTENT)
    settings.RUHU_CJK_FONT = "/nowhere/font.ttf"
    with pytest.raises(FontMissing, match=re.escape("/nowhere/font.ttf")):
        community_notice_pdf(CONTENT)


# ── the posting ─────────────────────────────────────────────────────────


@pytest.fixture
def notice(lena, org, inspector):
    with time_machine.travel(NOV_20, tick=False):
        homes(org.a, "翠苑", 2, 0)
        (issued,) = community_notices_issue(acting_user=lena, plan=approved_plan(lena, org))
    return issued


def test_the_inspector_records_the_posting_with_a_photo_once(notice, inspector):
    posted = community_notice_record_posting(
        acting_user=inspector, notice=notice, photo=io.BytesIO(png()), note=" 各单元楼道已贴 "
    )
    assert posted.posted_by == inspector and posted.posted_at is not None
    assert posted.posting_note == "各单元楼道已贴"
    assert posted.posting_photo.kind == Attachment.Kind.PHOTO
    assert posted.posting_photo.branch_id == notice.branch_id
    event = AuditEvent.objects.get(action="community_notice.post")
    assert event.changes["posting_photo"] == [None, str(posted.posting_photo_id)]
    with pytest.raises(IllegalTransition) as twice:
        community_notice_record_posting(acting_user=inspector, notice=notice)
    assert twice.value.status == 409 and twice.value.code == "notice_already_posted"
    assert AuditEvent.objects.filter(action="community_notice.post").count() == 1


def test_a_refused_photo_records_nothing(notice, lena):
    with pytest.raises(ValidationFailed):
        community_notice_record_posting(
            acting_user=lena, notice=notice, photo=io.BytesIO(b"not a picture at all")
        )
    notice.refresh_from_db()
    assert notice.posted_at is None
    community_notice_record_posting(acting_user=lena, notice=notice)  # without a photo
    notice.refresh_from_db()
    assert notice.posted_by == lena and notice.posting_photo is None


def test_another_branchs_notice_is_not_found(client, notice, org, dave, bella):
    for outsider in (dave, bella, make_user("rookie", Role.INSPECTOR, org.team_a)):
        with pytest.raises(NotFound):
            community_notice_record_posting(acting_user=outsider, notice=notice)
        client.force_login(outsider)
        assert client.get(f"/inspection/notices/{notice.pk}/notice.pdf").status_code == 404
        response = client.post(f"/inspection/notices/{notice.pk}/posting/", {"note": "x"})
        assert response.status_code == 404
    notice.refresh_from_db()
    assert notice.posted_at is None


def test_the_pdf_downloads_for_the_branch(client, notice, lena, inspector):
    for person in (lena, inspector):
        client.force_login(person)
        response = client.get(f"/inspection/notices/{notice.pk}/notice.pdf")
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        assert b"".join(response.streaming_content).startswith(b"%PDF")
        assert "inline" in response["Content-Disposition"]


@time_machine.travel(NOV_20, tick=False)
def test_the_pages_show_the_notices_and_record_a_posting_with_a_photo(
    client, notice, lena, inspector
):
    client.force_login(lena)
    page = client.get(f"/inspection/plans/{notice.plan_id}/").content.decode()
    assert "小区通知" in page and "翠苑" in page and "待张贴" in page
    assert f"/inspection/notices/{notice.pk}/notice.pdf" in page
    client.force_login(inspector)
    listing = client.get("/inspection/notices/")
    assert listing.status_code == 200 and "翠苑" in listing.content.decode()
    photo = SimpleUploadedFile("posted.png", png(), content_type="image/png")
    response = client.post(
        f"/inspection/notices/{notice.pk}/posting/",
        {"photo": photo, "note": "电梯口已贴", "back": "list"},
    )
    assert response.status_code == 302
    assert response.url == f"/inspection/notices/#notice-{notice.pk}"
    notice.refresh_from_db()
    assert notice.posted_by == inspector and notice.posting_photo is not None
    again = client.post(f"/inspection/notices/{notice.pk}/posting/", {"back": "list"}, follow=True)
    assert "该通知已登记张贴" in again.content.decode()
    assert "已张贴" in again.content.decode()


def test_the_lead_issues_the_notices_from_the_plan_page(client, lena, org, inspector):
    with time_machine.travel(NOV_20, tick=False):
        homes(org.a, "翠苑", 2, 0)
        plan = approved_plan(lena, org)
        client.force_login(lena)
        response = client.post(f"/inspection/plans/{plan.pk}/notices/", follow=True)
    assert "本计划共有 1 个小区通知" in response.content.decode()
    assert CommunityNotice.objects.get().issued_by == lena


@time_machine.travel(NOV_20, tick=False)
def test_an_inspector_sees_only_the_notices_of_his_communities(client, notice, org, lena):
    other = make_user("colin", Role.INSPECTOR, org.team_a, badge_no="A-002")
    client.force_login(other)
    assert "翠苑" not in client.get("/inspection/notices/").content.decode()
    assert client.post(f"/inspection/plans/{notice.plan_id}/notices/").status_code == 403


def test_the_notices_to_come_leave_out_past_ones_and_other_plans(client, notice, lena):
    def listed(**kwargs) -> list:
        return list(community_notices_to_come(acting_user=lena, **kwargs))

    assert listed(on=notice.last_day) == [notice]
    assert listed(on=notice.last_day + dt.timedelta(days=1)) == []
    assert listed(on=notice.first_day, plan_id=notice.plan_id) == [notice]
    assert listed(on=notice.first_day, plan_id=notice.plan_id + 1) == []
    client.force_login(lena)
    with time_machine.travel(NOV_20, tick=False):
        assert "翠苑" in client.get(f"/inspection/notices/?plan={notice.plan_id}").content.decode()
        other = client.get(f"/inspection/notices/?plan={notice.plan_id + 1}").content.decode()
        assert "翠苑" not in other


def test_the_notice_pages_make_a_fixed_number_of_queries(
    client, lena, org, inspector, django_assert_max_num_queries
):
    with time_machine.travel(NOV_20, tick=False):
        for n, community in enumerate(("翠苑", "文华苑", "阳光家园", "绿城")):
            homes(org.a, community, 3, n * 100)
        plan = approved_plan(lena, org)
        notices = community_notices_issue(acting_user=lena, plan=plan)
        for notice in notices[:2]:
            community_notice_record_posting(acting_user=inspector, notice=notice)
        client.force_login(lena)
        with django_assert_max_num_queries(11):
            assert client.get(f"/inspection/plans/{plan.pk}/").status_code == 200
        client.force_login(inspector)
        with django_assert_max_num_queries(5):
            page = client.get("/inspection/notices/")
    assert page.content.decode().count('data-testid="notice"') == 4


# ── a notice that cannot be made says so on the plan ────────────────────


@time_machine.travel(NOV_20, tick=False)
def test_the_plan_says_why_its_community_notices_are_missing_until_a_retry_makes_them(
    client, lena, org, inspector, settings, tmp_path, django_capture_on_commit_callbacks
):
    homes(org.a, "翠苑", 2, 0)
    settings.RUHU_CJK_FONT = str(tmp_path / "wqy-microhei.ttc")  # a file that is not there
    with django_capture_on_commit_callbacks(execute=True):
        plan = approved_plan(lena, org)  # the job runs inline and fails
    assert community_notices_issue_task.retries > 0 and community_notices_issue_task.retry_delay
    plan.refresh_from_db()
    assert not CommunityNotice.objects.exists()
    assert "缺少中文字体 (fonts-wqy-microhei)" in plan.notices_error
    login(client, lena)
    page = client.get(f"/inspection/plans/{plan.pk}/").content.decode()
    assert 'data-testid="notices-error"' in page and "缺少中文字体" in page

    settings.RUHU_CJK_FONT = ""
    assert community_notices_issue_task.call_local(plan.pk) == 1
    plan.refresh_from_db()
    assert plan.notices_error == "" and CommunityNotice.objects.count() == 1
    page = client.get(f"/inspection/plans/{plan.pk}/").content.decode()
    assert 'data-testid="notices-error"' not in page
