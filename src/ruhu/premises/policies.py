"""The policy keys of a household's appliances (decision 0018)."""

from __future__ import annotations

from ruhu.common.policy_registry import Kind, policy_declarations

declare = policy_declarations("premises")

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
