"""The visit checklist of RULES B4 and the hazard types of B5, as data.

Each item says when it applies: an outdoor meter drops the meter items, an ordinary meter
the IC-card items. The phone shows every applicable item; the server refuses a visit that
leaves one unanswered, so no item is ever recorded as checked without being shown.
A label that quotes a rule's number (the hose's 2 m, the cabinet vent's 80 cm²) reads it
from policy for the household's branch and the day: `item_label`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from ruhu.common.policy import policy_get, policy_number

ALWAYS, INDOOR_METER, IC_METER = "always", "indoor_meter", "ic_meter"
STATES = ("ok", "hazard", "na")


@dataclass(frozen=True)
class Item:
    code: str
    section: str
    label: str | Promise
    applies: str = ALWAYS
    # the policy numbers the label quotes: its placeholder → the policy key
    numbers: dict[str, str] = field(default_factory=dict, hash=False)


SECTIONS = {
    "general": _("询问与检漏"),
    "piping": _("户内管道"),
    "stove": _("灶具"),
    "heater": _("热水器"),
    "riser_meter": _("立管和燃气表"),
    "ic_meter": _("IC卡表"),
}

ITEMS = (
    Item("gas_odour", "general", _("询问并嗅闻有无燃气异味")),
    Item("leak_test", "general", _("各接头、阀门检漏（检漏仪或检漏液）")),
    Item("meter_idle_run", "general", _("关闭用气设备后燃气表不走字"), INDOOR_METER),
    Item("pipe_material", "piping", _("管材为燃气专用")),
    Item("pipe_misuse", "piping", _("管道未悬挂物品、未作接地线")),
    Item("pipe_through_bedroom", "piping", _("管道未穿越卧室")),
    Item("private_rerouting", "piping", _("无私拉乱接、私自改管")),
    Item("buried_joint", "piping", _("暗埋管道无接头、阀门")),
    Item("open_kitchen", "piping", _("开放式厨房有门隔断或燃气报警器")),
    Item("shared_meter", "piping", _("无一表多用、表后表")),
    Item("stove_connection", "stove", _("灶具连接牢固、软管完好")),
    Item(
        "hose_condition",
        "stove",
        _("软管不超%(metres)s米、不穿墙、无龟裂老化、无中间接头、有管卡、不受拉"),
        numbers={"metres": "checklist.hose_max_length_m"},
    ),
    Item("stove_ventilation", "stove", _("灶具处通风良好")),
    Item(
        "cabinet_vent",
        "stove",
        _("嵌入式灶具橱柜通风孔不少于%(cm2)scm²"),
        numbers={"cm2": "checklist.stove_cabinet_vent_min_cm2"},
    ),
    Item("unused_outlet_sealed", "stove", _("双头阀未用一侧已封堵")),
    Item("disused_valve_closed", "stove", _("停用灶具阀门已关闭")),
    Item("heater_ventilation", "heater", _("热水器安装处通风良好")),
    Item("heater_flue", "heater", _("有烟道且废气排至室外")),
    Item("flue_intact", "heater", _("烟道完好、密封、无破损")),
    Item("no_direct_exhaust", "heater", _("不是直排式热水器")),
    Item("riser_corrosion", "riser_meter", _("立管无锈蚀、未作接地")),
    Item("riser_clamped", "riser_meter", _("立管固定牢固")),
    Item("riser_ventilated", "riser_meter", _("立管未被封闭或封闭处有通风")),
    Item("riser_unaltered", "riser_meter", _("立管未私自改动")),
    Item("safe_distance", "riser_meter", _("与其他设施保持安全间距")),
    Item("riser_valve", "riser_meter", _("立管阀门开关正常")),
    Item("meter_corrosion_leak", "riser_meter", _("燃气表无锈蚀、无泄漏"), INDOOR_METER),
    Item("meter_window", "riser_meter", _("表窗完好、不松动"), INDOOR_METER),
    Item("meter_joints", "riser_meter", _("表接头不松动"), INDOOR_METER),
    Item("meter_installation", "riser_meter", _("燃气表安装规范、无反挂表"), INDOOR_METER),
    Item("meter_seals", "riser_meter", _("铅封、防护封完好"), INDOOR_METER),
    Item("meter_in_date", "riser_meter", _("燃气表未超期使用"), INDOOR_METER),
    Item("no_gas_theft", "riser_meter", _("无偷盗气迹象"), INDOOR_METER),
    Item("ic_display", "ic_meter", _("显示读数与机械计数一致"), IC_METER),
    Item("ic_valve", "ic_meter", _("余额用尽或电池耗尽时阀门关闭，不透支、不直通"), IC_METER),
)


def applicable_items(*, meter_location: str, meter_kind: str) -> tuple[Item, ...]:
    """The items shown for a household with this meter."""
    indoor = meter_location != "outdoor"
    ic = indoor and meter_kind == "ic"
    return tuple(
        item
        for item in ITEMS
        if item.applies == ALWAYS
        or (item.applies == INDOOR_METER and indoor)
        or (item.applies == IC_METER and ic)
    )


def item_label(item: Item, *, branch, on: dt.date) -> str:
    """The item's label, quoting the policy numbers in force for the branch on the day."""
    if not item.numbers:
        return str(item.label)
    values = {
        name: policy_number(policy_get(key, branch=branch, on=on))
        for name, key in item.numbers.items()
    }
    return str(item.label) % values
