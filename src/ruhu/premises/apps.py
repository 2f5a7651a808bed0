from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PremisesConfig(AppConfig):
    name = "ruhu.premises"
    verbose_name = _("用户与房屋")

    def ready(self) -> None:
        from ruhu.premises import policies  # noqa: F401  (declares the policy keys it reads)
