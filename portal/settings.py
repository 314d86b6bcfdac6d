"""Settings come from the environment; with nothing set, a fresh checkout runs on
SQLite with Celery tasks executed in-process (eager)."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from portal.redis_urls import cache_redis_url, same_redis_db

BASE_DIR = Path(__file__).resolve().parent.parent


def envbool(name: str, default: str) -> bool:
    value = os.environ.get(name, default).strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off", ""}:
        return False
    raise ImproperlyConfigured(f"{name} must be 0/1/true/false, not {value!r}")


def envlist(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = envbool("DJANGO_DEBUG", "1")

if DEBUG:
    SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "insecure-development-key-" + "x" * 40)
    ALLOWED_HOSTS = envlist("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver,[::1]")
else:
    # Production refuses to start without its secrets rather than run with a default.
    SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
    if len(SECRET_KEY) < 50:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set (at least 50 characters) when DJANGO_DEBUG=0")
    ALLOWED_HOSTS = envlist("DJANGO_ALLOWED_HOSTS")
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS must be set when DJANGO_DEBUG=0")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "axes",
    "portal",
    "credit",
    "listings",
    "inspections",
    "following",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Outside everything that may read the database: its failure answers 503, not 500.
    "portal.middleware.DatabaseUnavailableMiddleware",
    # Anonymous cache hits are answered here, before the session and everything after it.
    "portal.pagecache.PageCacheMiddleware",
    # The API's limit headers on every /api/v1/ answer, also those no API view made.
    "portal.api.ApiHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # Before anything reads the body: a body over REQUEST_MAX_BODY_BYTES is a 413 page.
    "portal.middleware.RequestSizeMiddleware",
    # Before any view, filter or form sees a parameter (its message is in the visitor's language).
    "portal.middleware.InputSanityMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: turns a refused sign-in into portal.logins.lockout_response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    import dj_database_url

    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)}
    if not DATABASES["default"]["ENGINE"].endswith("postgresql"):
        raise ImproperlyConfigured("DATABASE_URL must point at PostgreSQL (postgres://...)")
    # Django's backend with a health check that looks at the socket before it asks SELECT 1
    # (portal/postgresql/base.py): one round trip less on every request.
    DATABASES["default"]["ENGINE"] = "portal.postgresql"
    # portal.db.prepared_cursor prepares the few statements of every uncached public page
    # (psycopg prepares only when asked: Django's own cursors bind on the client and are never
    # prepared). Off (None) for a pooler that cannot keep prepared statements.
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = (
        2**31 - 1 if envbool("DATABASE_PREPARED_STATEMENTS", "1") else None
    )
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("SQLITE_PATH", str(BASE_DIR / "db.sqlite3")),
            "OPTIONS": {"timeout": 20},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# While the database cannot be reached pages answer 503 with this Retry-After (portal/middleware.py).
DB_RETRY_AFTER_SECONDS = int(os.environ.get("DB_RETRY_AFTER_SECONDS", "30"))

# REDIS_URL's database holds the Celery broker and results; the cache takes the next one
# (portal/redis_urls.py), so that clearing the cache never drops a queued task.
REDIS_URL = os.environ.get("REDIS_URL", "")
CACHE_REDIS_URL = os.environ.get("CACHE_REDIS_URL", "") or (cache_redis_url(REDIS_URL) if REDIS_URL else "")
if REDIS_URL and CACHE_REDIS_URL and same_redis_db(CACHE_REDIS_URL, REDIS_URL):
    raise ImproperlyConfigured("CACHE_REDIS_URL must not name the broker's database (REDIS_URL)")
# The cache answers a miss when Redis fails (portal/cache.py): it waits at most this long
# for Redis, then leaves it alone for CACHE_RETRY_SECONDS.
CACHE_SOCKET_TIMEOUT = float(os.environ.get("CACHE_SOCKET_TIMEOUT", "0.25"))
CACHE_RETRY_SECONDS = float(os.environ.get("CACHE_RETRY_SECONDS", "5"))
if CACHE_REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "portal.cache.ResilientRedisCache",
            "LOCATION": CACHE_REDIS_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "portal"),
            "OPTIONS": {"SOCKET_TIMEOUT": CACHE_SOCKET_TIMEOUT, "RETRY_SECONDS": CACHE_RETRY_SECONDS},
        }
    }
else:
    # One process's own memory: sized for the demo (every credit file and list page in
    # both languages), not Django's default of 300 entries, which a crawl empties at once.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "OPTIONS": {"MAX_ENTRIES": int(os.environ.get("CACHE_MAX_ENTRIES", "20000"))},
        }
    }

# Celery: Redis as broker and result backend when configured, otherwise tasks run
# in-process so that the embedded default needs no services.
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 30 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 25 * 60
CELERY_TIMEZONE = "Asia/Shanghai"
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BEAT_SCHEDULE = {
    # Turns change-feed events into alerts for their followers, should a publication's own
    # hand-over have missed the broker, and hands over the immediate e-mail alerts whose hand-over
    # was lost (following/dispatch.py, following/email.py stale_deliver; safe to run at any time).
    "following-dispatch": {
        "task": "following.dispatch",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    # The daily digests of e-mail follows: one mail per follow and day (following/email.py;
    # safe to run twice; 08:00 Beijing time).
    "following-digests-daily": {
        "task": "following.digests_send",
        "schedule": crontab(hour=8, minute=0),
    },
    # Queues the webhook deliveries whose next attempt is due: retries with backoff, and those a
    # broker outage kept from their first attempt (following/webhooks.py; safe to run at any time).
    "following-webhooks-retry": {
        "task": "following.webhooks_retry",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    # Ends publication of list entries past their maximum period (idempotent; 00:10 Beijing time).
    "listings-expire-daily": {
        "task": "listings.entries_expire",
        "schedule": crontab(hour=0, minute=10),
    },
    # From NON_FILER_SWEEP_WORKING_DAYS working days after 30 June, lists last year's non-filers
    # once (the year's sweep is recorded; a missed day is caught up; 00:30 Beijing time).
    "listings-non-filers-sweep": {
        "task": "listings.non_filers_sweep",
        "schedule": crontab(hour=0, minute=30),
    },
    # Publishes the end of publication of the penalties whose period ended (idempotent; 00:05).
    "credit-penalties-expire-daily": {
        "task": "credit.penalties_expire",
        "schedule": crontab(hour=0, minute=5),
    },
    # Lists the firms whose order to disclose passed uncured (idempotent; 00:20 Beijing time).
    "inspections-disclosure-orders-lapse": {
        "task": "inspections.disclosure_orders_lapse",
        "schedule": crontab(hour=0, minute=20),
    },
    # Counts the home page's totals again, so that no page waits for a count (idempotent).
    "credit-home-counts": {
        "task": "credit.home_counts_refresh",
        "schedule": 240.0,
        "options": {"expires": 230},
    },
    # Sends the e-mails a broker or mail-server outage left unsent (portal/notices.py).
    "portal-notices-retry": {
        "task": "portal.notices_deliver_pending",
        "schedule": 300.0,
        "options": {"expires": 290},
    },
    # E-mails the liaisons of non-filers 30 and 7 days before 30 June (credit/reminders.py; each once).
    "credit-filing-reminders": {
        "task": "credit.filing_reminders_queue",
        "schedule": crontab(hour=9, minute=0),
    },
    # E-mails the liaisons of newly listed enterprises, one per entry (listings/notices.py; each once).
    "listings-listed-notices": {
        "task": "listings.listed_notices_queue",
        "schedule": 300.0,
        "options": {"expires": 290},
    },
    # Records the change feed's head at the end of the day that just ended (credit/changes.py; idempotent).
    "credit-change-head-daily": {
        "task": "credit.change_head_record",
        "schedule": crontab(hour=0, minute=0),
    },
    # Writes the day's bulk files and manifest at /data/ after the night's sweeps (credit/bulk.py;
    # a second run the same day changes nothing; 01:00 Beijing time).
    "credit-bulk-export-daily": {
        "task": "credit.bulk_export",
        "schedule": crontab(hour=1, minute=0),
    },
    # Queues again the draws the broker never delivered and those a lost worker left "drawing".
    "inspections-draws-requeue": {
        "task": "inspections.draws_requeue",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
}
# Redis redelivers an unacknowledged message after this many seconds; it must exceed
# the longest task so that a slow task is not run twice while still working.
# Short socket timeouts: a web request that hands over a task waits seconds, not minutes,
# for a broker that is down or hung (the write is kept and the task recovered, see
# inspections.draws_requeue).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", "3600")),
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
}
CELERY_BROKER_CONNECTION_TIMEOUT = 2
# The queue of tasks sent without one (a task's hand-over to the next, e.g. the reminders to
# portal.notices_deliver): a worker started on a queue of its own (the services tests) keeps them there.
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CELERY_TASK_DEFAULT_QUEUE", "celery")

# E-mail (portal/notices.py, password reset): printed to the console unless EMAIL_HOST names
# an SMTP server.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend" if EMAIL_HOST else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", "1")
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "10"))
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", "")  # for the file backend (tests of the worker)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "noreply@credit-portal.invalid")
NOTICE_RETRY_MINUTES = int(os.environ.get("NOTICE_RETRY_MINUTES", "10"))
NOTICE_MAX_ATTEMPTS = int(os.environ.get("NOTICE_MAX_ATTEMPTS", "5"))
# The site's address as e-mails written by beat tasks name it (no request to take it from).
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# Entries published this many days back still get their "listed" e-mail (listings/notices.py).
LISTED_NOTICE_DAYS = int(os.environ.get("LISTED_NOTICE_DAYS", "7"))

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SAMESITE = "Lax"

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
# Uploaded files (portal/uploads.py): under MEDIA_ROOT/uploads/, outside STATIC_ROOT, never served
# by a static or media URL -- only by the views that check who asks (docs/rules.md, "Uploads").
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", "") or os.environ.get("MEDIA_ROOT", "") or str(BASE_DIR / "media"))
UPLOAD_MAX_FILE_BYTES = int(os.environ.get("UPLOAD_MAX_FILE_BYTES", str(5 * 1024 * 1024)))
UPLOAD_MAX_TOTAL_BYTES = int(os.environ.get("UPLOAD_MAX_TOTAL_BYTES", str(20 * 1024 * 1024)))
UPLOAD_MAX_FILES = int(os.environ.get("UPLOAD_MAX_FILES", "10"))
UPLOAD_MAX_IMAGE_PIXELS = int(os.environ.get("UPLOAD_MAX_IMAGE_PIXELS", "50000000"))
# A request body larger than this is refused with 413 before anything reads it
# (portal.middleware.RequestSizeMiddleware): the uploads' total and room for the form's fields.
REQUEST_MAX_BODY_BYTES = int(os.environ.get("REQUEST_MAX_BODY_BYTES", str(UPLOAD_MAX_TOTAL_BYTES + 1024 * 1024)))
# Uploads up to this size stay in memory; larger ones go to a temporary file while checked.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# The form fields of one request without its files (Django's default, stated).
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
# The bulk files published at /data/ (credit/bulk.py): daily snapshots, deltas and manifests.
DATA_ROOT = Path(os.environ.get("DJANGO_DATA_ROOT", str(BASE_DIR / "var" / "data")))
# Processes writing the parts of a day's snapshot at once (PostgreSQL; SQLite writes in one).
BULK_EXPORT_PROCESSES = int(os.environ.get("BULK_EXPORT_PROCESSES", "2"))

# Enterprise logins sign in at their own area; the admin keeps its own login page for staff.
LOGIN_URL = "/account/login/"
# Where a sign-in without a safe `next` lands: the enterprise login page names its own
# (the account area), so this is the admin login's, whose fallback is the admin index.
LOGIN_REDIRECT_URL = "admin:index"

# Sign-in throttling (django-axes; portal/logins.py): after LOGIN_FAILURE_LIMIT failures for
# one user name, or from one client address, sign-in is refused for LOGIN_COOLOFF_MINUTES
# after the last failure; failing again meanwhile does not extend it. A superuser can
# release a lock in the admin (audited).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = dt.timedelta(minutes=int(os.environ.get("LOGIN_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "portal.logins.lockout_response"
AXES_CLIENT_IP_CALLABLE = "portal.logins.client_ip"
AXES_ENABLE_ADMIN = False  # portal/admin.py registers superuser-only views with the audited release
# Proxies in front of the site that append to X-Forwarded-For (0: REMOTE_ADDR is the client).
LOGIN_TRUSTED_PROXIES = int(os.environ.get("LOGIN_TRUSTED_PROXIES", "0"))

# Content Security Policy: everything is served by the site itself (no CDN).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "style-src": ["'self'"],
        "script-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

if not DEBUG:
    SECURE_SSL_REDIRECT = envbool("DJANGO_SECURE_SSL_REDIRECT", "1")
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
    X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# Search: above this many matches the result count is shown as "more than N".
# The demo steps of the apps above credit, in the order `seed_demo` runs them after
# credit's own (each `seed_demo_data(seed=..., stdout=...)`).
DEMO_STEPS = ("listings.demo.seed_demo_data", "listings.demo_commitments.seed_demo_data", "inspections.demo.seed_demo_data",
              "following.demo.seed_demo_data")

SEARCH_COUNT_LIMIT = int(os.environ.get("SEARCH_COUNT_LIMIT", "1000"))
# Rendered credit-file cache lifetime (seconds); publication invalidates it anyway.
CREDIT_FILE_CACHE_SECONDS = int(os.environ.get("CREDIT_FILE_CACHE_SECONDS", "600"))
# Whole public pages for anonymous visitors (portal/pagecache.py): how long the shared cache
# keeps one (publication makes the next request miss anyway), and what browsers and proxies
# are told: fresh for PAGE_MAX_AGE seconds, then served stale at most PAGE_STALE_SECONDS
# while revalidating with the ETag. A publication reaches every visitor within their sum.
PAGE_CACHE_SECONDS = int(os.environ.get("PAGE_CACHE_SECONDS", "600"))
PAGE_MAX_AGE = int(os.environ.get("PAGE_MAX_AGE", "60"))
PAGE_STALE_SECONDS = int(os.environ.get("PAGE_STALE_SECONDS", "30"))
# Worker processes the draw spreads its pair hashing over (1: all in the Celery worker).
DRAW_PROCESSES = int(os.environ.get("DRAW_PROCESSES", "0") or 0) or (
    len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)
# Smaller draws (selected firms x roster) are ranked in the worker itself: a pool costs more.
DRAW_PARALLEL_MIN_PAIRS = int(os.environ.get("DRAW_PARALLEL_MIN_PAIRS", "2000000"))
# inspections.draws_requeue: a draw asked for (or started) longer ago than this without a
# live worker is queued again, and fails visibly after this many starts.
DRAW_REQUEUE_MINUTES = int(os.environ.get("DRAW_REQUEUE_MINUTES", "2"))
DRAW_MAX_ATTEMPTS = int(os.environ.get("DRAW_MAX_ATTEMPTS", "3"))

# Enterprise activation codes (credit/accounts.py): days a printed code stays valid; failures
# at /account/activate/ are throttled by django-axes like sign-ins (per USCC and per address).
ACTIVATION_CODE_DAYS = int(os.environ.get("ACTIVATION_CODE_DAYS", "30"))
# The non-filer sweep (listings.services.sweep) runs this many working days after 30 June
# (1-10: SAMR Order 101 Art. 7 allows 10; checked by the system check listings.E001).
NON_FILER_SWEEP_WORKING_DAYS = int(os.environ.get("NON_FILER_SWEEP_WORKING_DAYS", "5"))

# The public read API (portal/api.py, docs/api.md): JSON only, no sessions, limits per client.
# API_ANON_RATE requests per API_RATE_WINDOW seconds per client address without a key,
# API_KEY_RATE with a free API key (/api/keys/). The counters live in the shared cache (Redis
# with REDIS_URL, so every process and machine counts together); a cache outage lets requests
# through (fail open) with a logged warning.
API_ANON_RATE = int(os.environ.get("API_ANON_RATE", "60"))
API_KEY_RATE = int(os.environ.get("API_KEY_RATE", "600"))
API_RATE_WINDOW = int(os.environ.get("API_RATE_WINDOW", "60"))
API_PAGE_SIZE = int(os.environ.get("API_PAGE_SIZE", "50"))
# Webhooks (following/webhooks.py, docs/webhooks.md): each call's total timeout (the whole exchange), and whether endpoints
# may be http(s)://127.0.0.1 / localhost (development and tests; never in production).
WEBHOOK_TIMEOUT_SECONDS = float(os.environ.get("WEBHOOK_TIMEOUT_SECONDS", "5"))
WEBHOOK_ALLOW_LOCAL = envbool("WEBHOOK_ALLOW_LOCAL", "1" if DEBUG else "0")
# The caps of one (free) API key: enabled webhook endpoints, and active webhook follows.
WEBHOOK_MAX_ENDPOINTS = int(os.environ.get("WEBHOOK_MAX_ENDPOINTS", "20"))
WEBHOOK_MAX_FOLLOWS = int(os.environ.get("WEBHOOK_MAX_FOLLOWS", "200"))
# A key request's confirmation link stays valid this long; one pending request per address
# per API_KEY_REQUEST_MINUTES, and at most API_KEY_REQUESTS_PER_IP requests per client address in it.
API_KEY_CONFIRM_HOURS = int(os.environ.get("API_KEY_CONFIRM_HOURS", "24"))
API_KEY_REQUEST_MINUTES = int(os.environ.get("API_KEY_REQUEST_MINUTES", "60"))
API_KEY_REQUESTS_PER_IP = int(os.environ.get("API_KEY_REQUESTS_PER_IP", "5"))
# Following by e-mail (following/services.py): unconfirmed follow requests per address, and
# requests per client address, within an hour.
FOLLOW_REQUESTS_PER_ADDRESS = int(os.environ.get("FOLLOW_REQUESTS_PER_ADDRESS", "5"))
FOLLOW_REQUESTS_PER_IP = int(os.environ.get("FOLLOW_REQUESTS_PER_IP", "30"))
REST_FRAMEWORK = {
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [],
    "DEFAULT_AUTHENTICATION_CLASSES": ["portal.api_keys.ApiKeyAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_THROTTLE_CLASSES": [],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "portal.api_pagination.ApiCursorPagination",
    "PAGE_SIZE": API_PAGE_SIZE,
    "UNAUTHENTICATED_USER": None,
    "COERCE_DECIMAL_TO_STRING": True,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Enterprise credit disclosure portal: public read API",
    "DESCRIPTION": "Read-only public data of the credit files, lists and inspections (docs/api.md).",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # The change feed's kinds of event, in the feed and in webhook follows (one enum).
    # One name per choice set that several components share (the credit file's sections).
    "ENUM_NAME_OVERRIDES": {
        "ChangeKindEnum": "credit.changes.KINDS",
        "CurrencyEnum": "credit.models.Currency",
        "LetterKindEnum": "credit.models.CommitmentLetter.Kind",
        "DisclosureKindEnum": "credit.models.InstantDisclosure.Kind",
        "SeverityEnum": "credit.models.Severity",
        "RegistrationStatusEnum": "credit.models.RegistrationStatus",
    },
}
