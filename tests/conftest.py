"""Personas and fixtures shared by every test (built with tests/factories.py).

The company has two branches, A (east) and B (west):
- Alice: administrator at head office (sees everything)
- Bob: manager of branch A
- Bella: manager of branch B
- Charlie: inspector in branch A
- Dave: inspector in branch B
- Eve: an outsider: an active account attached to no part of the company
and in branch A the people of the rectification loop and the plans:
- Lena: inspection lead (e-mail lena@example.com)
- Rick: repairer in team A1
- Cathy: customer service
- Sam: safety supervision
"""

from __future__ import annotations

import contextlib
import importlib
import os

import pytest
from django.db import connection
from django.utils import translation

from ruhu.accounts.roles import Role
from ruhu.common.immutability import guards_lifted
from tests.factories import PASSWORD, make_household, make_org, make_user

__all__ = ["PASSWORD", "login", "make_user"]  # imported from here by many test modules


def _reseed_policies() -> None:
    """A flush empties the policy tables (and the hazard catalogue) too: put the declared
    defaults back, as `migrate` does (decision 0018), and the catalogue."""
    from django.apps import apps

    from ruhu.common.policy_seed import policy_seed

    catalogue = "ruhu.hazards.migrations.0002_seed_catalogue_and_loop_policies"
    importlib.import_module(catalogue).seed(apps, None)
    policy_seed()


@pytest.fixture(scope="session", autouse=True)
def _flush_lifts_immutability_guards():
    """Transactional tests end with a flush: lift the immutability guards and reseed."""
    from django.db.backends.base.operations import BaseDatabaseOperations

    original = BaseDatabaseOperations.execute_sql_flush

    def flush(self, sql_list):
        with guards_lifted(self.connection):
            result = original(self, sql_list)
        _reseed_policies()
        return result

    BaseDatabaseOperations.execute_sql_flush = flush
    yield
    BaseDatabaseOperations.execute_sql_flush = original


@pytest.fixture(scope="session", autouse=True)
def _services_required(django_db_setup, django_db_blocker):
    """On CI's PostgreSQL leg the suite must really run against PostgreSQL and Redis."""
    if os.environ.get("RUHU_REQUIRE_SERVICES") != "1":
        return
    from django.core.cache import cache

    with django_db_blocker.unblock():
        assert connection.vendor == "postgresql", "RUHU_REQUIRE_SERVICES=1 but not on PostgreSQL"
    cache.set("ruhu-ci-ping", "pong", 5)
    assert cache.get("ruhu-ci-ping") == "pong", "RUHU_REQUIRE_SERVICES=1 but Redis is unreachable"


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _jobs_run_inline():
    """Jobs run in-process; tests of the real queue storage switch this off themselves."""
    from huey.contrib.djhuey import HUEY

    previous = HUEY.immediate
    HUEY.immediate = True
    yield
    HUEY.immediate = previous


@pytest.fixture(autouse=True)
def _fresh_policy_cache():
    """Each test's database starts at the seeded policy values; so does the policy cache."""
    from ruhu.common.policy import policy_cache_clear

    policy_cache_clear()
    yield
    policy_cache_clear()


@pytest.fixture(autouse=True)
def _clean_cache():
    """Login throttling lives in the cache; each test starts with none."""
    from django.core.cache import caches

    with contextlib.suppress(Exception):  # the cache table comes with the test database
        cache_clear_own_keys(caches["default"])
    yield


def cache_clear_own_keys(cache) -> None:
    """Empty the cache of this test run. On Redis only the keys under this run's prefix: a
    FLUSHDB would also empty the keys of the other xdist workers sharing the database."""
    from django.core.cache.backends.redis import RedisCache

    if not isinstance(cache, RedisCache):
        cache.clear()
        return
    client = cache._cache.get_client(write=True)
    keys = list(client.scan_iter(match=f"{cache.key_prefix}:*", count=1000))
    if keys:
        client.delete(*keys)


@pytest.fixture(autouse=True)
def _default_language():
    """A request in English leaves English active in the thread (LocaleMiddleware activates,
    nothing deactivates): each test starts in LANGUAGE_CODE, as a service outside a request
    does, whatever language the previous test's last request asked for."""
    yield
    translation.deactivate()


@pytest.fixture
def org(db):
    return make_org()


@pytest.fixture
def alice(org):
    return make_user("alice", Role.ADMIN, org.company, is_superuser=True)


@pytest.fixture
def bob(org):
    return make_user(
        "bob", Role.MANAGER, org.a, phone="13812348000", id_number="110101199003071233"
    )


@pytest.fixture
def bella(org):
    return make_user("bella", Role.MANAGER, org.b)


@pytest.fixture
def charlie(org):
    return make_user("charlie", Role.INSPECTOR, org.team_a, badge_no="A-001")


@pytest.fixture
def dave(org):
    return make_user("dave", Role.INSPECTOR, org.team_b, badge_no="B-001")


@pytest.fixture
def eve(db):
    return make_user("eve", Role.INSPECTOR, None)


@pytest.fixture
def lena(org):
    return make_user("lena", Role.INSPECTION_LEAD, org.a, email="lena@example.com")


@pytest.fixture
def rick(org):
    return make_user("rick", Role.REPAIRER, org.team_a)


@pytest.fixture
def cathy(org):
    return make_user("cathy", Role.CUSTOMER_SERVICE, org.a)


@pytest.fixture
def sam(org):
    return make_user("sam", Role.SAFETY_SUPERVISION, org.a)


@pytest.fixture
def household_a(org):
    return make_household(
        org.a,
        account_no="A000001",
        name="王伟",
        phone="13912345678",
        id_number="110101198001011232",
        address="翠苑小区1幢1单元101室",
    )


@pytest.fixture
def household_b(org):
    return make_household(
        org.b,
        account_no="B000001",
        name="李娜",
        phone="13787654321",
        address="西溪人家2幢2单元202室",
    )


def login(client, user) -> None:
    """Log in through the real login page (throttle, session rotation and all)."""
    response = client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:500]
