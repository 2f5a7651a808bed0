"""Input checks of the hazard pages. The templates write the inputs (one small form per
card); these forms only parse what comes back, and the services decide the rest."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ruhu.common.converters import DayField, MonthField
from ruhu.hazards.models import DeliveryMethod, FollowUpCall
from ruhu.hazards.services.cases import OUTCOMES

OUTCOME_LABELS = {
    "rectified": _("已整改（附整改后照片）"),
    "supply_terminated": _("终止供气，结案"),
    "continuing": _("仍在处理"),
}


class NoteForm(forms.Form):
    note = forms.CharField(label=_("说明"), max_length=500, required=False)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("原因"), max_length=500)


class PhotoNoteForm(forms.Form):
    """A step proven by a photo: the repair's after-photo, the sealed meter."""

    photo = forms.FileField(label=_("照片"), error_messages={"required": _("请拍摄或选择照片")})
    note = forms.CharField(label=_("说明"), max_length=500, required=False)


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("处理结果"), choices=[(o, OUTCOME_LABELS[o]) for o in OUTCOMES]
    )
    note = forms.CharField(label=_("说明"), max_length=500)
    photo = forms.FileField(label=_("照片"), required=False)


class RecheckForm(forms.Form):
    rectified = forms.TypedChoiceField(
        label=_("是否已整改"),
        choices=[("yes", _("已整改")), ("no", _("未整改"))],
        coerce=lambda value: value == "yes",
    )
    photo = forms.FileField(label=_("整改后照片"), required=False)
    note = forms.CharField(label=_("说明"), max_length=500, required=False)


class AssignForm(forms.Form):
    repairer = forms.ModelChoiceField(label=_("维修员"), queryset=None, empty_label=None)

    def __init__(self, *args, repairers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["repairer"].queryset = repairers


class DeliverForm(forms.Form):
    method = forms.ChoiceField(label=_("送达方式"), choices=DeliveryMethod.choices)
    delivered_on = DayField(label=_("送达日期"), required=False)
    photo = forms.FileField(label=_("送达照片"), required=False)
    tracking_number = forms.CharField(label=_("邮件单号"), max_length=40, required=False)
    recipient = forms.CharField(label=_("签收人"), max_length=100, required=False)


class CallForm(forms.Form):
    called_at = forms.DateTimeField(
        label=_("通话时间"), input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
    )
    result = forms.ChoiceField(label=_("结果"), choices=FollowUpCall.Result.choices)
    notes = forms.CharField(label=_("记录"), max_length=500, required=False)
    recording = forms.FileField(label=_("通话录音"), required=False)


class PeriodForm(forms.Form):
    start = DayField(
        label=_("开始日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    end = DayField(
        label=_("结束日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    @staticmethod
    def default_period() -> tuple[dt.date, dt.date]:
        today = timezone.localdate()
        return today.replace(month=1, day=1), today


class MonthForm(forms.Form):
    month = MonthField(
        label=_("月份"),
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
    )
