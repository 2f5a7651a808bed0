"""Property-based API tests: schemathesis generates requests from our own OpenAPI schema and
sends each of them as every role, with a company's worth of records present.

Whatever it sends, no role may get a server error, and every answer must carry a status the
schema declares for that operation, in the body the schema documents. The run is seeded and
short: `-m "not schemathesis"` leaves it out of quick loops.
"""

from __future__ import annotations

import datetime as dt
import zlib
from dataclasses import dataclass, field

import pytest
import schemathesis
from django.db import transaction
from django.test import TestCase, override_settings
from django.utils import timezone
from hypothesis import HealthCheck, settings
from ninja import Schema
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)

from ruhu.accounts.roles import FIELD_ROLES, Role
from ruhu.accounts.services import org_unit_create, token_issue
from ruhu.api import api
from ruhu.common.models import Attachment
from ruhu.facilities.models import FacilityKind, FacilityRepair
from ruhu.hazards.models import Hazard
from ruhu.hazards.services import hazard_assign, hazard_notice_issue, hazard_repair_fail
from ruhu.inspection.models import PlanTask
from ruhu.inspection.services import plan_approve, plan_generate
from ruhu.premises.services import household_create
from ruhu.wsgi import application
from tests.conftest import make_user
from tests.facilities.checking import submit
from tests.factories import make_facility, make_training
from tests.hazards.conftest import find

EXAMPLES = 8  # fuzzed requests per operation, each sent as all 14 roles
CONFIG = SchemathesisConfig.from_dict(
    {
        "seed": 13,
        "generation": {
            "mode": "all",  # valid and invalid input alike
            "max-examples": EXAMPLES,
            "deterministic": True,
            "database": "none",
        },
        # the coverage phase's boundary cases: only the invalid ones (each answered once, see
        # below); valid input comes from the fuzzing phase and goes to every role
        "phases": {"coverage": {"generation": {"mode": "negative"}}},
    }
)
schema = schemathesis.openapi.from_dict(
    api.get_openapi_schema(path_prefix="/api/v1"), config=CONFIG
)
schema.app = application
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]
SHAPE_CODES = {"bad_request", "request_too_large", "invalid_input"}
UNITS = {Role.ADMIN: "company", **dict.fromkeys(FIELD_ROLES, "team_a")}  # others: branch A


@dataclass
class World:
    tokens: dict[str, str]
    ids: dict[str, list] = field(default_factory=dict)  # path parameter -> ids that exist


def _org():
    company = org_unit_create(acting_user=None, kind="company", code="acme", name="示范燃气")
    units = {"company": company}
    for code, name in (("a", "东城项目公司"), ("b", "西城项目公司")):
        units[code] = org_unit_create(
            acting_user=None, kind="branch", code=code, name=name, parent=company
        )
        units[f"team_{code}"] = org_unit_create(
            acting_user=None, kind="team", code=f"{code}1", name=f"{name}一班", parent=units[code]
        )
    return units


def _household(branch, number: int):
    return household_create(
        acting_user=None,
        branch=branch,
        account_no=f"{branch.code.upper()}{number:06d}",
        name="王伟",
        category="residential",
        phone=f"139123456{number:02d}",
        address=f"翠苑小区1幢1单元{number}01室",
    )


