"""The policy tables follow the declarations after every migrate, never overwriting a value
an administrator set; keys no feature reads are removed (decision 0018)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command

from ruhu.common import policy_registry
from ruhu.common.models import PolicyKey, PolicyValue
from ruhu.common.policy import policy_get, policy_set
from ruhu.common.policy_registry import Kind, policy_declarations, policy_declarations_all
from ruhu.common.policy_seed import SEED_EFFECTIVE, policy_seed

NEW = "inspection.test_only_days"
HOSE = "checklist.hose_max_length_m"
UNREAD = [
    "inspection.records_handover_days",
    "target.inspection_rate.annual",
    "target.inspection_rate.excluding_long_absent",
    "report.key_customer_day_of_month",
    "cleaning.arrive_early_minutes",
    "cleaning.absent_wait_minutes",
    "cleaning.min_staff_absent_customer",
    "repair.work_order_filing_days",
]
BEFORE_REMOVAL = "0011_create_import_jobs_of_every_kind"


@pytest.fixture
def declare(monkeypatch):
    """Declarations made in a test are forgotten after it."""
    monkeypatch.setattr(policy_registry, "_declared", dict(policy_registry._declared))
    return policy_declarations("inspection")


def declare_new(declare, default=5):
    return declare(NEW, kind=Kind.INTEGER, default=default, unit="天", source="test",
                   zh="测试", en="test")  # fmt: skip


def test_it_seeds_every_declared_key_with_its_default_and_meaning(db):
    rows = {row.key: row for row in PolicyKey.objects.all()}
    for d in policy_declarations_all():
        row = rows[d.key]
        assert (row.kind, row.unit, row.description, row.source) == (
            d.kind, d.unit, d.zh, d.source
        ), d.key  # fmt: skip
        assert policy_get(d.key, on=SEED_EFFECTIVE) == d.default, d.key


def test_it_gives_a_new_declaration_its_default_and_then_leaves_it_alone(db, alice, declare):
    declare_new(declare)
    assert policy_seed() == [NEW]
    assert policy_get(NEW) == 5 and policy_get(NEW, on=SEED_EFFECTIVE) == 5
    policy_set(acting_user=alice, key=NEW, value=9, effective_from=SEED_EFFECTIVE)

    assert policy_seed() == []
    assert policy_get(NEW) == 9
    assert PolicyValue.objects.filter(key=NEW).count() == 1


def test_it_keeps_a_company_value_set_later_and_branch_values(db, alice, org, declare):
    declare_new(declare)
    policy_seed()
    PolicyValue.objects.filter(key=NEW).delete()  # only a later value and a branch's remain
    policy_set(acting_user=alice, key=NEW, value=8, effective_from=dt.date(2026, 1, 1))
    policy_set(acting_user=alice, key=NEW, value=4, effective_from=SEED_EFFECTIVE, branch=org.a)

    assert policy_seed() == []
    assert list(PolicyValue.objects.filter(key=NEW).order_by("value").values_list("value")) == [
        (4,),
        (8,),
    ]


def test_it_writes_the_declared_meaning_over_an_edited_one_but_not_the_value(db, alice):
    PolicyKey.objects.filter(key=HOSE).update(description="改过", unit="尺", source="")
    policy_set(acting_user=alice, key=HOSE, value=1.5, effective_from=SEED_EFFECTIVE)
    policy_seed()
    row = PolicyKey.objects.get(key=HOSE)
    assert (row.description, row.unit, row.source) == ("灶具连接软管最大长度", "米", "RULES B4")
    assert policy_get(HOSE) == 1.5


@pytest.mark.django_db(transaction=True)
def test_it_seeds_a_missing_key_when_migrate_runs(declare):
    declare_new(declare, default=6)
    PolicyValue.objects.filter(key=HOSE).delete()
    PolicyKey.objects.filter(key=HOSE).delete()

    call_command("migrate", verbosity=0)  # nothing to migrate: the seeding still runs
    assert policy_get(HOSE) == 2.0
    assert policy_get(NEW) == 6


def test_it_refuses_a_key_declared_twice_or_badly(declare):
    with pytest.raises(ValueError, match="twice"):
        declare(HOSE, kind=Kind.DECIMAL, default=2.0, source="x", zh="x", en="x")
    with pytest.raises(ValueError, match="dotted"):
        declare("Hose Length", kind=Kind.DECIMAL, default=2.0, source="x", zh="x", en="x")
    with pytest.raises(ValueError, match="kind"):
        declare("inspection.x_days", kind="days", default=2, source="x", zh="x", en="x")


def test_it_seeds_and_checks_the_docs_from_the_command(db, tmp_path, monkeypatch, declare):
    from ruhu.common.management.commands import policy as command
    from ruhu.common.policy_docs import BEGIN, END, policy_docs_path

    declare_new(declare)
    out = io.StringIO()
    call_command("policy", "seed", stdout=out)
    assert NEW in out.getvalue() and policy_get(NEW) == 5

    stale = tmp_path / "policy.md"
    stale.write_text(policy_docs_path().read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setattr(command, "policy_docs_path", lambda: stale)
    with pytest.raises(CommandError, match="out of date"):  # NEW is not in the table yet
        call_command("policy", "docs", "--check", stdout=io.StringIO())
    call_command("policy", "docs", stdout=io.StringIO())
    written = stale.read_text(encoding="utf-8")
    assert f"| `{NEW}` | 5 | 天 | 测试 | test | test |" in written.partition(END)[0]
    assert written.startswith("# Policy values") and BEGIN in written
    assert "## Coming with the features that read them" in written  # the prose is kept
    call_command("policy", "docs", "--check", stdout=io.StringIO())


@pytest.mark.django_db(transaction=True)
def test_it_removes_unread_keys_but_keeps_one_an_admin_changed(alice, org):
    call_command("migrate", "common", BEFORE_REMOVAL, verbosity=0)
    assert set(UNREAD) <= set(PolicyKey.objects.values_list("key", flat=True))
    annual = "target.inspection_rate.annual"
    assert PolicyValue.objects.get(key=annual).value == 0.7
    PolicyValue.objects.create(
        key_id=annual, branch=org.a, value=0.75, effective_from=dt.date(2026, 1, 1)
    )

    call_command("migrate", "common", verbosity=0)
    left = set(PolicyKey.objects.filter(key__in=UNREAD).values_list("key", flat=True))
    assert left == {annual}
    assert PolicyValue.objects.filter(key_id__in=UNREAD).count() == 2  # the seed and A's
    assert PolicyKey.objects.get(key=annual).description.startswith("【暂无功能读取，不生效】")
    assert policy_get(HOSE) == 2.0  # the declared keys are untouched

    call_command("migrate", "common", BEFORE_REMOVAL, verbosity=0)  # reversible
    assert set(UNREAD) <= set(PolicyKey.objects.values_list("key", flat=True))
    assert PolicyKey.objects.get(key=annual).description == "年度入户安检率目标"
    call_command("migrate", "common", verbosity=0)


def test_it_shows_the_declared_meaning_read_only_in_the_admin(client, alice):
    from tests.conftest import login

    login(client, alice)
    assert client.get("/admin/common/policykey/add/").status_code == 403
    change = client.get(f"/admin/common/policykey/{HOSE}/change/").content.decode()
    assert "灶具连接软管最大长度" in change and 'name="description"' not in change
    client.post(f"/admin/common/policykey/{HOSE}/change/", {"description": "改过", "unit": "尺"})
    assert PolicyKey.objects.get(key=HOSE).description == "灶具连接软管最大长度"
    delete = client.post(f"/admin/common/policykey/{HOSE}/delete/", {"post": "yes"})
    assert delete.status_code == 403
