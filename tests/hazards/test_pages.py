"""The hazard pages: each role's work queue with its steps inline, one hazard with its
history, the household's section, the notice PDFs, the call recordings and the rates."""

from __future__ import annotations

import datetime as dt
import io
import wave

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from PIL import Image

from ruhu.accounts.roles import Role
from ruhu.common.models import AuditEvent
from ruhu.common.policy import policy_set
from ruhu.hazards.models import (
    FollowUpCall,
    Hazard,
    HazardNotice,
    HazardStep,
    HazardType,
    Route,
    State,
    SupplyHold,
)
from ruhu.hazards.services import (
    hazard_assign,
    hazard_clock_run,
    hazard_limit_apply,
    hazard_notice_deliver,
    hazard_notice_issue,
    hazard_repair_fail,
)
from ruhu.premises.models import Household
from ruhu.premises.services import household_create
from tests.conftest import login, make_user
from tests.hazards.conftest import find, picture, today

HEATER = {"hazard_type": "direct_exhaust_heater", "item": "no_direct_exhaust", "level": 1}
WALL = {"hazard_type": "hose_through_wall", "item": "stove_connection"}

pytestmark = pytest.mark.django_db(transaction=False)


def fresh(hazard: Hazard) -> Hazard:
    return Hazard.objects.get(pk=hazard.pk)


def jpeg(colour: str = "green") -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(out, "JPEG")
    return SimpleUploadedFile(f"{colour}.jpg", out.getvalue(), content_type="image/jpeg")


def wav() -> SimpleUploadedFile:
    out = io.BytesIO()
    with wave.open(out, "wb") as sound:
        sound.setnchannels(1)
        sound.setsampwidth(2)
        sound.setframerate(8000)
        sound.writeframes(b"\x00\x01" * 800)
    return SimpleUploadedFile("call.wav", out.getvalue(), content_type="audio/wav")


def at_state(hazard: Hazard, state: str, **fields) -> Hazard:
    """Put a case in `state` directly: these tests are about the pages, the services'
    own tests walk the ladder."""
    Hazard.objects.filter(pk=hazard.pk).update(state=state, **fields)
    return fresh(hazard)


def add_cases(org, user, count: int, state: str, *, start: int = 0, **fields) -> list[Hazard]:
    kind = HazardType.objects.get(code="hose_through_wall")
    photo = picture(user, "red")
    cases = []
    for n in range(start, start + count):
        household = household_create(
            acting_user=None, branch=org.a, account_no=f"H{n:06d}", name=f"户{n}",
            category="residential", address=f"翠苑小区{n}幢", community="翠苑小区",
            phone=f"139{n:08d}",
        )  # fmt: skip
        cases.append(
            Hazard.objects.create(
                branch=org.a,
                household=household,
                hazard_type=kind,
                level=2,
                route=Route.NOTICE,
                state=state,
                found_on=today(),
                found_by=user,
                before_photo=photo,
                since=today(),
                **fields,
            )
        )
    return cases


def counts() -> tuple[int, int]:
    return HazardStep.objects.count(), AuditEvent.objects.count()


# ── the work queue per role ─────────────────────────────────────────────────────────


