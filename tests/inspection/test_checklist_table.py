"""The visit checklist of each meter type, written out from RULES B4 (§2 六, §5).

The table below is the regulation's checklist, typed in by hand, not read from the code:
deleting an item, showing the meter items for an outdoor meter or the IC-card items for an
ordinary one fails here. The phone is shown exactly these items, and the server takes a visit
that answers exactly these and refuses one that leaves one out or adds one.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest

from ruhu.inspection.models import Plan, PlanTask
from ruhu.premises.models import Household
from tests.factories import make_household
from tests.inspection.visiting import inspected

# ── RULES B4, section by section, in the order the phone shows them ─────────────────────

GENERAL = [  # the procedure: ask and smell, leak-test every joint and valve
    ("gas_odour", "询问并嗅闻有无燃气异味"),
    ("leak_test", "各接头、阀门检漏（检漏仪或检漏液）"),
]
METER_IDLE = [  # with appliances off, does the meter still run (indoor meters)
    ("meter_idle_run", "关闭用气设备后燃气表不走字"),
]
PIPING = [
    ("pipe_material", "管材为燃气专用"),
    ("pipe_misuse", "管道未悬挂物品、未作接地线"),
    ("pipe_through_bedroom", "管道未穿越卧室"),
    ("private_rerouting", "无私拉乱接、私自改管"),
    ("buried_joint", "暗埋管道无接头、阀门"),
    ("open_kitchen", "开放式厨房有门隔断或燃气报警器"),
    ("shared_meter", "无一表多用、表后表"),
]
STOVE = [
    ("stove_connection", "灶具连接牢固、软管完好"),
    ("hose_condition", "软管不超2米、不穿墙、无龟裂老化、无中间接头、有管卡、不受拉"),
    ("stove_ventilation", "灶具处通风良好"),
    ("cabinet_vent", "嵌入式灶具橱柜通风孔不少于80cm²"),
    ("unused_outlet_sealed", "双头阀未用一侧已封堵"),
    ("disused_valve_closed", "停用灶具阀门已关闭"),
]
HEATER = [
    ("heater_ventilation", "热水器安装处通风良好"),
    ("heater_flue", "有烟道且废气排至室外"),
    ("flue_intact", "烟道完好、密封、无破损"),
    ("no_direct_exhaust", "不是直排式热水器"),
]
RISER = [
    ("riser_corrosion", "立管无锈蚀、未作接地"),
    ("riser_clamped", "立管固定牢固"),
    ("riser_ventilated", "立管未被封闭或封闭处有通风"),
    ("riser_unaltered", "立管未私自改动"),
    ("safe_distance", "与其他设施保持安全间距"),
    ("riser_valve", "立管阀门开关正常"),
]
METER = [  # the meter items: not for an outdoor meter ("the same checks minus the meter items")
    ("meter_corrosion_leak", "燃气表无锈蚀、无泄漏"),
    ("meter_window", "表窗完好、不松动"),
    ("meter_joints", "表接头不松动"),
    ("meter_installation", "燃气表安装规范、无反挂表"),
    ("meter_seals", "铅封、防护封完好"),
    ("meter_in_date", "燃气表未超期使用"),
    ("no_gas_theft", "无偷盗气迹象"),
]
IC_CARD = [  # an IC-card meter: display against the index; no gas on an empty card
    ("ic_display", "显示读数与机械计数一致"),
    ("ic_valve", "余额用尽或电池耗尽时阀门关闭，不透支、不直通"),
]

INDOOR = {
    "general": GENERAL + METER_IDLE,
    "piping": PIPING,
    "stove": STOVE,
    "heater": HEATER,
    "riser_meter": RISER + METER,
}
OUTDOOR = {
    "general": GENERAL,
    "piping": PIPING,
    "stove": STOVE,
    "heater": HEATER,
    "riser_meter": RISER,
}
# (meter location, meter kind) → the sections and items shown
CHECKLIST = {
    ("indoor", "ordinary"): INDOOR,
    ("indoor", "ic"): {**INDOOR, "ic_meter": IC_CARD},
    ("outdoor", "ordinary"): OUTDOOR,
    ("outdoor", "ic"): OUTDOOR,  # the IC-card items are meter items too
    ("", ""): INDOOR,  # location not recorded: every item that may apply is shown
}
METERS = list(CHECKLIST)

SECTION = re.compile(r'data-section="(\w+)"')
ITEM = re.compile(r'data-item="(\w+)">\s*<div class="item-label" id="label-\w+">([^<]*)</div>')


def label(value) -> str:
    """Test ids: a meter as `indoor-ic`, a list of item codes joined by `+`."""
    if isinstance(value, tuple):
        return "-".join(value) if any(value) else "unrecorded"
    return "+".join(value)


def codes(sections: dict) -> list[str]:
    return [code for items in sections.values() for code, _label in items]


def answers(item_codes: list[str]) -> dict:
    return {code: {"state": "ok"} for code in item_codes}


def home(org, meter: tuple[str, str]) -> Household:
    household = make_household(org.a, community="翠苑", building="1幢", room="101")
    location, kind = meter
    Household.objects.filter(pk=household.pk).update(meter_location=location, meter_kind=kind)
    household.refresh_from_db()
    return household


def visit_page(client, inspector, household) -> str:
    plan = Plan.objects.create(branch=household.branch, month=dt.date(2026, 12, 1))
    task = PlanTask.objects.create(
        plan=plan, household=household, inspector=inspector, day=dt.date(2026, 12, 1), sequence=1
    )
    client.force_login(inspector)
    response = client.get(f"/field/tasks/{task.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def submit(client, inspector, household, checklist: dict):
    payload = inspected(inspector, household, checklist=checklist).model_dump(mode="json")
    return client.post("/api/v1/inspection/visits", payload, content_type="application/json")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.mark.parametrize("meter", METERS, ids=label)
def test_it_shows_each_meter_type_exactly_the_items_of_the_rules(client, org, charlie, meter):
    html = visit_page(client, charlie, home(org, meter))
    sections = SECTION.findall(html)
    assert sections == list(CHECKLIST[meter])
    shown = [(code, label.strip()) for code, label in ITEM.findall(html)]
    assert shown == [item for items in CHECKLIST[meter].values() for item in items]


@pytest.mark.parametrize("meter", METERS, ids=label)
def test_it_takes_a_visit_that_answers_the_rules_items(client, org, charlie, meter):
    household = home(org, meter)
    client.force_login(charlie)
    response = submit(client, charlie, household, answers(codes(CHECKLIST[meter])))
    assert response.status_code == 201, response.json()


@pytest.mark.parametrize(
    ("meter", "left_out"),
    [
        (("indoor", "ic"), ["ic_display", "ic_valve"]),
        (("indoor", "ordinary"), ["meter_idle_run"]),
        (("indoor", "ordinary"), ["meter_seals", "no_gas_theft"]),
        (("outdoor", "ordinary"), ["hose_condition"]),
        (("outdoor", "ic"), ["riser_valve"]),
    ],
    ids=label,
)
def test_it_refuses_a_visit_that_leaves_out_an_item_of_the_rules(
    client, org, charlie, meter, left_out
):
    household = home(org, meter)
    client.force_login(charlie)
    kept = [code for code in codes(CHECKLIST[meter]) if code not in left_out]
    response = submit(client, charlie, household, answers(kept))
    assert response.status_code == 422
    assert response.json()["code"] == "visit_checklist"
    assert response.json()["extra"]["unanswered"] == sorted(left_out)


@pytest.mark.parametrize(
    ("meter", "added"),
    [
        (("outdoor", "ordinary"), [code for code, _label in METER]),
        (("outdoor", "ordinary"), ["meter_idle_run"]),
        (("outdoor", "ic"), [code for code, _label in IC_CARD]),
        (("indoor", "ordinary"), [code for code, _label in IC_CARD]),
    ],
    ids=label,
)
def test_it_refuses_a_visit_that_answers_an_item_not_shown_for_the_meter(
    client, org, charlie, meter, added
):
    household = home(org, meter)
    client.force_login(charlie)
    response = submit(client, charlie, household, answers(codes(CHECKLIST[meter]) + added))
    assert response.status_code == 422
    assert response.json()["code"] == "visit_checklist"
    assert response.json()["extra"]["unknown"] == sorted(added)
