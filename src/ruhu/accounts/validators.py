"""Password length from policy (auth.password_min_length, 12 by default)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from ruhu.common.errors import PolicyMissing
from ruhu.common.policy import policy_get

FLOOR = 12


class PolicyMinimumLengthValidator:
    def minimum(self) -> int:
        try:
            return max(FLOOR, int(policy_get("auth.password_min_length")))
        except PolicyMissing:
            return FLOOR

    def validate(self, password, user=None):
        length = self.minimum()
        if len(password) < length:
            raise ValidationError(
                _("密码至少需要 %(n)d 个字符。") % {"n": length}, code="password_too_short"
            )

    def get_help_text(self):
        return _("密码至少需要 %(n)d 个字符。") % {"n": self.minimum()}
