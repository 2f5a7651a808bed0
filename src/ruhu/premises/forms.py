from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ruhu.premises.models import Category, SupplyStatus
from ruhu.premises.selectors import HouseholdFilter

YES_NO = [("", _("不限")), ("1", _("是")), ("0", _("否"))]


class HouseholdFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=100)
    branch = forms.ModelChoiceField(queryset=None, required=False, empty_label=_("全部分公司"))
    category = forms.ChoiceField(required=False, choices=[("", _("全部类别")), *Category.choices])
    community = forms.CharField(required=False, max_length=100)
    supply_status = forms.ChoiceField(
        required=False, choices=[("", _("全部供气状态")), *SupplyStatus.choices]
    )
    overdue = forms.ChoiceField(label=_("超期未检"), required=False, choices=YES_NO)
    key_customer = forms.ChoiceField(label=_("重点客户"), required=False, choices=YES_NO)
    vulnerable = forms.ChoiceField(label=_("弱势群体"), required=False, choices=YES_NO)
    group_rental = forms.ChoiceField(label=_("群租"), required=False, choices=YES_NO)
    long_term_absent = forms.ChoiceField(label=_("长期不在家"), required=False, choices=YES_NO)
    first_conversion = forms.ChoiceField(label=_("首次置换"), required=False, choices=YES_NO)

    FLAGS = ("overdue", "key_customer", "vulnerable", "group_rental", "long_term_absent",
             "first_conversion")  # fmt: skip

    def __init__(self, *args, branches, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["branch"].queryset = branches

    def to_filter(self) -> HouseholdFilter:
        data = self.cleaned_data if self.is_valid() else {}
        flags = {name: {"1": True, "0": False}.get(data.get(name, "")) for name in self.FLAGS}
        branch = data.get("branch")
        return HouseholdFilter(
            q=data.get("q", ""),
            branch_id=branch.pk if branch else None,
            category=data.get("category", ""),
            community=data.get("community", ""),
            supply_status=data.get("supply_status", ""),
            **flags,
        )


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("文件（CSV 或 XLSX）"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv"}),
    )
    branch = forms.ModelChoiceField(label=_("导入到分公司"), queryset=None, empty_label=None)
    mode = forms.ChoiceField(
        label=_("有错误行时"),
        choices=[("all", _("全部不导入（推荐）")), ("valid", _("只导入正确的行"))],
        initial="all",
    )

    def __init__(self, *args, branches, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["branch"].queryset = branches
