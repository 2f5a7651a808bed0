from __future__ import annotations

import datetime as dt
from collections import defaultdict

from hypothesis import given, settings
from hypothesis import strategies as st

from ruhu.inspection.planning import NO_INSPECTOR, OVER_CAPACITY, Due, assign

DAYS = [dt.date(2026, 12, d) for d in (1, 2, 3, 4, 7, 8, 9, 10, 11, 14)]


def building(community: str, name: str, size: int, start: int, **flags) -> list[Due]:
    return [
        Due(start + n, community, name, flags.get("due_on", dt.date(2026, 12, 20)),
            flags.get("overdue", False), flags.get("vulnerable", False))
        for n in range(size)
    ]  # fmt: skip


def test_it_keeps_buildings_whole_and_a_community_on_consecutive_days():
    due = (
        building("翠苑", "1幢", 15, 0)
        + building("翠苑", "2幢", 15, 100)
        + building("文华苑", "1幢", 30, 200)
    )
    plan = assign(due, inspectors=[7, 8], days=DAYS, capacity=10, max_ratio=1.2)
    owner = {(t.household_id // 100): t.inspector_id for t in plan.tasks}
    by_building = defaultdict(set)
    for task in plan.tasks:
        by_building[task.household_id // 100].add(task.inspector_id)
    assert all(len(inspectors) == 1 for inspectors in by_building.values())
    assert owner[0] == owner[1] != owner[2]  # 翠苑 with one inspector, 文华苑 with the other
    days_of_cuiyuan = sorted({t.day for t in plan.tasks if t.household_id < 200})
    assert days_of_cuiyuan == DAYS[:3]  # 30 households, 10 a day, on the first working days


def test_balance_wins_over_a_whole_building_when_the_buildings_do_not_allow_it():
    due = building("甲", "1幢", 20, 0) + building("甲", "2幢", 40, 100)
    plan = assign(due, inspectors=[1, 2], days=DAYS, capacity=10, max_ratio=1.2)
    assert sorted(plan.loads().values()) == [30, 30]
    assert plan.unplanned == []


def test_overdue_and_vulnerable_households_come_first_when_not_all_fit():
    late = building("甲", "1幢", 5, 0, overdue=True)
    frail = building("乙", "1幢", 5, 100, vulnerable=True)
    ordinary = building("丙", "1幢", 30, 200)
    plan = assign(
        ordinary + frail + late, inspectors=[1], days=DAYS[:2], capacity=10, max_ratio=1.2
    )
    planned = {t.household_id for t in plan.tasks}
    assert {d.household_id for d in late + frail} <= planned
    assert len(plan.unplanned) == 20 and {r for _, r in plan.unplanned} == {OVER_CAPACITY}
    first_day = {t.household_id for t in plan.tasks if t.day == DAYS[0]}
    assert {d.household_id for d in late} <= first_day


def test_nothing_is_planned_without_a_qualified_inspector():
    plan = assign(building("甲", "1幢", 3, 0), inspectors=[], days=DAYS, capacity=10, max_ratio=1.2)
    assert plan.tasks == [] and {r for _, r in plan.unplanned} == {NO_INSPECTOR}


buildings = st.lists(
    st.tuples(st.sampled_from("ABCDEF"), st.integers(1, 9), st.integers(1, 60), st.booleans()),
    min_size=1,
    max_size=30,
)


@settings(max_examples=200, deadline=None)
@given(buildings, st.integers(1, 6), st.integers(1, 10), st.integers(1, 40))
def test_every_plan_keeps_the_rules(spec, inspector_count, day_count, capacity):
    due, seen, next_id = [], set(), 0
    for community, number, size, overdue in spec:
        if (community, number) in seen:
            continue
        seen.add((community, number))
        due += building(community, f"{number}幢", size, next_id, overdue=overdue)
        next_id += size
    inspectors, days = list(range(1, inspector_count + 1)), DAYS[:day_count]
    plan = assign(due, inspectors=inspectors, days=days, capacity=capacity, max_ratio=1.2)
    # every household once: planned or unplanned
    assert sorted([t.household_id for t in plan.tasks] + [h for h, _ in plan.unplanned]) == [
        d.household_id for d in due
    ]
    per_day = defaultdict(int)
    for task in plan.tasks:
        per_day[task.inspector_id, task.day] += 1
        assert task.day in days and task.inspector_id in inspectors
    assert max(per_day.values(), default=0) <= capacity
    # priority: nothing planned is less urgent than something left out
    if plan.unplanned:
        worst_planned = max(
            d.priority for d in due if d.household_id in {t.household_id for t in plan.tasks}
        )
        best_left = min(d.priority for d in due if d.household_id in {h for h, _ in plan.unplanned})
        assert worst_planned <= best_left
    # balance: largest / smallest load within 1.2 when each inspector has at least 5
    loads = [plan.loads().get(i, 0) for i in inspectors]
    if min(loads) >= 5:
        assert max(loads) / min(loads) <= 1.2 + 1e-9, loads
    else:
        assert max(loads) - min(loads) <= max(1, 0.2 * max(loads) + 1), loads
