"""Ruhu settings: every knob is an environment variable read through a typed helper.

`.env.example` lists each variable. The embedded default (no environment at all) runs on
SQLite under `var/` and generates its secrets there on first start; `RUHU_ENV=production`
refuses to start without real secrets.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured

from ruhu.common.private_files import private_dir


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {value}")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_choice(name: str, default: str, choices: set[str]) -> str:
    value = os.environ.get(name) or default
    if value not in choices:
        raise ImproperlyConfigured(f"{name} must be one of {sorted(choices)}, not {value!r}")
    return value


def secret_file(path: Path, make) -> str:
    """Read a generated secret, creating it (mode 0600, folder 0700) the first time."""
    if not path.exists():
        private_dir(path.parent)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(make())
    return path.read_text().strip()


SRC_DIR = Path(__file__).resolve().parent
PROJECT_DIR = SRC_DIR.parent.parent
RUHU_ENV = env_choice("RUHU_ENV", "development", {"development", "production", "test"})
# A test run split over pytest-xdist workers: each worker keeps its own var directory (test
# database, queue file, progress cache, media, generated keys), queue and cache keys, so
# workers never share a file or flush each other's keys.
TEST_WORKER = env_str("PYTEST_XDIST_WORKER") if RUHU_ENV == "test" else ""
DEFAULT_VAR_DIR = PROJECT_DIR / "var" / ("xdist/" + TEST_WORKER if TEST_WORKER else "")
VAR_DIR = Path(env_str("RUHU_VAR_DIR", str(DEFAULT_VAR_DIR))).resolve()
PRODUCTION = RUHU_ENV == "production"
DEBUG = env_bool("DEBUG", False)

if PRODUCTION:
    SECRET_KEY = env_str("SECRET_KEY")
    if len(SECRET_KEY) < 50 or SECRET_KEY.startswith("django-insecure"):
        raise ImproperlyConfigured(
            "RUHU_ENV=production needs SECRET_KEY of at least 50 random characters"
        )
    if DEBUG:
        raise ImproperlyConfigured("RUHU_ENV=production refuses DEBUG=true")
else:
    SECRET_KEY = env_str("SECRET_KEY") or secret_file(
        VAR_DIR / "keys" / "secret_key", lambda: secrets.token_urlsafe(64)
    )

# Personal-data keys (DESIGN rule 5): never in the database. RUHU_FIELD_KEYS is
# "id:base64key,id:base64key" with the current key first; RUHU_BLIND_INDEX_KEY is base64.
# Either may instead name a file through RUHU_FIELD_KEYS_FILE / RUHU_BLIND_INDEX_KEY_FILE.
RUHU_FIELD_KEYS = env_str("RUHU_FIELD_KEYS")
RUHU_FIELD_KEYS_FILE = env_str("RUHU_FIELD_KEYS_FILE")
RUHU_BLIND_INDEX_KEY = env_str("RUHU_BLIND_INDEX_KEY")
RUHU_BLIND_INDEX_KEY_FILE = env_str("RUHU_BLIND_INDEX_KEY_FILE")
if not PRODUCTION:
    RUHU_FIELD_KEYS_FILE = RUHU_FIELD_KEYS_FILE or str(VAR_DIR / "keys" / "field.keys")
    RUHU_BLIND_INDEX_KEY_FILE = RUHU_BLIND_INDEX_KEY_FILE or str(VAR_DIR / "keys" / "blind.key")
elif not (RUHU_FIELD_KEYS or RUHU_FIELD_KEYS_FILE) or not (
    RUHU_BLIND_INDEX_KEY or RUHU_BLIND_INDEX_KEY_FILE
):
    raise ImproperlyConfigured(
        "RUHU_ENV=production needs RUHU_FIELD_KEYS (or _FILE) and RUHU_BLIND_INDEX_KEY (or _FILE)"
    )

ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "testserver"]
)
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("RUHU_ENV=production needs ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "huey.contrib.djhuey",
    "ninja",  # the API docs page from ninja's own static files (no CDN)
    "ruhu.common",
    "ruhu.accounts",
    "ruhu.premises",
    "ruhu.hazards",
    "ruhu.inspection",
    "ruhu.facilities",
    "ruhu.reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "ruhu.common.middleware.ContentSecurityPolicyMiddleware",
    "ruhu.common.middleware.RejectNulMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "ruhu.accounts.middleware.IdleSessionMiddleware",
    "ruhu.accounts.middleware.DenyByDefaultMiddleware",
    "ruhu.common.access.AccessMiddleware",
    "ruhu.common.middleware.DomainErrorPagesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
# A device's call to the API with a bearer token and no session cookie (ruhu.common.handler,
# decision 0024): MIDDLEWARE less what serves only the web (static files, the session, CSRF,
# the session's user and idle expiry, messages).
API_TOKEN_MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "ruhu.common.middleware.ContentSecurityPolicyMiddleware",
    "ruhu.common.middleware.RejectNulMiddleware",
    "ruhu.common.middleware.TokenCallLocaleMiddleware",  # LocaleMiddleware without i18n_patterns
    "django.middleware.common.CommonMiddleware",  # the Host check, Content-Length
    "ruhu.common.handler.AnonymousUntilAuthenticated",
    "ruhu.accounts.middleware.DenyByDefaultMiddleware",
    "ruhu.common.access.AccessMiddleware",
    "ruhu.common.middleware.DomainErrorPagesMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "ruhu.urls"
WSGI_APPLICATION = "ruhu.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [SRC_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "ruhu.accounts.context_processors.navigation",
            ]
        },
    }
]

# Database: SQLite in WAL mode under var/ unless DATABASE_URL names another engine.
# Connections live across requests (RUHU_DB_CONN_MAX_AGE seconds; decision 0024): a new one
# costs the per-connection settings, a parse of the whole schema and, on SQLite, a WAL
# checkpoint when it closes after a write.
DATABASE_URL = env_str("DATABASE_URL")
CONN_MAX_AGE = env_int("RUHU_DB_CONN_MAX_AGE", 600, minimum=0)
if DATABASE_URL:
    import dj_database_url

    DATABASES: dict[str, dict[str, Any]] = {
        "default": dict(dj_database_url.parse(DATABASE_URL, conn_max_age=CONN_MAX_AGE))
    }
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # Server-side parameter binding, each statement prepared on its connection after
        # RUHU_DB_PREPARE_THRESHOLD uses (0: never). A pooler in transaction mode (pgbouncer
        # before 1.21) cannot carry prepared statements: set it to 0 there.
        PREPARE_THRESHOLD = env_int("RUHU_DB_PREPARE_THRESHOLD", 5, minimum=0)
        if PREPARE_THRESHOLD:
            DATABASES["default"].setdefault("OPTIONS", {})
            DATABASES["default"]["OPTIONS"] |= {
                "server_side_binding": True,
                "prepare_threshold": PREPARE_THRESHOLD,
            }
        # RUHU_DB_HEALTH_CHECKS=true checks a kept connection before each request reuses it
        # (one round trip more per request). Off, a request that meets a connection the
        # server dropped answers 503 with Retry-After and the connection is replaced.
        DATABASES["default"]["CONN_HEALTH_CHECKS"] = env_bool("RUHU_DB_HEALTH_CHECKS", False)
else:
    DATABASES = {
        "default": {
            # Django's SQLite backend with writers queued on a lock file (decision 0024)
            "ENGINE": "ruhu.common.sqlite_backend",
            "NAME": VAR_DIR / "ruhu.sqlite3",
            "CONN_MAX_AGE": CONN_MAX_AGE,
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                # Run on every new connection. With connections kept open the WAL is
                # checkpointed every 1000 pages by whichever commit passes the mark, and
                # the file cut back to 64 MB after a checkpoint: it never grows unbounded.
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
                    " PRAGMA wal_autocheckpoint=1000; PRAGMA journal_size_limit=67108864;"
                ),
            },
            "TEST": {"NAME": VAR_DIR / "test.sqlite3"},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The test suite gets a queue and cache keys of its own, so it never empties or feeds a
# running worker's; under xdist, one per test worker.
QUEUE_SUFFIX = ""
if RUHU_ENV == "test":
    QUEUE_SUFFIX = f"-test-{TEST_WORKER}" if TEST_WORKER else "-test"

# Cache: Redis when REDIS_URL is set, else the database. It also stores login throttling,
# which must be shared by every worker process (a per-process cache would not be).
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("RUHU_CACHE_PREFIX", "ruhu" + QUEUE_SUFFIX),
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
    CACHES["progress"] = CACHES["default"]
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "ruhu_cache",
        },
        # Progress of a running import: written while the import holds SQLite's write lock,
        # so not in the database. Web and worker share one host without Redis (SqliteHuey).
        "progress": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache" / "progress"),
        },
    }

# Background jobs (Huey): SQLite file under var/ by default, Redis when REDIS_URL is set.
HUEY_IMMEDIATE = env_bool("HUEY_IMMEDIATE", False)
if REDIS_URL:
    HUEY = {
        "huey_class": "huey.RedisHuey",
        "name": env_str("RUHU_QUEUE_NAME", "ruhu" + QUEUE_SUFFIX),
        "url": REDIS_URL,
        "immediate": HUEY_IMMEDIATE,
        "utc": True,
        "consumer": {"workers": env_int("RUHU_WORKERS", 2, minimum=1), "worker_type": "thread"},
    }
else:
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "ruhu" + QUEUE_SUFFIX,
        "filename": str(VAR_DIR / env_str("RUHU_QUEUE_FILE", f"huey{QUEUE_SUFFIX}.sqlite3")),
        "immediate": HUEY_IMMEDIATE,
        "utc": True,
        "consumer": {"workers": env_int("RUHU_WORKERS", 2, minimum=1), "worker_type": "thread"},
    }

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["ruhu.accounts.backends.ThrottledModelBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "ruhu.accounts.validators.PolicyMinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "ruhu.accounts.validators.RepeatedCharacterValidator"},
]
PASSWORD_HASHERS = env_list(
    "RUHU_PASSWORD_HASHERS",
    [
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.ScryptPasswordHasher",
    ],
)
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# Idle expiry is a policy value (auth.session_idle_minutes); this is only the hard ceiling.
SESSION_COOKIE_AGE = 12 * 3600
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = False  # HTMX reads the token from the cookie-less meta tag instead
RUHU_BEHIND_PROXY = env_bool("RUHU_BEHIND_PROXY", False)
# The reverse proxies' own addresses or networks (README, Configuration). Empty with
# RUHU_BEHIND_PROXY: the peer is the one proxy and the last X-Forwarded-For entry the client.
RUHU_TRUSTED_PROXIES = env_list("RUHU_TRUSTED_PROXIES", [])
for _proxy in RUHU_TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy, strict=False)
    except ValueError:
        raise ImproperlyConfigured(
            f"RUHU_TRUSTED_PROXIES: {_proxy!r} is not an address or network"
        ) from None

if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    SECURE_CONTENT_TYPE_NOSNIFF = True
    SECURE_REFERRER_POLICY = "same-origin"
    if RUHU_BEHIND_PROXY:
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
X_FRAME_OPTIONS = "DENY"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [SRC_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [SRC_DIR / "static"]
MEDIA_ROOT = Path(env_str("RUHU_MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "/media/"
# Uploads, imports and documents hold personal data: readable by the service's user only.
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("RUHU_UPLOAD_MAX_BYTES", 20 * 1024 * 1024, minimum=1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = DATA_UPLOAD_MAX_MEMORY_SIZE
# Processes that check and encrypt import rows (0: in the importing process itself).
RUHU_IMPORT_WORKERS = env_int("RUHU_IMPORT_WORKERS", os.cpu_count() or 1, minimum=0)
# Where the evidence chain's head is written each day (copy it off the machine from there).
RUHU_LEDGER_EXPORT_DIR = Path(env_str("RUHU_LEDGER_EXPORT_DIR", str(VAR_DIR / "ledger")))

# Notifications outbox: console | file | http
RUHU_SMS_BACKEND = env_choice("RUHU_SMS_BACKEND", "console", {"console", "file", "http"})
RUHU_OUTBOX_FILE = env_str("RUHU_OUTBOX_FILE", str(VAR_DIR / "outbox.jsonl"))
RUHU_SMS_GATEWAY_URL = env_str("RUHU_SMS_GATEWAY_URL")
RUHU_SMS_GATEWAY_TOKEN = env_str("RUHU_SMS_GATEWAY_TOKEN")
RUHU_OUTBOX_MAX_ATTEMPTS = env_int("RUHU_OUTBOX_MAX_ATTEMPTS", 8, minimum=1)
if RUHU_SMS_BACKEND == "http" and not RUHU_SMS_GATEWAY_URL:
    raise ImproperlyConfigured("RUHU_SMS_BACKEND=http needs RUHU_SMS_GATEWAY_URL")

LOG_LEVEL = env_choice("LOG_LEVEL", "INFO", {"DEBUG", "INFO", "WARNING", "ERROR"})
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"no_pii": {"()": "ruhu.common.logging.RedactPiiFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["no_pii"]}
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    # Django's defaults give "django" (its "Not Found: /…" lines) and "django.server" (the
    # development server's request lines) handlers of their own, without the masking
    # filter: take those away so every record reaches the filtered console. `run_huey`
    # adds an unfiltered handler to "huey" unless it already has one: give it ours.
    "loggers": {
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.server": {"handlers": [], "level": "INFO", "propagate": True},
        "huey": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.db.backends": {"level": "WARNING"},
    },
}

# Development serves static files straight from the source tree; production collects them.
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = DEBUG
if not PRODUCTION:
    private_dir(VAR_DIR)
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
