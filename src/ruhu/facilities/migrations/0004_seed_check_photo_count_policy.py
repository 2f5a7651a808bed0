"""Seed the facility check's own limit on the photos one check may cite, which until now
read the visit's key (decision 0017: each kind of frozen record has its own policy keys).
The default is the visit's: 40.

The data is written out here; this migration imports no app code.
"""

import datetime as dt

from django.db import migrations

EFFECTIVE = dt.date(2000, 1, 1)

# key, kind, unit, value, description, source
POLICIES = [
    ("facility.check_max_photo_count", "integer", "张", 40, "一次设施检查记录最多引用的照片数",
     "RULES C；公司规定"),
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
    PolicyValue.objects.filter(key_id__in=keys, effective_from=EFFECTIVE, branch=None).delete()
    PolicyKey.objects.filter(key__in=keys).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("facilities", "0003_freeze_checks_by_triggers"),
        ("common", "0003_seed_policy_values"),
    ]
    operations = [migrations.RunPython(seed, unseed)]
