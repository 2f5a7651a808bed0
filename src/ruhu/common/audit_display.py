"""How audit events read on screen: action names and field labels people understand.

Apps register the labels of the actions their services write; an unknown action is shown
as its code, so nothing is ever hidden.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from ruhu.common.models import AuditEvent

ACTION_LABELS: dict[str, Any] = {
    "auth.login": _("登录"),
    "pii.unmask": _("查看完整个人信息"),
    "pii.unmask_refused": _("查看完整个人信息被拒绝"),
    "policy.set": _("修改政策参数"),
    "calendar.day_set": _("调整工作日"),
    "calendar.year_published": _("登记年度放假安排"),
    "attachment.store": _("上传附件"),
}

# Keys services record that are not model fields.
EXTRA_LABELS: dict[str, Any] = {
    "field": _("查看字段"),
    "refusal": _("拒绝原因"),
    "refusal_code": _("拒绝代码"),
    "tokens_revoked": _("吊销的设备令牌"),
    "sessions_ended": _("结束的登录会话"),
    "published": _("已公布"),
    # the counts of an import run (households, facilities)
    "file_sha256": _("文件 SHA-256"),
    "mode": _("导入模式"),
    "read": _("读取行数"),
    "inserted": _("新增"),
    "updated": _("更新"),
    "unchanged": _("未变"),
    "rejected": _("拒绝行数"),
    "written": _("已写入"),
}

# Bookkeeping columns that say nothing to a reader of the trail.
QUIET_FIELDS = frozenset({"id", "created_at", "updated_at", "password", "last_login"})


def register_action_labels(labels: dict[str, Any]) -> None:
    ACTION_LABELS.update(labels)


def action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))


def readable_changes(event: AuditEvent, cache: dict) -> list[dict[str, Any]]:
    """[{label, old, new}] with verbose field names and related objects by name."""
    model = event.target_type.model_class() if event.target_type_id else None
    rows = []
    for name, pair in event.changes.items():
        if name in QUIET_FIELDS:
            continue
        old, new = [*pair, None, None][:2] if isinstance(pair, list) else (None, pair)
        field = _field(model, name)
        if name == "field" and isinstance(new, str):  # pii.unmask names the field it read
            new = getattr(_field(model, new), "verbose_name", new)
        if isinstance(field, models.ForeignKey):
            old, new = _related_name(field, old, cache), _related_name(field, new, cache)
        elif field is not None and field.choices:
            choices = dict(field.flatchoices)
            old, new = choices.get(old, old), choices.get(new, new)
        label = field.verbose_name if field is not None else EXTRA_LABELS.get(name, name)
        rows.append({"label": str(label), "old": _shown(old), "new": _shown(new)})
    return rows


def _field(model, name: str):
    if model is None:
        return None
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    return field if field.concrete else None  # a reverse relation is no column of the row


def _related_name(field: models.ForeignKey, pk, cache: dict) -> Any:
    if pk in (None, ""):
        return pk
    key = (field.related_model, pk)
    if key not in cache:
        try:
            obj = field.related_model._base_manager.filter(pk=pk).first()
        except (ValueError, ValidationError):  # a service wrote the name, not the id
            cache[key] = str(pk)
        else:
            cache[key] = str(obj) if obj is not None else f"#{pk}"
    return cache[key]


def _shown(value: Any) -> str:
    if value is None or value == "":
        return ""
    if value is True:
        return str(_("是"))
    if value is False:
        return str(_("否"))
    return str(value)