def test_it_gives_customer_service_the_limit_queue_and_applies_the_limit(
    client, clock, charlie, cathy, household_a
):
    [hazard] = find(charlie, household_a, HEATER)
    hazard = at_state(hazard, State.LIMIT_DUE, due_on=None)
    login(client, cathy)
    page = client.get("/hazards/queue/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "待限量售气" in html and "已整改待恢复供气" in html
    assert household_a.account_no in html and "使用直排式热水器" in html
    assert "执行限量售气" in html and "一级" in html

    done = client.post("/hazards/queue/", {"op": "limit", "hazard": hazard.pk, "note": "已设置"})
    assert done.status_code == 302
    assert fresh(hazard).state == State.LIMITED
    assert Household.objects.get(pk=household_a.pk).supply_status == "limited"
    assert "已执行限量售气" in client.get(done["Location"]).content.decode()


def test_a_step_in_the_wrong_state_shows_the_error_and_changes_nothing(
    client, clock, charlie, cathy, household_a
):
    [hazard] = find(charlie, household_a, HEATER)  # noticed: not yet due for a limit
    login(client, cathy)
    before, state = counts(), fresh(hazard).state
    refused = client.post("/hazards/queue/", {"op": "limit", "hazard": hazard.pk})
    assert refused.status_code == 409
    html = refused.content.decode()
    assert "不能执行「限量售气」" in html and 'data-testid="page-error"' in html
    assert fresh(hazard).state == state and counts() == before
    # the same on the hazard's page
    refused = client.post(f"/hazards/{hazard.pk}/", {"op": "limit", "hazard": hazard.pk})
    assert refused.status_code == 409
    assert "不能执行「限量售气」" in refused.content.decode()
    assert fresh(hazard).state == state and counts() == before


def test_it_lets_a_repairer_take_a_job(client, clock, charlie, rick, household_a):
    [hazard] = find(charlie, household_a, WALL)
    login(client, rick)
    html = client.get("/hazards/queue/").content.decode()
    assert "待接单的维修" in html and "接单" in html and "软管穿墙" in html
    assert client.post("/hazards/queue/", {"op": "take", "hazard": hazard.pk}).status_code == 302
    assert fresh(hazard).assignee == rick


def test_it_lets_a_repairer_report_a_job_done_with_an_after_photo(
    client, clock, charlie, rick, household_a
):
    [hazard] = find(charlie, household_a, WALL)
    hazard = at_state(hazard, State.DISPATCHED, assignee=rick)
    login(client, rick)
    html = client.get("/hazards/queue/").content.decode()
    assert "派给我的维修" in html and "维修完成" in html and "无法维修" in html

    # no photo: refused, nothing stored, nothing moved
    before = counts()
    refused = client.post("/hazards/queue/", {"op": "repair", "hazard": hazard.pk})
    assert refused.status_code == 422 and "请拍摄或选择照片" in refused.content.decode()
    assert counts() == before and fresh(hazard).state == State.DISPATCHED

    done = client.post(
        "/hazards/queue/", {"op": "repair", "hazard": hazard.pk, "photo": jpeg(), "note": "已封堵"}
    )
    assert done.status_code == 302
    hazard = fresh(hazard)
    assert hazard.state == State.CLOSED and hazard.rectified_on == today()


def test_a_second_repairer_is_offered_and_allowed_nothing_of_a_colleagues_job(
    client, clock, org, charlie, rick, lena, household_a
):
    ryan = make_user("ryan", Role.REPAIRER, org.team_a)
    [hazard] = find(charlie, household_a, WALL)
    hazard_assign(acting_user=rick, hazard=fresh(hazard), repairer=rick)
    login(client, ryan)
    page = client.get(f"/hazards/{hazard.pk}/").content.decode()
    assert 'data-testid="hazard-ops"' not in page and "当前状态下您没有需要处理的步骤" in page
    assert household_a.account_no not in client.get("/hazards/queue/").content.decode()
    before = counts()
    for url in ("/hazards/queue/", f"/hazards/{hazard.pk}/"):
        for posted in (
            {"op": "repair", "hazard": hazard.pk, "photo": jpeg(), "note": "已封堵"},
            {"op": "repair_fail", "hazard": hazard.pk, "reason": "拒绝入户"},
            {"op": "take", "hazard": hazard.pk},
        ):
            assert client.post(url, posted).status_code == 403, (url, posted["op"])
    assert counts() == before
    assert (fresh(hazard).state, fresh(hazard).assignee) == (State.DISPATCHED, rick)

    # the lead gives it to the second repairer, who may then finish it; the first may not
    client.logout()
    login(client, lena)
    page = client.get(f"/hazards/{hazard.pk}/").content.decode()
    assert 'name="op" value="assign"' in page
    given = client.post(
        f"/hazards/{hazard.pk}/", {"op": "assign", "hazard": hazard.pk, "repairer": ryan.pk}
    )
    assert given.status_code == 302 and fresh(hazard).assignee == ryan
    client.logout()
    login(client, rick)
    refused = client.post(
        "/hazards/queue/", {"op": "repair_fail", "hazard": hazard.pk, "reason": "x"}
    )
    assert refused.status_code == 403
    client.logout()
    login(client, ryan)
    assert 'value="repair"' in client.get("/hazards/queue/").content.decode()
    done = client.post("/hazards/queue/", {"op": "repair", "hazard": hazard.pk, "photo": jpeg()})
    assert done.status_code == 302 and fresh(hazard).state == State.CLOSED


def test_a_repair_photo_outside_the_upload_rate_is_refused_and_nothing_moves(
    client, clock, charlie, rick, household_a
):
    [hazard] = find(charlie, household_a, WALL)
    hazard = at_state(hazard, State.DISPATCHED, assignee=rick)
    policy_set(
        acting_user=None,
        key="attachments.rate.uploads_per_minute",
        value=0,
        effective_from=dt.date(2001, 1, 1),
    )
    login(client, rick)
    before = counts()
    refused = client.post(
        "/hazards/queue/", {"op": "repair", "hazard": hazard.pk, "photo": jpeg(), "note": "已封堵"}
    )
    assert refused.status_code == 429 and "上传过于频繁" in refused.content.decode()
    assert counts() == before and fresh(hazard).state == State.DISPATCHED


def test_a_repairer_who_cannot_fix_it_must_give_a_reason(client, clock, charlie, rick, household_a):
    [hazard] = find(charlie, household_a, WALL)
    hazard = at_state(hazard, State.DISPATCHED, assignee=rick)
    login(client, rick)
    refused = client.post("/hazards/queue/", {"op": "repair_fail", "hazard": hazard.pk})
    assert refused.status_code == 422 and "原因" in refused.content.decode()
    assert fresh(hazard).state == State.DISPATCHED


def test_a_repairer_who_cannot_fix_it_sends_it_back_for_a_notice(
    client, clock, charlie, rick, household_a
):
    [hazard] = find(charlie, household_a, WALL)
    hazard = at_state(hazard, State.DISPATCHED, assignee=rick)
    login(client, rick)
    client.post("/hazards/queue/", {"op": "repair_fail", "hazard": hazard.pk, "reason": "拒绝入户"})
    assert fresh(hazard).state == State.FOUND


def test_it_lets_a_repairer_seal_the_supply_with_a_photo(client, clock, charlie, rick, household_a):
    [hazard] = find(charlie, household_a, HEATER)
    hazard = at_state(hazard, State.SEAL_DUE, due_on=None)
    login(client, rick)
    assert "停气封停" in client.get("/hazards/queue/").content.decode()
    client.post("/hazards/queue/", {"op": "seal", "hazard": hazard.pk, "photo": jpeg("grey")})
    hazard = fresh(hazard)
    assert (hazard.state, hazard.supply_hold) == (State.SEALED, SupplyHold.SEALED)
    assert Household.objects.get(pk=household_a.pk).supply_status == "sealed"


def test_it_lets_safety_supervision_report_the_outcome(client, clock, charlie, sam, household_a):
    [hazard] = find(charlie, household_a, HEATER)
    hazard = at_state(hazard, State.HANDED_OVER, due_on=None)
    login(client, sam)
    html = client.get("/hazards/queue/").content.decode()
    assert "移交的案件" in html and "反馈处理结果" in html
    refused = client.post(
        "/hazards/queue/",
        {"op": "outcome", "hazard": hazard.pk, "outcome": "rectified", "note": "已更换"},
    )
    assert refused.status_code == 422 and "确认已整改须上传整改后照片" in refused.content.decode()
    assert fresh(hazard).state == State.HANDED_OVER
    client.post(
        "/hazards/queue/",
        {"op": "outcome", "hazard": hazard.pk, "outcome": "rectified", "note": "已更换",
         "photo": jpeg("white")},
    )  # fmt: skip
    assert fresh(hazard).state == State.CLOSED


def test_it_lets_an_inspector_issue_print_and_deliver_a_notice(
    client, clock, charlie, rick, household_a
):
    [hazard] = find(charlie, household_a, WALL)
    hazard_assign(acting_user=rick, hazard=fresh(hazard), repairer=rick)
    hazard_repair_fail(acting_user=rick, hazard=fresh(hazard), reason="客户不在家")
    login(client, charlie)
    html = client.get("/hazards/queue/").content.decode()
    assert "待下发整改通知书" in html and "下发整改通知书" in html

    assert client.post("/hazards/queue/", {"op": "issue", "hazard": hazard.pk}).status_code == 302
    notice = HazardNotice.objects.get(kind="rectify", delivered_on__isnull=True)
    html = client.get("/hazards/queue/").content.decode()
    assert notice.number in html and f"/hazards/notices/{notice.pk}/document.pdf" in html
    assert "登记送达" in html and "张贴于门上" in html

    pdf = client.get(f"/hazards/notices/{notice.pk}/document.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")

    refused = client.post(
        "/hazards/queue/", {"op": "deliver", "notice": notice.pk, "method": "posted"}
    )
    assert refused.status_code == 422 and "张贴送达须拍摄张贴后的照片" in refused.content.decode()
    assert fresh(hazard).state == State.FOUND
    client.post(
        "/hazards/queue/",
        {"op": "deliver", "notice": notice.pk, "method": "posted", "photo": jpeg("blue")},
    )
    assert fresh(hazard).state == State.NOTICED
    assert HazardNotice.objects.get(pk=notice.pk).delivery_photo_id is not None


def test_it_lets_an_inspector_recheck_arranged_work(client, clock, charlie, household_a):
    [hazard] = find(charlie, household_a, HEATER)
    hazard = at_state(hazard, State.ARRANGED, due_on=None)
    login(client, charlie)
    assert "待现场复查" in client.get("/hazards/queue/").content.decode()
    refused = client.post(
        "/hazards/queue/", {"op": "recheck", "hazard": hazard.pk, "rectified": "yes"}
    )
    assert refused.status_code == 422 and fresh(hazard).state == State.ARRANGED
    client.post(
        "/hazards/queue/",
        {"op": "recheck", "hazard": hazard.pk, "rectified": "yes", "photo": jpeg()},
    )
    assert fresh(hazard).state == State.CLOSED


def test_it_gives_the_lead_letters_copies_calls_and_serious_cases(
    client, clock, org, charlie, lena, household_a
):
    cases = add_cases(org, charlie, 2, State.STOP_NOTICED)
    [heater] = find(charlie, household_a, HEATER)  # serious; its company copy is out
    clock.shift(dt.timedelta(hours=49))
    hazard_clock_run()
    called = at_state(heater, State.RENOTICE_DUE, since=today())
    login(client, lena)
    html = client.get("/hazards/queue/").content.decode()
    for title in (
        "待致函物业",
        "逾期未交回的公司联",
        "期限已过待电话回访",
        "停滞的案件",
        "未结案的重大隐患",
    ):
        assert title in html
    assert "致函物业" in html and "登记交回" in html and "登记回访电话" in html

    # one letter for the community's cases, delivered to the property manager
    client.post("/hazards/queue/", {"op": "issue", "hazard": cases[0].pk})
    letter = HazardNotice.objects.get(kind="property_letter")
    assert set(letter.hazards.values_list("pk", flat=True)) == {c.pk for c in cases}
    refused = client.post(
        "/hazards/queue/", {"op": "deliver", "notice": letter.pk, "method": "handed"}
    )
    assert refused.status_code == 422 and "请填写物业签收人" in refused.content.decode()
    client.post(
        "/hazards/queue/",
        {"op": "deliver", "notice": letter.pk, "method": "handed", "recipient": "物业张经理"},
    )
    assert {fresh(c).state for c in cases} == {State.PM_LETTERED}

    # the company copy comes back
    copy = HazardNotice.objects.get(kind="rectify")
    client.post("/hazards/queue/", {"op": "copy", "notice": copy.pk})
    assert HazardNotice.objects.get(pk=copy.pk).copy_received_at is not None

    # the follow-up call, with its recording
    called_at = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        "/hazards/queue/",
        {"op": "call", "hazard": called.pk, "called_at": called_at, "result": "promised",
         "notes": "三天内整改", "recording": wav()},
    )  # fmt: skip
    assert response.status_code == 302
    call = FollowUpCall.objects.get()
    assert call.recording is not None and call.recording.kind == "recording"


