from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from ruhu.common.errors import NotFound, PermissionRefused, ValidationFailed
from ruhu.common.models import AuditEvent
from ruhu.inspection.models import TrainingRecord, TrainingTopic
from ruhu.inspection.selectors import inspector_qualification, qualifications, training_record_list
from ruhu.inspection.services import training_record_create

ALL = list(TrainingTopic.values)
NOON = dt.timezone(dt.timedelta(hours=8))


def train(acting_user, inspector, day, topics=ALL, trainer="王工"):
    with time_machine.travel(dt.datetime(day.year, day.month, day.day, 12, tzinfo=NOON)):
        return training_record_create(
            acting_user=acting_user, inspectors=[inspector], trained_on=day, topics=topics,
            trainer=trainer,
        )  # fmt: skip


def test_it_records_one_training_for_several_inspectors_and_audits_each(bob, charlie, org):
    from tests.conftest import make_user

    colin = make_user("colin", "inspector", org.team_a)
    records = training_record_create(
        acting_user=bob, inspectors=[charlie, colin], trained_on=dt.date(2026, 3, 2),
        topics=["meters", "gas_basics"], trainer=" 王工 ",
    )  # fmt: skip
    assert [r.inspector for r in records] == [charlie, colin]
    assert records[0].topics == ["gas_basics", "meters"] and records[0].trainer == "王工"
    assert AuditEvent.objects.filter(action="training.record").count() == 2
    assert set(training_record_list(acting_user=bob)) == set(records)


def test_an_inspector_is_qualified_only_when_every_topic_was_trained_within_a_year(bob, charlie):
    train(bob, charlie, dt.date(2026, 1, 10), topics=ALL[:3])
    partly = inspector_qualification(inspector=charlie, on=dt.date(2026, 2, 1))
    assert not partly.qualified and partly.missing_topics == tuple(ALL[3:])
    train(bob, charlie, dt.date(2026, 2, 5), topics=ALL[3:])
    fully = inspector_qualification(inspector=charlie, on=dt.date(2026, 2, 5))
    assert fully.qualified and fully.valid_until == dt.date(2027, 1, 9)
    assert inspector_qualification(inspector=charlie, on=dt.date(2027, 1, 9)).qualified
    lapsed = inspector_qualification(inspector=charlie, on=dt.date(2027, 1, 10))
    assert not lapsed.qualified and lapsed.missing_topics == tuple(ALL[:3])


def test_a_training_after_the_date_asked_about_does_not_count(bob, charlie):
    train(bob, charlie, dt.date(2026, 5, 1))
    assert not inspector_qualification(inspector=charlie, on=dt.date(2026, 4, 30)).qualified


def test_the_interval_is_a_policy_value(bob, charlie, org):
    from ruhu.common.policy import policy_set

    train(bob, charlie, dt.date(2026, 1, 10))
    policy_set(
        acting_user=None, key="training.inspector_interval_months", value=6,
        effective_from=dt.date(2026, 1, 1), branch=org.a,
    )  # fmt: skip
    assert not inspector_qualification(inspector=charlie, on=dt.date(2026, 7, 10)).qualified
    assert inspector_qualification(inspector=charlie, on=dt.date(2026, 7, 9)).qualified


def test_qualifications_are_read_in_one_query(bob, charlie, org, django_assert_num_queries):
    from tests.conftest import make_user

    others = [make_user(f"i{n}", "inspector", org.team_a) for n in range(5)]
    train(bob, charlie, dt.date(2026, 1, 10))
    inspector_qualification(inspector=charlie, on=dt.date(2026, 2, 1))  # warms the policy cache
    with django_assert_num_queries(1):
        result = qualifications(inspectors=[charlie, *others], on=dt.date(2026, 2, 1))
    assert [result[i.pk].qualified for i in [charlie, *others]] == [True] + [False] * 5


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"topics": []}, "training_topics"),
        ({"topics": ["juggling"]}, "training_topics"),
        ({"trainer": "  "}, "training_trainer"),
        ({"trained_on": dt.date(2026, 12, 1)}, "training_future"),
        ({"inspectors": []}, "training_no_inspectors"),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(bob, charlie, change, code):
    values = {"inspectors": [charlie], "trained_on": dt.date(2026, 3, 2), "topics": ALL,
              "trainer": "王工"} | change  # fmt: skip
    with (
        time_machine.travel(dt.datetime(2026, 11, 27, 12, tzinfo=NOON)),
        pytest.raises(ValidationFailed) as caught,
    ):
        training_record_create(acting_user=bob, **values)
    assert caught.value.code == code
    assert (
        not TrainingRecord.objects.exists()
        and not AuditEvent.objects.filter(action="training.record").exists()
    )


def test_only_inspectors_are_trained_here(alice, bob):
    with pytest.raises(ValidationFailed, match="不是安检员"):
        train(alice, bob, dt.date(2026, 3, 2))


def test_another_branchs_inspector_is_not_found_and_an_inspector_may_not_record(
    bella, charlie, dave
):
    with pytest.raises(NotFound):
        train(bella, charlie, dt.date(2026, 3, 2))
    with pytest.raises(PermissionRefused):
        train(dave, dave, dt.date(2026, 3, 2))
    assert not TrainingRecord.objects.exists()


def test_a_branch_sees_only_its_own_training_records(alice, bob, bella, charlie, dave):
    train(bob, charlie, dt.date(2026, 3, 2))
    train(bella, dave, dt.date(2026, 3, 2))
    assert [r.inspector for r in training_record_list(acting_user=bob)] == [charlie]
    assert {r.inspector for r in training_record_list(acting_user=alice)} == {charlie, dave}


def test_a_deactivated_inspector_is_not_qualified(bob, charlie):
    from ruhu.accounts.services import user_deactivate

    train(bob, charlie, dt.date(2026, 1, 10))
    user_deactivate(acting_user=bob, user=charlie, reason="离职")
    charlie.refresh_from_db()
    assert not inspector_qualification(inspector=charlie, on=dt.date(2026, 2, 1)).qualified


def test_an_inspector_outside_every_branch_cannot_be_trained(alice, eve):
    with pytest.raises(ValidationFailed, match="未归属分公司"):
        train(alice, eve, dt.date(2026, 3, 2))
    assert not TrainingRecord.objects.exists()
