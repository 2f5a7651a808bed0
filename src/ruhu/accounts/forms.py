from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class LoginForm(forms.Form):
    username = forms.CharField(
        label=_("用户名"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none"}),
    )
    password = forms.CharField(
        label=_("密码"),
        max_length=200,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("原因"),
        max_length=500,
        min_length=1,
        widget=forms.TextInput(attrs={"placeholder": _("请填写原因")}),
    )


class UnmaskForm(ReasonForm):
    field = forms.CharField(widget=forms.HiddenInput, max_length=40)


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("设备名称"),
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": _("例如：张三的手机")}),
    )


class StaffCreateForm(forms.Form):
    username = forms.SlugField(label=_("用户名"), max_length=150)
    full_name = forms.CharField(label=_("姓名"), max_length=60)
    role = forms.ChoiceField(label=_("角色"))
    org_unit = forms.ModelChoiceField(label=_("组织"), queryset=None)
    badge_no = forms.CharField(label=_("工牌号"), max_length=32, required=False)
    phone = forms.CharField(label=_("手机号"), max_length=20, required=False)
    id_number = forms.CharField(label=_("身份证号"), max_length=18, required=False)
    email = forms.EmailField(label=_("邮箱"), required=False)
    password = forms.CharField(
        label=_("初始密码"),
        max_length=200,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("至少12个字符，不能是常见密码；请当面告知员工并提醒其修改。"),
    )

    def __init__(self, *args, roles, org_units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = roles
        self.fields["org_unit"].queryset = org_units


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(
        label=_("当前密码"),
        max_length=200,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    new_password = forms.CharField(
        label=_("新密码"),
        max_length=200,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    new_password_again = forms.CharField(
        label=_("再次输入新密码"),
        max_length=200,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        data = super().clean()
        if data.get("new_password") != data.get("new_password_again"):
            raise forms.ValidationError(_("两次输入的新密码不一致"))
        return data
