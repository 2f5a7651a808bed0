"""Settings: production refuses to start without real secrets and passes the deploy check;
the typed environment helpers name the variable they refuse."""

from __future__ import annotations

import base64
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from ruhu import settings as ruhu_settings

RUHU = str(Path(sys.executable).with_name("ruhu"))


def production_env(tmp_path, **overrides) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "DEBUG", "SECRET_KEY", "ALLOWED_HOSTS"}
        and not k.startswith(("RUHU_", "SECURE_"))
    }
    env.update(
        {
            "RUHU_ENV": "production",
            "SECRET_KEY": secrets.token_urlsafe(48)[:64].ljust(64, "x"),
            "ALLOWED_HOSTS": "ruhu.example.com",
            "RUHU_FIELD_KEYS": "k1:" + base64.b64encode(secrets.token_bytes(32)).decode(),
            "RUHU_BLIND_INDEX_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
            "RUHU_VAR_DIR": str(tmp_path),
        }
    )
    for key, value in overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def ruhu(args, env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [RUHU, *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )


def test_it_passes_the_deploy_check_in_production(tmp_path):
    env = production_env(tmp_path)
    assert len(env["SECRET_KEY"]) == 64
    result = ruhu(["check", "--deploy", "--fail-level", "WARNING"], env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
    assert not (tmp_path / "keys").exists()  # production generates no secrets of its own


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"SECRET_KEY": None}, "SECRET_KEY of at least 50"),
        ({"SECRET_KEY": "too-short"}, "SECRET_KEY of at least 50"),
        ({"SECRET_KEY": "django-insecure-" + "x" * 60}, "SECRET_KEY"),
        ({"ALLOWED_HOSTS": None}, "needs ALLOWED_HOSTS"),
        ({"RUHU_FIELD_KEYS": None}, "RUHU_FIELD_KEYS"),
        ({"RUHU_BLIND_INDEX_KEY": None}, "RUHU_BLIND_INDEX_KEY"),
        ({"DEBUG": "true"}, "refuses DEBUG"),
        ({"DEBUG": "maybe"}, "DEBUG must be true or false"),
    ],
)
def test_it_refuses_to_start_production_without_real_secrets(tmp_path, overrides, message):
    result = ruhu(["check", "--deploy"], production_env(tmp_path, **overrides))
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


def test_it_reads_booleans_strictly(monkeypatch):
    for raw, expected in [
        ("1", True),
        ("TRUE", True),
        (" yes ", True),
        ("on", True),
        ("0", False),
        ("false", False),
        ("No", False),
        ("off", False),
    ]:
        monkeypatch.setenv("RUHU_TEST_FLAG", raw)
        assert ruhu_settings.env_bool("RUHU_TEST_FLAG", not expected) is expected
    monkeypatch.setenv("RUHU_TEST_FLAG", "")
    assert ruhu_settings.env_bool("RUHU_TEST_FLAG", True) is True
    monkeypatch.delenv("RUHU_TEST_FLAG")
    assert ruhu_settings.env_bool("RUHU_TEST_FLAG", False) is False
    monkeypatch.setenv("RUHU_TEST_FLAG", "ja")
    with pytest.raises(ImproperlyConfigured, match="RUHU_TEST_FLAG"):
        ruhu_settings.env_bool("RUHU_TEST_FLAG", False)


def test_it_reads_whole_numbers_with_a_minimum(monkeypatch):
    monkeypatch.setenv("RUHU_TEST_N", "8")
    assert ruhu_settings.env_int("RUHU_TEST_N", 2, minimum=1) == 8
    monkeypatch.delenv("RUHU_TEST_N")
    assert ruhu_settings.env_int("RUHU_TEST_N", 2) == 2
    for bad in ("eight", "1.5", "0x10"):
        monkeypatch.setenv("RUHU_TEST_N", bad)
        with pytest.raises(ImproperlyConfigured, match="RUHU_TEST_N must be a whole number"):
            ruhu_settings.env_int("RUHU_TEST_N", 2)
    monkeypatch.setenv("RUHU_TEST_N", "0")
    with pytest.raises(ImproperlyConfigured, match="RUHU_TEST_N must be at least 1"):
        ruhu_settings.env_int("RUHU_TEST_N", 2, minimum=1)


def test_it_reads_choices_and_lists(monkeypatch):
    monkeypatch.setenv("RUHU_TEST_MODE", "http")
    assert ruhu_settings.env_choice("RUHU_TEST_MODE", "console", {"console", "http"}) == "http"
    monkeypatch.delenv("RUHU_TEST_MODE")
    assert ruhu_settings.env_choice("RUHU_TEST_MODE", "console", {"console", "http"}) == "console"
    monkeypatch.setenv("RUHU_TEST_MODE", "pigeon")
    with pytest.raises(ImproperlyConfigured, match="RUHU_TEST_MODE must be one of"):
        ruhu_settings.env_choice("RUHU_TEST_MODE", "console", {"console", "http"})
    monkeypatch.setenv("RUHU_TEST_HOSTS", " a.example.com, ,b.example.com ")
    assert ruhu_settings.env_list("RUHU_TEST_HOSTS", []) == ["a.example.com", "b.example.com"]
    monkeypatch.setenv("RUHU_TEST_HOSTS", "  ")
    assert ruhu_settings.env_list("RUHU_TEST_HOSTS", ["x"]) == ["x"]


def test_it_refuses_a_bad_value_at_start_up_naming_the_variable(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("RUHU_")}
    env.update({"RUHU_VAR_DIR": str(tmp_path), "RUHU_WORKERS": "many"})
    result = ruhu(["check"], env)
    assert result.returncode != 0
    assert "RUHU_WORKERS must be a whole number" in result.stderr


DATABASE_OPTIONS = (
    "from django.conf import settings; d = settings.DATABASES['default']; "
    "print(d['ENGINE'], d['CONN_MAX_AGE'], d.get('CONN_HEALTH_CHECKS'), "
    "sorted(d.get('OPTIONS', {}).items()))"
)


def database_settings(tmp_path, **env) -> str:
    out = ruhu(["shell", "--no-imports", "-c", DATABASE_OPTIONS], production_env(tmp_path, **env))
    return out.stdout.strip().splitlines()[-1]


def test_connections_are_kept_and_postgresql_prepares_its_statements(tmp_path):
    # decision 0024: SQLite through the queued backend, both engines keep connections
    assert database_settings(tmp_path).startswith("ruhu.common.sqlite_backend 600 ")
    url = "postgres://ruhu@127.0.0.1:5432/ruhu"
    assert database_settings(tmp_path, DATABASE_URL=url) == (
        "django.db.backends.postgresql 600 False "
        "[('prepare_threshold', 5), ('server_side_binding', True)]"
    )
    behind_a_pooler = database_settings(
        tmp_path, DATABASE_URL=url, RUHU_DB_PREPARE_THRESHOLD="0", RUHU_DB_CONN_MAX_AGE="0"
    )
    assert behind_a_pooler == "django.db.backends.postgresql 0 False []"
