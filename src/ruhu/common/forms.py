from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ruhu.common.audit_display import ACTION_LABELS
from ruhu.common.converters import DayField


def _action_choices():
    labels = sorted((code, str(label)) for code, label in ACTION_LABELS.items())
    return [("", _("全部动作")), *labels]


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(
        label=_("动作"),
        required=False,
        choices=_action_choices,
        widget=forms.Select(attrs={"aria-label": _("动作")}),
    )
    actor = forms.CharField(
        label=_("操作人"),
        required=False,
        max_length=150,
        widget=forms.TextInput(attrs={"placeholder": _("操作人用户名"), "autocapitalize": "none"}),
    )
    since = DayField(
        label=_("起始日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "aria-label": _("起始日期")}),
    )
    until = DayField(
        label=_("截止日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "aria-label": _("截止日期")}),
    )
