"""What a check looks at, per kind of facility (RULES C, §2 七–九), and the pressure limits.

Every item is answered 正常 / 缺陷 / 不适用 on the phone; a defect needs a photo. A
regulator box also takes its three pressures, which the policy ranges judge (inclusive
bounds: 3500 Pa is a good cut-off pressure, 3499 Pa is not), and records whether it was
cleaned. A safety valve whose test validity has lapsed on the day of the check is a
defect whatever the inspector answered, on kinds that carry one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from ruhu.common.policy import policy_get
from ruhu.facilities.models import FacilityKind

STATES = ("ok", "defect", "na")
SAFETY_VALVE = "safety_valve"


@dataclass(frozen=True)
class Item:
    code: str
    label: str | Promise


REGULATOR_BOX = (
    Item("gauge", _("压力表正常")),
    Item("box_label", _("箱体标识清晰")),
    Item("emergency_phone", _("抢险电话醒目")),
    Item("red_handle", _("手柄为红色")),
    Item("corrosion", _("箱体、管件无锈蚀")),
    Item("flammables", _("安全距离内无易燃物")),
    Item(SAFETY_VALVE, _("安全阀在检验有效期内")),
)
VALVE_WELL = (
    Item("standing_water", _("井内无积水")),
    Item("numbered", _("阀井已编号")),
    Item("flow_direction", _("有气流方向标识")),
    Item("valve_closes", _("阀门关闭正常")),
)
VALVE_ROOM = (
    Item("fire_equipment", _("消防器材有效")),
    Item("emergency_phone", _("抢险电话醒目")),
    Item("warning_signs", _("警示标识醒目")),
    Item("valve_painted", _("阀门已刷漆")),
    Item("valve_closes", _("阀门关闭正常")),
    Item("valve_greased", _("阀门有黄油、无锈蚀")),
    Item("flow_direction", _("气流方向标识清楚")),
    Item("pipe_labels", _("管道标识齐全")),
    Item("colour_code", _("设备着色规范")),
    Item("gauge", _("压力表正常")),
    Item(SAFETY_VALVE, _("安全阀在检验有效期内")),
)
ITEMS: dict[str, tuple[Item, ...]] = {
    FacilityKind.REGULATOR_BOX: REGULATOR_BOX,
    FacilityKind.VALVE_WELL: VALVE_WELL,
    FacilityKind.VALVE_ROOM: VALVE_ROOM,
    FacilityKind.REGULATOR_CABINET: VALVE_ROOM,
}
# the policy's interval key of each kind: a regulator cabinet is checked like a valve room
INTERVAL_KEY = {
    FacilityKind.REGULATOR_BOX: "facility.check_interval_months.regulator_box",
    FacilityKind.VALVE_WELL: "facility.check_interval_months.valve_well",
    FacilityKind.VALVE_ROOM: "facility.check_interval_months.valve_room",
    FacilityKind.REGULATOR_CABINET: "facility.check_interval_months.valve_room",
}
PRESSURES = ("cutoff_pa", "closing_pa", "operating_pa")
PRESSURE_LABELS = {
    "cutoff_pa": _("切断压力"),
    "closing_pa": _("关闭压力"),
    "operating_pa": _("运行压力"),
}
ITEM_LABELS = {
    item.code: item.label for items in ITEMS.values() for item in items
} | PRESSURE_LABELS


def items_for(kind: str) -> tuple[Item, ...]:
    return ITEMS[kind]


def takes_pressures(kind: str) -> bool:
    return kind == FacilityKind.REGULATOR_BOX


def has_safety_valve(kind: str) -> bool:
    return any(item.code == SAFETY_VALVE for item in ITEMS[kind])


@dataclass(frozen=True)
class PressureRange:
    """One pressure's acceptable range in Pa, both ends included."""

    low: int
    high: int

    def accepts(self, value: int) -> bool:
        return self.low <= value <= self.high


def pressure_ranges(*, branch, on: dt.date) -> dict[str, PressureRange]:
    """The policy ranges in force for the branch on the day."""

    def value(key: str) -> int:
        return int(policy_get(f"facility.regulator_box.{key}", branch=branch, on=on))

    closing, tolerance = value("closing_pa"), value("closing_tolerance_pa")
    return {
        "cutoff_pa": PressureRange(value("cutoff_min_pa"), value("cutoff_max_pa")),
        "closing_pa": PressureRange(closing - tolerance, closing + tolerance),
        "operating_pa": PressureRange(value("operating_min_pa"), value("operating_max_pa")),
    }