def _build_world() -> World:
    units = _org()
    users = {
        role.value: make_user(f"st-{role.value}", role, units[UNITS.get(role, "a")])
        for role in Role
    }
    outsider = make_user("st-dave", Role.INSPECTOR, units["team_b"])
    inspector, lead = users["inspector"], users["inspection_lead"]
    homes = [_household(units["a"], n) for n in (1, 2, 3)] + [_household(units["b"], 4)]
    make_training(lead, inspector, on=timezone.localdate() - dt.timedelta(days=30))
    plan = plan_generate(
        acting_user=lead, branch=units["a"], month=timezone.localdate() + dt.timedelta(days=40)
    )
    plan_approve(acting_user=lead, plan=plan)
    with TestCase.captureOnCommitCallbacks(execute=True):
        hazards = find(
            inspector,
            homes[0],
            {"hazard_type": "hose_through_wall", "item": "stove_connection"},
            {"hazard_type": "hose_defect", "item": "stove_connection", "level": 1},
        )
        hazard_assign(acting_user=users["repairer"], hazard=hazards[0], repairer=users["repairer"])
        hazard_repair_fail(
            acting_user=users["repairer"], hazard=hazards[0], reason="客户不在家，无法入户"
        )
        waiting = Hazard.objects.get(pk=hazards[0].pk)
        notice = hazard_notice_issue(acting_user=inspector, kind="rectify", hazards=[waiting])
    box = make_facility(units["a"], "TYX-A-001", last_checked_on=dt.date(2026, 1, 1))
    well_b = make_facility(units["b"], "FJ-B-001", FacilityKind.VALVE_WELL)
    check = submit(inspector, box, cutoff_pa=3400)  # out of range: a repair job
    tokens = {
        role: token_issue(acting_user=user, user=user, name="schemathesis")[1]
        for role, user in users.items()
    }
    return World(
        tokens=tokens,
        ids={
            "user_id": [user.pk for user in (*users.values(), outsider)],
            "token_id": [token.pk for user in users.values() for token in user.api_tokens.all()],
            "household_id": [home.pk for home in homes],
            "hazard_id": [hazard.pk for hazard in hazards],
            "notice_id": [notice.pk],
            "task_id": list(PlanTask.objects.filter(plan=plan).values_list("pk", flat=True)[:3]),
            "visit_id": [hazards[0].found_visit_id],
            "attachment_id": list(Attachment.objects.values_list("pk", flat=True)[:3]),
            "facility_id": [box.pk, well_b.pk],
            "check_id": [check.pk],
            "repair_id": list(FacilityRepair.objects.values_list("pk", flat=True)),
        },
    )


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """One company for the whole module, in a transaction rolled back at its end. Each test
    runs inside it in its own savepoint (pytest-django's `db`): the examples Hypothesis runs
    for one operation share that savepoint, and what they change is gone before the next
    operation's."""
    from huey.contrib.djhuey import HUEY

    media = tmp_path_factory.mktemp("media")
    fast = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=media, PASSWORD_HASHERS=fast),
        transaction.atomic(),
    ):
        immediate, HUEY.immediate = HUEY.immediate, True
        try:
            yield _build_world()
        finally:
            HUEY.immediate = immediate
            transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def _keep_the_test_connection_open():
    """Like Django's test client: a WSGI request must not close the test's transaction."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def _aim_at_existing_records(case, ids: dict[str, list]) -> None:
    """Generated ids rarely exist: half the cases (chosen by their own values, so the run stays
    the same from one time to the next) are aimed at records that do."""
    for name, value in case.path_parameters.items():
        choice = zlib.crc32(f"{name}={value}".encode())
        if ids.get(name) and choice % 2:
            case.path_parameters[name] = ids[name][choice // 2 % len(ids[name])]


@pytest.mark.schemathesis
@pytest.mark.django_db
@schema.parametrize()
@settings(
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_it_answers_every_role_with_a_declared_status_and_never_a_server_error(case, world):
    _aim_at_existing_records(case, world.ids)
    for role, token in world.tokens.items():
        # the role header is for people: a failure's "Reproduce with" line names the role
        headers = {"Authorization": f"Bearer {token}", "X-Test-Role": role}
        response = case.call(headers=headers)
        case.validate_response(response, checks=CHECKS, headers=headers)
        if _refused_before_any_view(response):
            break  # every role's token is valid: the others would hear the same


def _refused_before_any_view(response) -> bool:
    """A request refused for its shape (method, syntax, size, validation) before any view ran."""
    if response.status_code == 405:
        return True
    return response.status_code in {400, 413, 422} and response.json()["code"] in SHAPE_CODES


@pytest.mark.django_db
def test_it_reaches_the_operations_with_each_roles_token(client, world):
    for role, token in world.tokens.items():
        response = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token}")
        assert (response.status_code, response.json()["role"]) == (200, role)
    manager = world.tokens["manager"]
    response = client.get("/api/v1/households", HTTP_AUTHORIZATION=f"Bearer {manager}")
    assert response.json()["count"] == 3  # branch A's own


def _operations():
    for path, operations in api.get_openapi_schema(path_prefix="/api/v1")["paths"].items():
        for method, operation in operations.items():
            yield f"{method.upper()} {path}", operation


def test_it_declares_what_the_framework_answers_around_every_operation():
    for label, operation in _operations():
        declared = {str(status) for status in operation["responses"]}
        takes = {parameter["in"] for parameter in operation.get("parameters", [])}
        expected = {"400"}
        if operation.get("security"):
            expected.add("401")
        if takes or "requestBody" in operation:
            expected.add("422")
        if "requestBody" in operation:
            expected.add("413")
        if operation.get("security") and label.startswith(("POST", "DELETE")):
            expected.add("403")  # a session without its CSRF token
        assert expected <= declared, (label, expected - declared)
    login = dict(_operations())["POST /api/v1/auth/token"]
    assert {401, 429, 503} <= set(login["responses"])


def test_it_documents_every_refusal_as_an_error_body():
    error = {"$ref": "#/components/schemas/ErrorOut"}
    for label, operation in _operations():
        for status, response in operation["responses"].items():
            if int(status) >= 400:
                assert response["content"]["application/json"]["schema"] == error, (label, status)


def _schema_classes(base=Schema):
    for cls in base.__subclasses__():
        if cls.__module__.startswith("ruhu."):
            yield cls
        yield from _schema_classes(cls)


def test_it_gives_every_schema_its_own_name():
    """The OpenAPI document keeps one definition per name: two schemas of one name would
    document one operation with the other's fields."""
    modules: dict[str, set[str]] = {}
    for cls in _schema_classes():
        modules.setdefault(cls.__name__, set()).add(cls.__module__)
    assert {name: found for name, found in modules.items() if len(found) > 1} == {}
    components = api.get_openapi_schema(path_prefix="/api/v1")["components"]["schemas"]
    assert {"TaskOut", "FacilityTaskOut", "ItemIn", "CheckItemIn", "ErrorOut"} <= set(components)
