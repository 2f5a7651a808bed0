"""Seed the device-token and first-login policies, and give every existing device token
the expiry the new policy would have given it.

Documented in docs/policy.md. The data is written out here; this migration imports no app code.
"""

import datetime as dt

from django.db import migrations

EFFECTIVE = dt.date(2000, 1, 1)
IDLE_DAYS = 30
MAX_DAYS = 180

POLICIES = [
    ("auth.token_idle_days", "integer", "天", IDLE_DAYS,
     "设备令牌闲置多少天后失效（每次使用顺延）", "Issue 13: tokens expire"),
    ("auth.token_max_days", "integer", "天", MAX_DAYS,
     "设备令牌自签发起最长有效天数（顺延不超过此限）", "Issue 13: tokens expire"),
    ("auth.first_login_valid_hours", "integer", "小时", 72,
     "一次性密码与邀请链接的有效期", "Issue 13: nobody grants what they don't hold"),
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
    PolicyValue.objects.filter(key_id__in=keys, effective_from=EFFECTIVE, branch=None).delete()
    PolicyKey.objects.filter(key__in=keys).delete()


def expire_old_tokens(apps, schema_editor):
    """Tokens issued before expiry existed: idle since their last use, capped by their age."""
    ApiToken = apps.get_model("accounts", "ApiToken")
    for token in ApiToken.objects.filter(expires_at__isnull=True, revoked_at__isnull=True):
        last_active = token.last_used_at or token.created_at
        token.expires_at = min(
            last_active + dt.timedelta(days=IDLE_DAYS),
            token.created_at + dt.timedelta(days=MAX_DAYS),
        )
        token.save(update_fields=["expires_at"])


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_add_first_password_change"),
        ("common", "0003_seed_policy_values"),
    ]
    operations = [
        migrations.RunPython(seed, unseed),
        migrations.RunPython(expire_old_tokens, migrations.RunPython.noop),
    ]
