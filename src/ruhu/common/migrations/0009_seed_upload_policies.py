"""Seed the upload limits (issue 13): each kind's size, the decoding budget of a picture and
each user's upload rate. Why these numbers: docs/decisions/0015-upload-limits.md.

The data is written out here; this migration imports no app code.
"""

import datetime as dt

from django.db import migrations

EFFECTIVE = dt.date(2000, 1, 1)
SOURCE = "Issue 13: upload limits"

POLICIES = [
    ("attachments.max_mb.photo", "integer", "MB", 16, "照片文件大小上限", SOURCE),
    ("attachments.max_mb.signature", "integer", "MB", 1, "签名图片文件大小上限", SOURCE),
    ("attachments.max_mb.recording", "integer", "MB", 20, "通话录音文件大小上限", SOURCE),
    ("attachments.max_mb.document", "integer", "MB", 20, "文档（通知单、月度材料）大小上限",
     SOURCE),
    ("attachments.max_image_pixels", "integer", "像素", 120_000_000,
     "图片像素上限（宽×高，解码前按文件头检查）", SOURCE),
    ("attachments.max_decode_mb", "integer", "MB", 320,
     "解码并缩小一张图片可占用的内存上限（解码前估算，解码时强制）", SOURCE),
    ("attachments.max_decode_seconds", "integer", "秒", 10, "解码并缩小一张图片可用的 CPU 时间",
     SOURCE),
    ("attachments.rate.uploads_per_minute", "integer", "个", 60, "每人每分钟上传文件数上限",
     SOURCE),
    ("attachments.rate.mb_per_hour", "integer", "MB", 300, "每人每小时上传数据量上限", SOURCE),
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
            defaults={"value": value, "note": "default"},
        )


def unseed(apps, schema_editor):
    PolicyValue = apps.get_model("common", "PolicyValue")
    PolicyKey = apps.get_model("common", "PolicyKey")
    keys = [row[0] for row in POLICIES]
    PolicyValue.objects.filter(key_id__in=keys, effective_from=EFFECTIVE, branch=None).delete()
    PolicyKey.objects.filter(key__in=keys).delete()


class Migration(migrations.Migration):
    dependencies = [("common", "0008_seed_search_handle_policy")]
    operations = [migrations.RunPython(seed, unseed)]
