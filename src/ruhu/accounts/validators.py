"""Password rules read from policy: the length (auth.password_min_length, 12 by default)
and how varied the characters must be (auth.password_max_run, auth.password_min_distinct).

Django's own validators (common passwords, similarity to the username, all digits) stand
beside these in settings.AUTH_PASSWORD_VALIDATORS.
"""

from __future__ import annotations

import itertools

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from ruhu.common.errors import PolicyMissing
from ruhu.common.policy import policy_get

FLOOR = 12
MAX_RUN_CEILING = 3
MIN_DISTINCT_FLOOR = 6


def _policy_int(key: str, fallback: int) -> int:
    try:
        return int(policy_get(key))
    except PolicyMissing:
        return fallback


class PolicyMinimumLengthValidator:
    def minimum(self) -> int:
        return max(FLOOR, _policy_int("auth.password_min_length", FLOOR))

    def validate(self, password, user=None):
        length = self.minimum()
        if len(password) < length:
            raise ValidationError(
                _("密码至少需要 %(n)d 个字符。") % {"n": length}, code="password_too_short"
            )

    def get_help_text(self):
        return _("密码至少需要 %(n)d 个字符。") % {"n": self.minimum()}


class RepeatedCharacterValidator:
    """Refuses passwords made of few characters: `aaaaaaaaaaaa`, `abababababab`, `pass1111word`.

    A policy may make the rule stricter, never looser than the built-in floor.
    """

    def max_run(self) -> int:
        return min(MAX_RUN_CEILING, _policy_int("auth.password_max_run", MAX_RUN_CEILING))

    def min_distinct(self) -> int:
        policy = _policy_int("auth.password_min_distinct", MIN_DISTINCT_FLOOR)
        return max(MIN_DISTINCT_FLOOR, policy)

    def validate(self, password, user=None):
        longest = max((len(list(run)) for _c, run in itertools.groupby(password)), default=0)
        if longest > self.max_run():
            raise ValidationError(
                _("密码中同一字符不能连续出现超过 %(n)d 次。") % {"n": self.max_run()},
                code="password_repeated_run",
            )
        if len(set(password)) < self.min_distinct():
            raise ValidationError(
                _("密码至少需要包含 %(n)d 个不同的字符。") % {"n": self.min_distinct()},
                code="password_too_few_distinct",
            )

    def get_help_text(self):
        return _("同一字符不能连续出现超过 %(run)d 次，且至少包含 %(distinct)d 个不同的字符。") % {
            "run": self.max_run(),
            "distinct": self.min_distinct(),
        }
