from django.apps import AppConfig
from django.urls import register_converter
from django.utils.translation import gettext_lazy as _


class CommonConfig(AppConfig):
    name = "ruhu.common"
    verbose_name = _("公共")

    def ready(self) -> None:
        from ruhu.common.converters import IdConverter

        # before any URLconf is read: every id in a page's path is `<id:…>`
        register_converter(IdConverter, "id")
