"""The rectification loop (RULES B5, B6, B8): the hazard catalogue, each hazard found as a
case with its state, the immutable steps that moved it, the paper notices behind them and
the follow-up calls."""

from ruhu.hazards.models.cases import (
    ON_OPEN_LIST,
    OPEN_STATES,
    RECTIFIED_RESOLUTIONS,
    Hazard,
    Resolution,
    Route,
    State,
    SupplyHold,
)
from ruhu.hazards.models.catalogue import Fixer, HazardType, Level, ScheduleRow
from ruhu.hazards.models.notices import TRACKED_METHODS, DeliveryMethod, HazardNotice
from ruhu.hazards.models.records import ClockRun, FollowUpCall, HazardTally, MonthlyPackage
from ruhu.hazards.models.steps import HazardStep, Step

__all__ = [
    "ON_OPEN_LIST",
    "OPEN_STATES",
    "RECTIFIED_RESOLUTIONS",
    "TRACKED_METHODS",
    "ClockRun",
    "DeliveryMethod",
    "Fixer",
    "FollowUpCall",
    "Hazard",
    "HazardNotice",
    "HazardStep",
    "HazardTally",
    "HazardType",
    "Level",
    "MonthlyPackage",
    "Resolution",
    "Route",
    "ScheduleRow",
    "State",
    "Step",
    "SupplyHold",
]
