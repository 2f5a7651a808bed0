"""Seed the facility policies the regulation leaves to the company: how soon a defect must
be repaired and how far ahead the schedule looks. The check intervals and pressure ranges
of RULES C were seeded with the other regulation values (common 0003).

The data is written out here; this migration imports no app code.
"""

import datetime as dt

from django.db import migrations

EFFECTIVE = dt.date(2000, 1, 1)

POLICIES = [
    ("facility.repair_due_days", "integer", "天", 3, "设施缺陷维修期限（自检查之日起）",
     "RULES C：对有问题的调压箱及时更换"),
    ("facility.due_soon_days", "integer", "天", 7, "设施检查“即将到期”的天数",
     "公司规定"),
    ("facility.upcoming_days", "integer", "天", 30, "设施检查“近期到期”的天数", "公司规定"),
    ("facility.safety_valve_warning_days", "integer", "天", 30,
     "安全阀检验有效期到期前提示的天数", "公司规定"),
]  # fmt: skip


def seed(apps, schema_editor):
    PolicyKey = apps.get_model("common", "PolicyKey")
    PolicyValue = apps.get_model("common", "PolicyValue")
    for key, kind, unit, value, description, source in POLICIES:
        policy_key, _ = PolicyKey.objects.update_or_create(
            key=key,
            defaults={"kind": kind, "unit": unit, "description": description, "source": source},
        )
        PolicyValue.objects.get_or_create(
            key=policy_key,
            branch=None,
            effective_from=EFFECTIVE,
            defaults={"value": value, "note": "regulation default"},
        )


def unseed(apps, schema_editor):
    PolicyValue = apps.get_model("common", "PolicyValue")
    PolicyKey = apps.get_model("common", "PolicyKey")
    keys = [row[0] for row in POLICIES]
    PolicyValue.objects.filter(key__in=keys).delete()
    PolicyKey.objects.filter(key__in=keys).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("facilities", "0001_create_registry_tasks_checks_and_repairs"),
        ("common", "0003_seed_policy_values"),
    ]
    operations = [migrations.RunPython(seed, unseed)]
