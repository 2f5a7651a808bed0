"""`ruhu migrate` alone creates the database cache table the login throttle keeps its counts in."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection

from tests.accounts.test_throttle import logged_in, web_login
from tests.conftest import PASSWORD

TABLE = "ruhu_cache"
DATABASE_CACHE = {
    "default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": TABLE}
}
BEFORE = "0009_seed_upload_policies"


def cache_table_exists() -> bool:
    with connection.cursor() as cursor:
        return TABLE in connection.introspection.table_names(cursor)


@pytest.fixture
def database_cache(settings):
    """The cache without Redis (on the PostgreSQL leg too): in the database."""
    settings.CACHES = DATABASE_CACHE
    yield
    settings.CACHES = DATABASE_CACHE
    call_command("migrate", verbosity=0)
    # a test that migrated on Redis settings left the schema current without the table:
    # put it back for the tests that follow, which keep their login counts in it
    call_command("createcachetable", verbosity=0)
    assert cache_table_exists()


@pytest.mark.django_db(transaction=True)
def test_it_drops_the_table_when_reversed_and_logins_stop(database_cache, client, bob):
    call_command("migrate", "common", BEFORE, verbosity=0)
    assert not cache_table_exists()
    response = web_login(client, "bob", PASSWORD)
    assert "不可用" in response.content.decode()  # 登录服务暂不可用


@pytest.mark.django_db(transaction=True)
def test_it_lets_people_sign_in_on_a_database_built_by_migrate_alone(database_cache, client, bob):
    call_command("migrate", "common", BEFORE, verbosity=0)
    with connection.schema_editor() as editor:  # as on a database that never had it
        editor.execute(f"DROP TABLE IF EXISTS {connection.ops.quote_name(TABLE)}")
    call_command("migrate", verbosity=0)
    assert cache_table_exists()
    cache.clear()

    refused = web_login(client, "bob", "wrong-password-1")
    assert "用户名或密码错误" in refused.content.decode()
    response = web_login(client, "bob", PASSWORD)
    assert response.status_code == 302
    assert logged_in(client)


@pytest.mark.django_db(transaction=True)
def test_it_creates_no_table_when_the_cache_is_redis(database_cache, settings):
    call_command("migrate", "common", BEFORE, verbosity=0)
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": ""}
    }
    call_command("migrate", verbosity=0)
    assert not cache_table_exists()
