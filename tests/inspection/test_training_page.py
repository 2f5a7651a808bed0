from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from ruhu.inspection.models import TrainingRecord, TrainingTopic
from ruhu.inspection.services import training_record_create
from tests.conftest import login

ALL = list(TrainingTopic.values)
# A training counts for a year and may not lie in the future: the dates below hold on this day.
TODAY = dt.datetime(2026, 12, 1, 10, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def pinned_today():
    with time_machine.travel(TODAY, tick=False):
        yield


def form(inspectors, **changes):
    data = {"trained_on": "2026-03-02", "trainer": "王工", "topics": ALL,
            "inspectors": [i.pk for i in inspectors], "note": ""}  # fmt: skip
    return data | changes


def test_a_manager_records_a_training_and_sees_who_may_be_planned(client, bob, charlie, dave):
    login(client, bob)
    page = client.get("/inspection/training/").content.decode()
    assert "Charlie" in page and "Dave" not in page and "不可排班" in page
    response = client.post("/inspection/training/", form([charlie], trained_on="2026-11-20"))
    assert response.status_code == 302
    assert TrainingRecord.objects.get().inspector == charlie
    page = client.get("/inspection/training/").content.decode()
    assert "合格至" in page and "已登记 1 名安检员的培训" in page


def test_a_bad_training_form_answers_422_and_records_nothing(client, bob, charlie):
    login(client, bob)
    response = client.post("/inspection/training/", form([charlie], trainer="", topics=[]))
    assert response.status_code == 422
    response = client.post("/inspection/training/", form([charlie], trained_on="2026-12-02"))
    assert response.status_code == 422 and "未来" in response.content.decode()
    assert not TrainingRecord.objects.exists()


def test_another_branchs_inspector_cannot_be_posted(client, bella, charlie):
    login(client, bella)
    response = client.post("/inspection/training/", form([charlie]))
    assert response.status_code == 422  # not among the choices of branch B
    assert not TrainingRecord.objects.exists()


def test_an_inspector_may_not_open_the_training_page(client, charlie):
    login(client, charlie)
    assert client.get("/inspection/training/").status_code in (403, 404)
    assert "/inspection/training/" not in client.get("/").content.decode()


def test_the_page_reads_in_a_fixed_number_of_queries(
    client, bob, org, django_assert_max_num_queries
):
    from tests.conftest import make_user

    people = [make_user(f"insp{n}", "inspector", org.team_a) for n in range(8)]
    training_record_create(acting_user=bob, inspectors=people, trained_on=dt.date(2026, 3, 2),
                           topics=ALL, trainer="王工")  # fmt: skip
    login(client, bob)
    client.get("/inspection/training/")
    with django_assert_max_num_queries(14):
        assert client.get("/inspection/training/").status_code == 200
