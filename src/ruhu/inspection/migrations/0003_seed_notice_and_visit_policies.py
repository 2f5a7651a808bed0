"""Seed the policy values the notices, visits and absent review ask for (RULES B3, B4, B7).

The data is written out here; this migration imports no app code.
"""

import datetime as dt

from django.db import migrations

EFFECTIVE = dt.date(2000, 1, 1)

# key, kind, unit, value, description, source
POLICIES = [
    ("notice.hotline", "text", "", "96777", "通知中的服务热线（请按本公司号码设置）", "RULES B3"),
    ("notice.visit_hours", "text", "", "9:00–17:00", "通知中写明的上门时段", "RULES B3"),
    (
        "notice.household_sms_window_days",
        "integer",
        "天",
        3,
        "计划日前几天内向用户发送上门短信（至少提前 notice.household_days_before 天）",
        "RULES B3",
    ),
    (
        "inspection.absent_review_deduction_points",
        "integer",
        "分",
        2,
        "复核人员入户成功时，对报告到访不遇的安检员扣减的绩效分",
        "RULES B7",
    ),
    (
        "inspection.visit_max_photo_count",
        "integer",
        "张",
        40,
        "一次入户记录最多引用的照片数",
        "RULES B4",
    ),
]


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
    PolicyValue.objects.filter(key_id__in=keys, effective_from=EFFECTIVE, branch=None).delete()
    PolicyKey.objects.filter(key__in=keys).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("common", "0003_seed_policy_values"),
        ("inspection", "0002_create_plans_and_tasks"),
    ]
    operations = [migrations.RunPython(seed, unseed)]