def test_an_admin_switches_queues_a_manager_has_none(client, clock, alice, bob, org):
    login(client, alice)
    html = client.get("/hazards/queue/").content.decode()
    assert "待致函物业" in html and "?role=customer_service" in html
    assert "待限量售气" in client.get("/hazards/queue/?role=customer_service").content.decode()
    assert "?role=repairer" not in html  # a repairer's queue is their own work
    assert client.get("/hazards/queue/?role=repairer").status_code == 403
    assert client.get("/hazards/queue/?role=nobody").status_code == 403
    client.logout()
    login(client, bob)
    page = client.get("/hazards/queue/")
    assert page.status_code == 200 and "没有隐患整改的待办事项" in page.content.decode()


def test_a_role_without_the_capability_is_refused(client, clock, org, charlie, household_a):
    [hazard] = find(charlie, household_a, HEATER)
    reception = make_user("rita", Role.RECEPTION, org.a)
    login(client, reception)
    urls = [
        "/hazards/queue/",
        "/hazards/rates/",
        f"/hazards/{hazard.pk}/",
        "/hazards/calls/recordings/",
        f"/hazards/households/{household_a.pk}/",
    ]
    for url in urls:
        assert client.get(url).status_code == 403, url
    client.logout()
    login(client, charlie)  # an inspector hears no recordings
    assert client.get("/hazards/calls/recordings/").status_code == 403


