"""The policy keys of households: when each is due for inspection (RULES B1, B7) and how
long its appliances may be used (decision 0018)."""

from __future__ import annotations

from ruhu.common.policy_registry import Kind, policy_declarations

declare = policy_declarations("premises")

# B1 cycles: premises/due.py reads them all, the household services a special site's bounds
declare.family(
    "inspection.cycle_months.",
    kind=Kind.INTEGER,
    unit="月",
    source="RULES B1; §2 一",
    rows={
        "residential": (24, "居民用户安检周期", "Cycle of a residential household (§5 too)"),
        "commercial": (12, "商业用户安检周期", "Cycle of a commercial customer"),
        "industrial": (12, "工业用户安检周期", "Cycle of an industrial customer"),
        "public_welfare": (12, "公福用户安检周期", "Cycle of a public-welfare customer"),
        "special_min": (3, "特殊用气场所安检周期下限", "Shortest cycle of a special gas-use site"),
        "special_max": (6, "特殊用气场所安检周期上限", "Longest cycle of a special gas-use site"),
        "special_default": (
            6,
            "特殊用气场所未单独设定时的周期",
            "Cycle of a special gas-use site without its own",
        ),
        "vulnerable": (
            12,
            "弱势群体用户安检周期（制度未给数字，our choice）",
            "Cycle of a vulnerable household (no number in the rules: our choice)",
        ),
    },
)
declare(
    "inspection.first_conversion_due_days",
    kind=Kind.INTEGER,
    default=0,
    unit="天",
    source="RULES B1",
    zh="首次置换用户应在几天内安检（0 = 立即）",
    en="Days within which a first-time conversion is inspected (0 = at once)",
)
declare(
    "inspection.long_absent.months_without_inspection",
    kind=Kind.INTEGER,
    default=24,
    unit="月",
    source="RULES B7",
    zh="连续无成功安检月数达到即列为长期不在家",
    en="Months without an inspection that make a household long-term absent",
)
declare.family(
    "appliance.service_life_years.",
    kind=Kind.INTEGER,
    unit="年",
    source="GB 17905; CJ/T 347 (gas alarm)",
    rows={
        "stove": (8, "燃气灶具判废年限", "Service life of a gas stove"),
        "water_heater": (8, "天然气热水器判废年限", "Service life of a gas water heater"),
        "wall_hung_boiler": (
            8,
            "燃气采暖热水炉判废年限（参考热水器）",
            "Service life of a wall-hung boiler (as a water heater)",
        ),
        "gas_alarm": (5, "家用燃气报警器使用年限", "Service life of a household gas alarm"),
    },
)
