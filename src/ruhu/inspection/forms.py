from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ruhu.common.converters import DayField, MonthField
from ruhu.inspection.models import TrainingTopic


class TrainingForm(forms.Form):
    trained_on = DayField(
        label=_("培训日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    trainer = forms.CharField(label=_("培训人"), max_length=100)
    topics = forms.MultipleChoiceField(
        label=_("培训内容"),
        choices=TrainingTopic.choices,
        widget=forms.CheckboxSelectMultiple,
        initial=list(TrainingTopic.values),
    )
    inspectors = forms.ModelMultipleChoiceField(
        label=_("参加的安检员"), queryset=None, widget=forms.CheckboxSelectMultiple
    )
    note = forms.CharField(label=_("备注"), max_length=300, required=False)

    def __init__(self, *args, inspectors, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["inspectors"].queryset = inspectors
        self.fields["inspectors"].label_from_instance = lambda user: (
            f"{user.full_name} {user.badge_no}".strip()
        )
        self.fields["trained_on"].initial = timezone.localdate()


class PlanGenerateForm(forms.Form):
    branch = forms.ModelChoiceField(label=_("分公司"), queryset=None, empty_label=None)
    month = MonthField(
        label=_("月份"),
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
    )
    whole_year = forms.BooleanField(label=_("编制全年计划（该年的十二个月度计划）"), required=False)

    def __init__(self, *args, branches, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["branch"].queryset = branches
        next_month = (timezone.localdate().replace(day=1) + dt.timedelta(days=32)).replace(day=1)
        self.fields["month"].initial = next_month


class NoticePostingForm(forms.Form):
    """Recording a posted notice; the template writes the inputs (one form per notice)."""

    photo = forms.FileField(label=_("张贴照片"), required=False)
    note = forms.CharField(label=_("说明"), max_length=300, required=False)
