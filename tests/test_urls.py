"""Each app owns its pages' URLs in its own `urls.py`; the project's `urls.py` only
includes them (without a namespace, so names and paths are what they always were) beside
the admin, the API and the language switch."""

from __future__ import annotations

import uuid

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse

APPS = {"reports", "accounts", "common", "premises", "inspection", "hazards", "facilities"}


def _included() -> dict[str, URLResolver]:
    return {
        resolver.urlconf_name.__name__: resolver
        for resolver in get_resolver().url_patterns
        if isinstance(resolver, URLResolver) and not isinstance(resolver.urlconf_name, list)
    }


def _views(resolver: URLResolver):
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            yield from _views(pattern)
        else:
            assert isinstance(pattern, URLPattern)
            yield pattern.callback


def test_it_includes_every_apps_urls_and_nothing_else_but_the_framework():
    included = _included()
    assert {f"ruhu.{app}.urls" for app in APPS} <= set(included)
    own = [
        str(pattern.pattern)
        for pattern in get_resolver().url_patterns
        if isinstance(pattern, URLPattern)
    ]
    assert own == ["i18n/setlang/", "admin/login/"]


@pytest.mark.parametrize("app", sorted(APPS))
def test_it_serves_only_the_apps_own_views_from_its_urls(app):
    views = list(_views(_included()[f"ruhu.{app}.urls"]))
    assert views
    for view in views:
        assert view.__module__.startswith(f"ruhu.{app}."), (app, view.__module__)
    assert all(resolver.namespace is None for resolver in _included().values())


@pytest.mark.parametrize(
    ("name", "args", "url"),
    [
        ("home", [], "/"),
        ("login", [], "/accounts/login/"),
        ("staff-detail", [7], "/staff/7/"),
        ("inbox-read", [7], "/me/inbox/7/read/"),
        ("audit", [], "/audit/"),
        ("healthz", [], "/healthz"),
        ("household-detail", [7], "/households/7/"),
        ("plan-detail", [7], "/inspection/plans/7/"),
        ("community-notice-pdf", [7], "/inspection/notices/7/notice.pdf"),
        ("hazard-package-file", [7, "zip"], "/hazards/packages/7.zip"),
        ("hazard-notice-pdf", [7], "/hazards/notices/7/document.pdf"),
        ("facilities", [], "/facilities/"),
        ("facility-detail", [7], "/facilities/7/"),
        ("facility-repair-photo", [7, 8], "/facilities/7/repairs/8/photo"),
        ("facility-check-page", [7], "/field/facilities/tasks/7/"),
        ("facility-import", [], "/facilities/import/"),
        ("set_language", [], "/i18n/setlang/"),
    ],
)
def test_it_keeps_every_pages_name_and_path(name, args, url):
    assert reverse(name, args=args) == url
    assert resolve(url).url_name == name


def test_the_literal_paths_win_over_the_ids_beside_them():
    assert resolve("/facilities/schedule/").url_name == "facility-schedule"
    assert resolve("/facilities/import/").url_name == "facility-import"
    assert resolve("/households/import/").url_name == "household-import"
    assert resolve(f"/households/import/{uuid.uuid4()}/").url_name == "household-import-job"
    assert resolve("/hazards/households/7/").url_name == "household-hazards"
