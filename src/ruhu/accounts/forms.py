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
