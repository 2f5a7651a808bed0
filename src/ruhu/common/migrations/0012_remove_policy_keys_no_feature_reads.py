"""Remove the seeded policy keys that no feature reads yet (decision 0018): they looked
enforced and were not. Each comes back, declared, with the feature that reads it; until
then docs/policy.md lists them under "coming with the features that read them".

A key still at its seeded value (the company-wide row of 2000-01-01, unchanged) goes with
that row. A key an administrator set (another value, date or a branch's own) is kept with
all its values, marked as read by nothing: when its feature declares it, the seeding after
`migrate` keeps those values and writes the declared meaning over the mark.

The data is written out here; this migration imports no app code.
"""

import datetime as dt

from django.db import migrations

SEEDED_ON = dt.date(2000, 1, 1)
MARK = "【暂无功能读取，不生效】"

# key, kind, unit, seeded value, description, source (as common 0003 seeded them)
UNREAD = [
    ("inspection.records_handover_days", "integer", "天", 1,
     "当日安检记录次日交客服录入", "RULES B9"),
    ("target.inspection_rate.annual", "ratio", "", 0.70, "年度入户安检率目标",
     "RULES B2; §2 五.1"),
    ("target.inspection_rate.excluding_long_absent", "ratio", "", 1.0,
     "剔除长期不在家用户后的安检率目标", "RULES B2; §5"),
    ("report.key_customer_day_of_month", "integer", "日", 1,
     "每月几日形成重点客户分析报告", "RULES B8"),
    ("cleaning.arrive_early_minutes", "integer", "分钟", 5, "保洁员提前到达时间", "RULES D §3"),
    ("cleaning.absent_wait_minutes", "integer", "分钟", 5, "用户不在时等候时间", "RULES D §3"),
    ("cleaning.min_staff_absent_customer", "integer", "人", 2,
     "用户不在场时作业最少人数", "RULES D §3"),
    ("repair.work_order_filing_days", "integer", "天", 0,
     "已签字维修单交前台存档期限（当日）", "RULES D §4"),
]  # fmt: skip


def _untouched(values, seeded) -> bool:
    rows = list(values.values_list("branch_id", "effective_from", "value"))
    return rows == [] or rows == [(None, SEEDED_ON, seeded)]


def remove_unread(apps, schema_editor):
    PolicyKey = apps.get_model("common", "PolicyKey")
    PolicyValue = apps.get_model("common", "PolicyValue")
    for key, _kind, _unit, seeded, _description, _source in UNREAD:
        policy_key = PolicyKey.objects.filter(key=key).first()
        if policy_key is None:
            continue
        values = PolicyValue.objects.filter(key_id=key)
        if _untouched(values, seeded):
            values.delete()
            policy_key.delete()
        elif not policy_key.description.startswith(MARK):
            policy_key.description = (MARK + policy_key.description)[:300]
            policy_key.save(update_fields=["description"])


def restore_unread(apps, schema_editor):
    PolicyKey = apps.get_model("common", "PolicyKey")
    PolicyValue = apps.get_model("common", "PolicyValue")
    for key, kind, unit, seeded, description, source in UNREAD:
        policy_key, _ = PolicyKey.objects.update_or_create(
            key=key,
            defaults={"kind": kind, "unit": unit, "description": description, "source": source},
        )
        if not PolicyValue.objects.filter(key_id=key, branch__isnull=True).exists():
            PolicyValue.objects.create(
                key=policy_key, branch=None, value=seeded, effective_from=SEEDED_ON,
                note="regulation default",
            )  # fmt: skip


class Migration(migrations.Migration):
    dependencies = [("common", "0011_create_import_jobs_of_every_kind")]

    operations = [migrations.RunPython(remove_unread, restore_unread)]
