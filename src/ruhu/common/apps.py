from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.urls import register_converter
from django.utils.translation import gettext_lazy as _


class CommonConfig(AppConfig):
    name = "ruhu.common"
    verbose_name = _("公共")

    def ready(self) -> None:
        from ruhu.common import policies  # noqa: F401  (declares the policy keys it reads)
        from ruhu.common.converters import IdConverter
        from ruhu.common.policy_seed import seed_after_migrate

        # before any URLconf is read: every id in a page's path is `<id:…>`
        register_converter(IdConverter, "id")
        # the policy tables follow the declarations after every migrate (decision 0018)
        post_migrate.connect(seed_after_migrate, sender=self, dispatch_uid="ruhu-policy-seed")
