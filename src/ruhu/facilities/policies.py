"""The policy keys of station facilities: intervals, pressures, repairs, the schedule's
horizons (RULES C; decision 0018)."""

from __future__ import annotations

from ruhu.common.policy_registry import Kind, policy_declarations

declare = policy_declarations("facilities")

# a regulator cabinet is checked like a valve room (facilities/checklist.py INTERVAL_KEY)
declare.family(
    "facility.check_interval_months.",
    kind=Kind.INTEGER,
    unit="月",
    source="RULES C; §2 七–九",
    rows={
        "regulator_box": (3, "调压箱巡检周期", "Check interval of a regulator box"),
        "valve_well": (3, "阀井巡检周期", "Check interval of a valve well"),
        "valve_room": (3, "阀室、调压柜巡检周期", "Check interval of a valve room or cabinet"),
    },
)
declare(
    "facility.regulator_box.cleaning_interval_months",
    kind=Kind.INTEGER,
    default=12,
    unit="月",
    source="RULES C; §2 七",
    zh="调压箱清洗间隔（至少每年一次）",
    en="Months between cleanings of a regulator box (at least yearly)",
)
declare.family(
    "facility.regulator_box.",
    kind=Kind.INTEGER,
    unit="Pa",
    source="RULES C; §2 七",
    rows={
        "cutoff_min_pa": (3500, "切断压力下限", "Lowest good cut-off pressure"),
        "cutoff_max_pa": (3800, "切断压力上限", "Highest good cut-off pressure"),
        "closing_pa": (2800, "关闭压力", "Closing pressure"),
        "closing_tolerance_pa": (
            100,
            "关闭压力允许偏差",
            "Closing pressure tolerance (our choice)",
        ),
        "operating_min_pa": (2300, "运行压力下限", "Lowest good operating pressure"),
        "operating_max_pa": (2500, "运行压力上限", "Highest good operating pressure"),
    },
)
declare(
    "facility.repair_due_days",
    kind=Kind.INTEGER,
    default=3,
    unit="天",
    source='RULES C; §2 七 ("及时更换"; our choice)',
    zh="设施缺陷维修期限（自检查之日起）",
    en="Days from the check within which a facility defect is repaired",
)
declare(
    "facility.due_soon_days",
    kind=Kind.INTEGER,
    default=7,
    unit="天",
    source="RULES C (our choice)",
    zh="设施检查列入“即将到期”的天数",
    en="Days ahead a facility check counts as due soon",
)
declare(
    "facility.upcoming_days",
    kind=Kind.INTEGER,
    default=30,
    unit="天",
    source="RULES C (our choice)",
    zh="设施检查列入“近期到期”的天数",
    en="Days ahead a facility check counts as upcoming",
)
declare(
    "facility.safety_valve_warning_days",
    kind=Kind.INTEGER,
    default=30,
    unit="天",
    source="RULES C; §2 九 (our choice)",
    zh="安全阀检验有效期到期前在检查页提示的天数",
    en="Days before a safety valve's test validity ends that the check page warns",
)
declare(
    "facility.check_max_photo_count",
    kind=Kind.INTEGER,
    default=40,
    unit="张",
    source="RULES C (our choice; decision 0017)",
    zh="一次设施检查记录最多引用的照片数",
    en="Most photos one facility check record may cite",
)
