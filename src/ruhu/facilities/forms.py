"""Input checks of the facilities office pages. They parse what the pages send back; the
services decide whether it may be done."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ruhu.common.converters import MAX_ID, DayField
from ruhu.facilities.models import FacilityKind
from ruhu.facilities.selectors import RANGE_FILTERS, FacilityFilter

YES_NO = [("", _("不限")), ("1", _("是")), ("0", _("否"))]
YES_NO_VALUES = {"1": True, "0": False}
STATES = [("active", _("在用")), ("retired", _("已停用")), ("all", _("全部"))]
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class FacilityFilterForm(forms.Form):
    """The registry's filters (GET), one per `FacilityFilter` field; the page shows the
    usual ones and the rest under 更多条件. Nothing is required, and a bad value (an unknown
    kind, say) filters by nothing while the other filters still apply."""

    q = forms.CharField(label=_("搜索"), required=False, max_length=100)
    kind = forms.ChoiceField(
        label=_("类型"), required=False, choices=[("", _("全部类型")), *FacilityKind.choices]
    )
    community = forms.CharField(label=_("小区"), required=False, max_length=100)
    branch = forms.ModelChoiceField(
        label=_("分公司"), queryset=None, required=False, empty_label=_("全部分公司")
    )
    state = forms.ChoiceField(label=_("状态"), required=False, choices=STATES)
    flagged = forms.ChoiceField(label=_("有未消除的缺陷"), required=False, choices=YES_NO)
    code = forms.CharField(label=_("编号"), required=False, max_length=40)
    name = forms.CharField(label=_("名称"), required=False, max_length=100)
    location = forms.CharField(label=_("位置"), required=False, max_length=300)
    model = forms.CharField(label=_("型号"), required=False, max_length=60)
    manufacturer = forms.CharField(label=_("生产厂家"), required=False, max_length=100)
    assignee = forms.IntegerField(label=_("责任人"), required=False, min_value=1, max_value=MAX_ID)
    located = forms.ChoiceField(label=_("坐标"), required=False, choices=YES_NO)
    installed_from = DayField(label=_("安装日期"), required=False, widget=DATE_INPUT)
    installed_to = DayField(label=_("安装日期"), required=False, widget=DATE_INPUT)
    valve_valid_from = DayField(label=_("安全阀检验有效期至"), required=False, widget=DATE_INPUT)
    valve_valid_to = DayField(label=_("安全阀检验有效期至"), required=False, widget=DATE_INPUT)
    registered_from = DayField(label=_("登记日期"), required=False, widget=DATE_INPUT)
    registered_to = DayField(label=_("登记日期"), required=False, widget=DATE_INPUT)
    checked_from = DayField(label=_("最近检查日期"), required=False, widget=DATE_INPUT)
    checked_to = DayField(label=_("最近检查日期"), required=False, widget=DATE_INPUT)
    cleaned_from = DayField(label=_("最近清洗日期"), required=False, widget=DATE_INPUT)
    cleaned_to = DayField(label=_("最近清洗日期"), required=False, widget=DATE_INPUT)

    TEXT = ("q", "kind", "community", "code", "name", "location", "model", "manufacturer")
    DATES = tuple(f"{name}_{end}" for name in RANGE_FILTERS for end in ("from", "to"))
    MORE = ("code", "name", "location", "model", "manufacturer", "located")

    def __init__(self, *args, branches, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["branch"].queryset = branches

    def more_fields(self) -> list:
        """The filters shown under 更多条件: each text field, then each date range."""
        return [self[name] for name in self.MORE]

    def date_ranges(self) -> list[tuple]:
        return [(self[f"{name}_from"], self[f"{name}_to"]) for name in RANGE_FILTERS]

    def more_used(self) -> bool:
        return any(self.data.get(name) for name in (*self.MORE, *self.DATES, "assignee"))

    def to_filter(self) -> FacilityFilter:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})  # the fields that passed
        branch, state = data.get("branch"), data.get("state") or "active"
        return FacilityFilter(
            **{name: (data.get(name) or "").strip() for name in self.TEXT},
            **{name: data.get(name) for name in self.DATES},
            branch_id=branch.pk if branch is not None else None,
            assignee_id=data.get("assignee"),
            located=YES_NO_VALUES.get(data.get("located") or ""),
            flagged=YES_NO_VALUES.get(data.get("flagged") or ""),
            active={"active": True, "retired": False}.get(state),
        )


class FacilityForm(forms.Form):
    """Registering or editing a facility. The code and branch are set once, at
    registration; head office chooses the branch (`branches`), branch staff register into
    their own (`branch_id`), as does an edit (the facility's)."""

    code = forms.CharField(label=_("编号"), max_length=40)
    branch = forms.ModelChoiceField(label=_("分公司"), queryset=None, empty_label=None)
    kind = forms.ChoiceField(label=_("类型"), choices=FacilityKind.choices)
    name = forms.CharField(label=_("名称"), max_length=100, required=False)
    location = forms.CharField(label=_("位置"), max_length=300)
    community = forms.CharField(label=_("小区"), max_length=100, required=False)
    latitude = forms.DecimalField(
        label=_("纬度"), max_digits=9, decimal_places=6, min_value=-90, max_value=90, required=False
    )
    longitude = forms.DecimalField(
        label=_("经度"),
        max_digits=9,
        decimal_places=6,
        min_value=-180,
        max_value=180,
        required=False,
    )
    model = forms.CharField(label=_("型号"), max_length=60, required=False)
    manufacturer = forms.CharField(label=_("生产厂家"), max_length=100, required=False)
    installed_on = DayField(label=_("安装日期"), required=False, widget=DATE_INPUT)
    safety_valve_valid_until = DayField(
        label=_("安全阀检验有效期至"),
        required=False,
        widget=DATE_INPUT,
        help_text=_("调压箱、阀室、调压柜填写；阀井没有安全阀"),
    )
    assignee = forms.ModelChoiceField(
        label=_("责任人"), queryset=None, required=False, empty_label=_("（未指定）")
    )

    def __init__(self, *args, branches, people, creating: bool, branch_id=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.branch_id = branch_id
        self.fields["assignee"].queryset = people
        self.fields["assignee"].label_from_instance = _person
        if branches is not None:  # head office picks among every branch's staff
            self.fields["assignee"].label_from_instance = _person_of_branch
        if creating and branches is not None:
            self.fields["branch"].queryset = branches
        else:
            del self.fields["branch"]
        if not creating:
            del self.fields["code"]

    def clean(self):
        cleaned = super().clean()
        branch, assignee = cleaned.get("branch"), cleaned.get("assignee")
        branch_id = branch.pk if branch is not None else self.branch_id
        if assignee is not None and branch_id is not None and assignee.branch_id != branch_id:
            self.add_error("assignee", _("责任人须属于所选分公司"))
        return cleaned

    def registry_fields(self) -> dict:
        """The editable fields, as the registry services take them."""
        data = dict(self.cleaned_data)
        data.pop("code", None)
        data.pop("branch", None)
        return data


class TaskAssignForm(forms.Form):
    """Give the rows ticked on the schedule to one inspector for one day."""

    assignee = forms.ModelChoiceField(
        label=_("检查人"),
        queryset=None,
        empty_label=_("请选择检查人"),
        error_messages={"required": _("请选择检查人")},
    )
    day = DayField(
        label=_("检查日期"), widget=DATE_INPUT, error_messages={"required": _("请选择检查日期")}
    )

    def __init__(self, *args, checkers, with_branch: bool = False, **kwargs):
        kwargs.setdefault("initial", {"day": timezone.localdate()})
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = checkers
        self.fields["assignee"].label_from_instance = _person_of_branch if with_branch else _person
        self.facility_ids: list[int] = []

    def clean(self):
        cleaned = super().clean()
        raw = self.data.getlist("facility") if hasattr(self.data, "getlist") else []
        if any(not value.isdigit() for value in raw):
            raise forms.ValidationError(_("所选设施无效"))
        self.facility_ids = sorted({int(value) for value in raw})
        if not self.facility_ids:
            raise forms.ValidationError(_("请先勾选要分派的设施"))
        return cleaned


class ActiveForm(forms.Form):
    """Retiring a facility, or bringing it back: always with the reason."""

    active = forms.TypedChoiceField(
        choices=[("1", "1"), ("0", "0")], coerce=lambda value: value == "1"
    )
    reason = forms.CharField(
        label=_("原因"), max_length=300, error_messages={"required": _("请填写原因")}
    )


class RepairAssignForm(forms.Form):
    repairer = forms.ModelChoiceField(
        label=_("维修员"), queryset=None, error_messages={"required": _("请选择维修员")}
    )

    def __init__(self, *args, repairers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["repairer"].queryset = repairers


class RepairDoneForm(forms.Form):
    """The repairer's report: what was done and a photo of the work."""

    note = forms.CharField(
        label=_("维修说明"), max_length=500, error_messages={"required": _("请填写维修说明")}
    )
    photo = forms.FileField(
        label=_("维修后照片"), error_messages={"required": _("请拍摄或选择维修后照片")}
    )


def _person(user) -> str:
    name = user.full_name or user.username
    return f"{name}（{user.badge_no}）" if user.badge_no else name


def _person_of_branch(user) -> str:
    return f"{_person(user)} · {user.branch}" if user.branch_id else _person(user)
