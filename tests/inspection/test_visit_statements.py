"""The statements of one visit submission (issue 15; decision 0025): a ceiling that fails
on a regression, one audit INSERT, and nothing read back once the visit is written.

A typical visit as the benchmark posts it (bench/visits.py): the checklist with two item
photos and the signature cited, sent with a bearer token; one in ten also finds a hazard
fixed on the spot. Before decision 0025 such a visit ran 19 statements on SQLite (30 with
the hazard) and 20 (31) on PostgreSQL; a repeat ran 4. Run with -s to see them by kind.
"""

from __future__ import annotations

import re
from collections import Counter

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ruhu.accounts.services import token_issue
from ruhu.common.ledger import ledger_verify
from ruhu.common.models import AuditEvent
from ruhu.hazards.models import Hazard
from tests.factories import make_household
from tests.inspection.visiting import inspected, photo

URL = "/api/v1/inspection/visits"
# on PostgreSQL the chain's advisory lock is one statement more (SQLite's write lock is
# taken by BEGIN IMMEDIATE, which the test's own transaction stands in for)
LOCK = 1
CEILING = {"plain": 13, "hazard": 21, "repeat": 3}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def phone(client, charlie):
    _token, raw = token_issue(acting_user=charlie, user=charlie, name="phone")
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {raw}"
    return client


def typical(user, household, *, hazard: bool) -> dict:
    first, second, third = photo(user, "red"), photo(user, "green"), photo(user, "blue")
    body = inspected(user, household, latitude=30.271234, longitude=120.151234).model_dump(
        mode="json"
    )
    body["checklist"]["stove_connection"]["photos"] = [first]
    body["checklist"]["leak_test"]["photos"] = [second]
    if hazard:
        body["checklist"]["hose_condition"] = {"state": "hazard", "note": "软管老化"}
        body["hazards"] = [
            {
                "hazard_type": "hose_defect",
                "item": "hose_condition",
                "level": 1,
                "description": "软管老化龟裂，现场更换",
                "fixed_on_spot": True,
                "before_photo": third,
                "after_photo": first,
            }
        ]
    return body


def kinds(captured) -> Counter:
    """Statements by kind: the verb and the table ("INSERT common_auditevent")."""
    counted: Counter = Counter()
    for query in captured.captured_queries:
        sql = query["sql"]
        verb = sql.split(None, 1)[0].upper()
        table = re.search(r'(?:FROM|INTO|UPDATE)\s+"?(\w+)"?', sql)
        counted[f"{verb} {table.group(1) if table else ''}".strip()] += 1
    return counted


def show(label: str, captured) -> None:
    print(f"\n{connection.vendor} {label}: {len(captured)} statements")
    for kind, count in sorted(kinds(captured).items()):
        print(f"  {count} × {kind}")


def ceiling(label: str) -> int:
    extra = LOCK if connection.vendor == "postgresql" and label != "repeat" else 0
    return CEILING[label] + extra


def post(phone, body: dict, status: int) -> dict:
    response = phone.post(URL, body, content_type="application/json")
    assert response.status_code == status, response.content
    return response.json()


@pytest.mark.parametrize("label", ["plain", "hazard"])
def test_a_visit_runs_few_statements_and_reads_nothing_back(phone, charlie, org, label):
    hazard = label == "hazard"
    warm = make_household(org.a, account_no="A000101", name="甲", address="翠苑1幢101室")
    post(phone, typical(charlie, warm, hazard=hazard), 201)  # content types, policies
    home = make_household(org.a, account_no="A000102", name="乙", address="翠苑1幢102室")
    body = typical(charlie, home, hazard=hazard)
    with CaptureQueriesContext(connection) as captured:
        answer = post(phone, body, 201)
    show(label, captured)
    assert len(captured) <= ceiling(label)
    counted = kinds(captured)
    assert counted["INSERT common_auditevent"] == 1  # the visit's, household's, hazard's
    written = next(n for n, q in enumerate(captured.captured_queries) if "INSERT INTO" in q["sql"])
    read_back = [
        q["sql"][:80]
        for q in captured.captured_queries[written:]
        if q["sql"].startswith("SELECT")
        and re.search(r"inspection_visit|common_ledgerentry|common_attachment", q["sql"])
        and not q["sql"].startswith("SELECT seq, entry_hash")  # the head, under the lock
    ]
    assert read_back == []
    # what was built in hand is what the loader reads: the chain verifies
    assert answer["frozen"] is True and answer["ledger_seq"] == 2
    assert ledger_verify().ok
    # every fact recorded, in the order recorded (what the visit set going, then itself)
    rows = AuditEvent.objects.order_by("id")
    wanted = [("household.visit", str(home.pk)), ("visit.submit", body["id"])]
    if hazard:
        case = Hazard.objects.get(found_visit_id=body["id"])
        assert case.state == "closed"
        wanted.insert(0, ("hazard.fixed_on_spot", str(case.pk)))
    last = [(row.action, row.target_id, row.actor_id) for row in rows][-len(wanted) :]
    assert last == [(action, target, charlie.pk) for action, target in wanted]


def test_a_repeat_is_answered_from_one_read(phone, charlie, org):
    home = make_household(org.a, account_no="A000103", name="丙", address="翠苑1幢103室")
    body = typical(charlie, home, hazard=False)
    first = post(phone, body, 201)
    with CaptureQueriesContext(connection) as captured:
        again = post(phone, body, 200)
    show("repeat", captured)
    assert len(captured) <= ceiling("repeat")
    assert again["id"] == first["id"] and again["ledger_seq"] == first["ledger_seq"]
    body["note"] = "another"
    assert post(phone, body, 409)["code"] == "visit_id_conflict"
