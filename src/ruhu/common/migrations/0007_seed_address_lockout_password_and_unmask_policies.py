"""Seed the policies of issue 13 (items 9 and 10): the per-address login limit beside the
per-account one, how varied a password must be, and how many unmasks a user may make an hour.

Documented in docs/policy.md. The data is written out here; this migration imports no app code.
"""

import datetime as dt

from django.db import migrations

EFFECTIVE = dt.date(2000, 1, 1)

# key, kind, unit, value, description, source
POLICIES = [
    ("auth.address.max_failures", "integer", "次", 100,
     "同一网络地址登录失败次数上限（任意账号）", "Issue 13: lockout per account and per address"),
    ("auth.address.window_minutes", "integer", "分钟", 15,
     "同一网络地址登录失败计数窗口", "Issue 13: lockout per account and per address"),
    ("auth.address.lock_minutes", "integer", "分钟", 15,
     "网络地址锁定时长", "Issue 13: lockout per account and per address"),
    ("auth.password_max_run", "integer", "字符", 3,
     "密码中同一字符最多连续出现次数（只能调严）", "Issue 13: passwords"),
    ("auth.password_min_distinct", "integer", "字符", 6,
     "密码至少包含的不同字符数（只能调严）", "Issue 13: passwords"),
    ("pii.unmask.max_per_hour", "integer", "次", 20,
     "每人每小时查看完整个人信息次数上限", "Issue 13: unmasking; DESIGN rule 5"),
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
            defaults={"value": value, "note": "issue 13 default"},
        )


def unseed(apps, schema_editor):
    PolicyValue = apps.get_model("common", "PolicyValue")
    PolicyKey = apps.get_model("common", "PolicyKey")
    keys = [row[0] for row in POLICIES]
    PolicyValue.objects.filter(key__in=keys).delete()
    PolicyKey.objects.filter(key__in=keys).delete()


class Migration(migrations.Migration):
    dependencies = [("common", "0006_create_inbox_messages")]
    operations = [migrations.RunPython(seed, unseed)]
