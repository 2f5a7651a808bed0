"""Seed how long a search term stays on the server behind its opaque handle (`?s=`).

Documented in docs/policy.md. The data is written out here; this migration imports no app code.
"""

import datetime as dt

from django.db import migrations

EFFECTIVE = dt.date(2000, 1, 1)

POLICIES = [
    ("privacy.search_handle_minutes", "integer", "分钟", 30,
     "查找词（可能是手机号、身份证号）在服务器上保留的时长：翻页、返回在此期间有效",
     "Issue 13: 个人信息不进网址和日志"),
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
            defaults={"value": value, "note": "company default"},
        )


def unseed(apps, schema_editor):
    PolicyValue = apps.get_model("common", "PolicyValue")
    PolicyKey = apps.get_model("common", "PolicyKey")
    keys = [row[0] for row in POLICIES]
    PolicyValue.objects.filter(key__in=keys).delete()
    PolicyKey.objects.filter(key__in=keys).delete()


class Migration(migrations.Migration):
    dependencies = [("common", "0007_seed_address_lockout_password_and_unmask_policies")]
    operations = [migrations.RunPython(seed, unseed)]
