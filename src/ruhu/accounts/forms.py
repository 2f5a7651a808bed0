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
    role = forms.ChoiceField(
        label=_("角色"), help_text=_("只能选择您自己拥有其全部权限的角色（现场作业除外）。")
    )
    org_unit = forms.ModelChoiceField(label=_("组织"), queryset=None)
    badge_no = forms.CharField(label=_("工牌号"), max_length=32, required=False)
    phone = forms.CharField(label=_("手机号"), max_length=20, required=False)
    id_number = forms.CharField(label=_("身份证号"), max_length=18, required=False)
    email = forms.EmailField(label=_("邮箱"), required=False)
    delivery = forms.ChoiceField(
        label=_("初始密码"),
        choices=[
            ("password", _("生成一次性密码，由我当面告知")),
            ("invitation", _("发送邀请链接到员工邮箱，由员工自己设置")),
        ],
        initial="password",
        widget=forms.RadioSelect,
        help_text=_("员工首次登录必须设置自己的密码；一次性密码和邀请链接过期后需重新发放。"),
    )

    def __init__(self, *args, roles, org_units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = roles
        self.fields["org_unit"].queryset = org_units


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("新角色"))

    def __init__(self, *args, roles, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = roles


class NewPasswordForm(forms.Form):
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


class PasswordChangeForm(NewPasswordForm):
    field_order = ["old_password", "new_password", "new_password_again"]
    old_password = forms.CharField(
        label=_("当前密码"),
        max_length=200,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
