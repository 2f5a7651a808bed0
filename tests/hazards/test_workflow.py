"""The ladder's one table (ruhu.hazards.workflow): the docs show it row by row, the pages
can post every operation it offers, and the services hold a repair job to its assignee."""

from __future__ import annotations

from pathlib import Path

import pytest

from ruhu.accounts.roles import Role
from ruhu.common.errors import IllegalTransition, PermissionRefused
from ruhu.common.models import AuditEvent
from ruhu.hazards.ladder_doc import ladder_cells, parse_ladder
from ruhu.hazards.models import Hazard, HazardStep, State, Step
from ruhu.hazards.selectors import hazard_queue
from ruhu.hazards.services import (
    hazard_assign,
    hazard_repair_done,
    hazard_repair_fail,
    hazard_supply_restore,
)
from ruhu.hazards.views.steps import OPS
from ruhu.hazards.workflow import OPEN, TABLE, Action, actions_for
from tests.conftest import make_user
from tests.hazards.conftest import find, picture

DOCS = Path(__file__).resolve().parents[2] / "docs" / "hazards.md"
WALL = {"hazard_type": "hose_through_wall", "item": "stove_connection"}


def test_it_holds_the_ladder_in_the_docs_equal_to_the_table():
    documented = parse_ladder(DOCS.read_text(encoding="utf-8"))
    assert documented == ladder_cells(), (
        "docs/hazards.md differs from ruhu.hazards.workflow.TABLE: "
        "paste the output of `ruhu hazards workflow` between its ladder markers"
    )


def test_it_parses_every_column_of_a_documented_row():
    [row] = [cells for cells in parse_ladder(DOCS.read_text()) if cells[1] == "`repair`"]
    assert row == (
        "`dispatched`", "`repair`", "`hazards.repair`", "assignee is the actor", "`rectified`",
        "none",
    )  # fmt: skip


def test_the_table_leaves_no_open_state_without_a_way_on_and_writes_every_step():
    moving = {state for row in TABLE if row.to is not None for state in row.states}
    assert set(OPEN) <= moving
    assert {row.step for row in TABLE if row.step} == set(Step)


def test_every_operation_the_table_offers_can_be_posted_by_a_page():
    assert {row.op for row in TABLE if row.op} <= set(OPS)


# ── a repair job is its assignee's ──────────────────────────────────────────────────


@pytest.fixture
def ryan(org):
    return make_user("ryan", Role.REPAIRER, org.team_a)


def fresh(hazard: Hazard) -> Hazard:
    return Hazard.objects.get(pk=hazard.pk)


def trace(hazard: Hazard) -> tuple:
    case = fresh(hazard)
    return case.state, case.assignee_id, HazardStep.objects.count(), AuditEvent.objects.count()


def test_a_second_repairer_can_neither_finish_nor_take_over_a_colleagues_job(
    clock, charlie, rick, ryan, lena, household_a
):
    [hazard] = find(charlie, household_a, WALL)
    hazard_assign(acting_user=rick, hazard=fresh(hazard), repairer=rick)
    photo = picture(ryan)
    before = trace(hazard)
    attempts = {
        "hazard_not_assignee": [
            lambda: hazard_repair_done(acting_user=ryan, hazard=fresh(hazard), after_photo=photo),
            lambda: hazard_repair_fail(acting_user=ryan, hazard=fresh(hazard), reason="拒绝入户"),
        ],
        "hazard_assigned": [
            lambda: hazard_assign(acting_user=ryan, hazard=fresh(hazard), repairer=ryan),
        ],
        "capability_missing": [  # handing a colleague's job on is a lead's
            lambda: hazard_assign(acting_user=rick, hazard=fresh(hazard), repairer=ryan),
        ],
    }
    for code, refused in attempts.items():
        for attempt in refused:
            with pytest.raises(PermissionRefused) as caught:
                attempt()
            assert (caught.value.status, caught.value.code) == (403, code)
    assert trace(hazard) == before
    assert [row.action for row in actions_for(ryan, fresh(hazard))] == []
    assert [row.action for row in actions_for(rick, fresh(hazard))] == [
        Action.REPAIR, Action.REPAIR_FAIL,
    ]  # fmt: skip

    # the lead gives the job to the second repairer: now it is theirs, not the first's
    hazard_assign(acting_user=lena, hazard=fresh(hazard), repairer=ryan)
    with pytest.raises(PermissionRefused):
        hazard_repair_done(acting_user=rick, hazard=fresh(hazard), after_photo=picture(rick))
    hazard_repair_done(acting_user=ryan, hazard=fresh(hazard), after_photo=photo)
    assert fresh(hazard).state == State.CLOSED


def test_a_repairers_queue_lists_their_own_jobs_and_the_unassigned_ones_only(
    clock, charlie, rick, ryan, household_a
):
    [mine] = find(charlie, household_a, WALL)
    [free] = find(charlie, household_a, WALL)
    hazard_assign(acting_user=rick, hazard=fresh(mine), repairer=rick)
    for user, own, takeable in ((rick, [mine.pk], [free.pk]), (ryan, [], [free.pk])):
        sections = {s.key: s for s in hazard_queue(acting_user=user, role="repairer")}
        assert [h.pk for h in sections["repair"].items] == own
        assert [h.pk for h in sections["unassigned"].items] == takeable


def test_a_precondition_on_the_case_is_a_409_not_a_403(clock, charlie, cathy, household_a):
    [hazard] = find(charlie, household_a, WALL)
    Hazard.objects.filter(pk=hazard.pk).update(state=State.RECTIFIED, supply_hold="")
    with pytest.raises(IllegalTransition) as caught:
        hazard_supply_restore(acting_user=cathy, hazard=fresh(hazard))
    assert caught.value.message == "该隐患没有待恢复的供气限制"