def test_another_branchs_hazard_and_notice_answer_404(client, clock, charlie, dave, household_a):
    [hazard] = find(charlie, household_a, HEATER)
    notice = HazardNotice.objects.get()
    login(client, dave)
    assert client.get(f"/hazards/{hazard.pk}/").status_code == 404
    assert client.get(f"/hazards/notices/{notice.pk}/document.pdf").status_code == 404
    assert client.get(f"/hazards/{hazard.pk}/files/{hazard.before_photo_id}").status_code == 404
    assert client.post("/hazards/queue/", {"op": "recheck", "hazard": hazard.pk}).status_code == 404
    assert client.get(f"/hazards/households/{household_a.pk}/").status_code == 404


# ── one hazard ──────────────────────────────────────────────────────────────────────


def test_it_shows_a_hazards_history_notices_photos_and_calls(
    client, clock, charlie, lena, household_a
):
    [hazard] = find(charlie, household_a, HEATER)
    notice = HazardNotice.objects.get()
    clock.shift(dt.timedelta(days=8))
    hazard_clock_run()  # the system's step
    login(client, lena)
    response = client.get(f"/hazards/{hazard.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    for text in ("使用直排式热水器", "一级", "待再次通知", "发现隐患", "下发整改通知书",
                 "整改逾期，待再次通知", "系统", notice.number, "当面交付", "重大隐患",
                 "整改前", "登记回访电话", "客户已办理整改"):  # fmt: skip
        assert text in html, text
    assert f"/inspection/visits/{hazard.found_visit_id}/" in html
    assert f"/hazards/notices/{notice.pk}/document.pdf" in html
    photo = client.get(f"/hazards/{hazard.pk}/files/{hazard.before_photo_id}")
    assert photo.status_code == 200 and photo["Content-Type"] == "image/jpeg"


