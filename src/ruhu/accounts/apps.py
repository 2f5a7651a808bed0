from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "ruhu.accounts"
    verbose_name = _("账号与组织")

    def ready(self) -> None:
        from ruhu.accounts import policies  # noqa: F401  (declares the policy keys it reads)
