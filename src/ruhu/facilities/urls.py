"""The facilities pages' URLs, each list kept beside its views."""

from ruhu.facilities.views import field, importing, office

urlpatterns = field.urlpatterns + office.urlpatterns + importing.urlpatterns