def test_a_lead_records_a_call_on_the_hazard_page_and_hears_it(
    client, clock, charlie, lena, sam, household_a
):
    [hazard] = find(charlie, household_a, HEATER)
    login(client, lena)
    called_at = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
    client.post(
        f"/hazards/{hazard.pk}/",
        {"op": "call", "hazard": hazard.pk, "called_at": called_at, "result": "arranged",
         "recording": wav()},
    )  # fmt: skip
    call = FollowUpCall.objects.get()
    assert fresh(hazard).state == State.ARRANGED  # the customer arranged it on the call
    html = client.get(f"/hazards/{hazard.pk}/").content.decode()
    assert "客户已办理整改" in html and f"/hazards/calls/{call.pk}/recording" in html
    audio = client.get(f"/hazards/calls/{call.pk}/recording")
    assert audio.status_code == 200 and audio["Content-Type"] == "audio/wav"

    month = today().strftime("%Y-%m")
    html = client.get(f"/hazards/calls/recordings/?month={month}").content.decode()
    assert household_a.account_no in html and "<audio" in html
    client.logout()
    login(client, sam)
    assert client.get(f"/hazards/calls/recordings/?month={month}").status_code == 200
    client.logout()
    login(client, charlie)
    assert "<audio" not in client.get(f"/hazards/{hazard.pk}/").content.decode()
    assert client.get(f"/hazards/calls/{call.pk}/recording").status_code == 403


# ── the household's section ─────────────────────────────────────────────────────────


def test_the_household_section_shows_the_notice_chain_and_why_supply_is_limited(
    client, clock, charlie, cathy, household_a
):
    [hazard] = find(charlie, household_a, HEATER)
    clock.shift(dt.timedelta(days=8))
    hazard_clock_run()
    second = hazard_notice_issue(
        acting_user=charlie, kind="rectify_second", hazards=[fresh(hazard)]
    )
    hazard_notice_deliver(
        acting_user=charlie, notice=second, method="posted", photo=picture(charlie, "blue")
    )
    clock.shift(dt.timedelta(days=4))
    hazard_clock_run()
    hazard_limit_apply(acting_user=cathy, hazard=fresh(hazard))
    first = HazardNotice.objects.get(kind="rectify")

    login(client, cathy)
    detail = client.get(f"/households/{household_a.pk}/").content.decode()
    assert f"/hazards/households/{household_a.pk}/" in detail
    response = client.get(f"/hazards/households/{household_a.pk}/", headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "供气状态" in html and "限量售气" in html and f"#{hazard.pk}" in html
    assert "Cathy" in html  # who limited it
    assert first.number in html and second.number in html
    assert "此前已送达" in html and "张贴于门上" in html and "当面交付" in html
    assert f"/hazards/notices/{second.pk}/photo" in html
    assert f"/hazards/notices/{first.pk}/document.pdf" in html
    assert client.get(f"/hazards/notices/{second.pk}/photo").status_code == 200


def test_the_household_section_leaves_the_page_of_a_role_without_hazards(client, org, household_a):
    installer = make_user("ian", Role.INSTALLER, org.team_a)
    login(client, installer)
    response = client.get(f"/hazards/households/{household_a.pk}/", headers={"HX-Request": "true"})
    assert response.status_code == 200 and response.content == b""


# ── rates ───────────────────────────────────────────────────────────────────────────


def test_it_shows_rectification_rates_by_level_and_branch(client, clock, org, alice, charlie):
    add_cases(org, charlie, 4, State.CLOSED, resolution="rectified")
    add_cases(org, charlie, 1, State.NOTICED, start=10)
    login(client, alice)
    response = client.get("/hazards/rates/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "东城项目公司" in html and "全公司合计" in html and "80.0%" in html and "80.0%" in html
    assert "未达标" not in html and "达标" in html
    refused = client.get("/hazards/rates/?start=2026-12-01&end=2026-01-01")
    assert refused.status_code == 422 and "结束日期早于开始日期" in refused.content.decode()


# ── scale ───────────────────────────────────────────────────────────────────────────


def queries(client, url: str) -> int:
    client.get(url)  # warm per-process caches (policy values, content types)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


@pytest.mark.parametrize(
    ("user", "state"),
    [
        ("cathy", State.LIMIT_DUE),
        ("charlie", State.RENOTICE_DUE),
        ("lena", State.STOP_NOTICED),
        ("rick", State.DISPATCHED),
    ],
)
def test_it_builds_the_queue_in_constant_queries(client, clock, org, request, user, state):
    person = request.getfixturevalue(user)
    login(client, person)
    add_cases(org, person, 5, state)
    few = queries(client, "/hazards/queue/")
    add_cases(org, person, 15, state, start=5)
    many = queries(client, "/hazards/queue/")
    assert many == few
    assert few <= 15, few


def test_it_bounds_each_section_to_a_page(client, clock, org, cathy):
    add_cases(org, cathy, 55, State.LIMIT_DUE)
    login(client, cathy)
    first = client.get("/hazards/queue/")
    section = first.context["sections"][0]
    assert len(section.page.object_list) == 50 and section.page.paginator.count == 55
    second = client.get("/hazards/queue/?limit_page=2")
    assert len(second.context["sections"][0].page.object_list) == 5
