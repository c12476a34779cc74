"""Settings for the Longshan village-cadre portal, read from the environment.

Every value a deployment changes comes from an environment variable (README,
"Configuration"); nothing here reads the database or the network at import time.
"""

import datetime
import ipaddress
import json
import os
import secrets
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("LONGSHAN_VAR_DIR", BASE_DIR / "var"))


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default):
    value = os.environ.get(name, default)
    return [item.strip() for item in value.split(",") if item.strip()]


def _secret_key():
    """Return SECRET_KEY from the environment, else a key kept in var/ for this checkout."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


# ---------------------------------------------------------------- core
SECRET_KEY = _secret_key()
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

# ---------------------------------------------------------------- apps
DJANGO_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
]
THIRD_PARTY_APPS = [
    "guardian",
    "django_filters",
    "django_htmx",
    "axes",
]
LOCAL_APPS = [
    "longshan",
    "cadres",
    "training",
    "attendance",
    "performance",
    "ranks",
    "compensation",
    "dashboards",
]
INSTALLED_APPS = DJANGO_APPS + THIRD_PARTY_APPS + LOCAL_APPS

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "longshan.middleware.PortalLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "longshan.audit.AuditContextMiddleware",
    "longshan.security.SessionLimitMiddleware",
    # Records each response that showed ID or phone numbers in full (issue 11).
    "longshan.privacy.PersonalDataAuditMiddleware",
    # Last, as django-axes asks: it turns a refused sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "longshan.urls"
WSGI_APPLICATION = "longshan.wsgi.application"

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
                "longshan.navigation.navigation",
            ],
        },
    },
]

# ---------------------------------------------------------------- database
# DATABASE_URL: postgres://user@host:5432/name or sqlite:///path; default an SQLite file.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'longshan.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not memory, so that a Celery worker process in the tests sees the test data;
    # named per process, so that two test runs on one checkout never share it.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test_longshan_{os.getpid()}.sqlite3")}
    DATABASES["default"]["OPTIONS"] = {"timeout": 20}
else:
    # Per process too, so that two test runs against one server never drop each other's.
    DATABASES["default"]["TEST"] = {"NAME": f"test_{DATABASES['default']['NAME']}_{os.getpid()}"}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# ---------------------------------------------------------------- auth
AUTH_USER_MODEL = "cadres.User"
AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out username before any password is checked.
    "longshan.security.SignInLockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "longshan.passwords.LettersAndDigitsValidator"},
]
# No anonymous user row: guardian grants are only given to real accounts.
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False

# ---------------------------------------------------------------- i18n
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# ---------------------------------------------------------------- static files
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = VAR_DIR / "media"

# ---------------------------------------------------------------- security
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# LONGSHAN_HTTPS=1: served over HTTPS by a TLS proxy that sets X-Forwarded-Proto (README).
LONGSHAN_HTTPS = env_bool("LONGSHAN_HTTPS", False)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", LONGSHAN_HTTPS)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", LONGSHAN_HTTPS)
if LONGSHAN_HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)

# Sessions end after 30 idle minutes and after 10 hours whatever the activity
# (longshan.security.SessionLimitMiddleware). The session, and with it the cookie's and
# the database row's expiry, is renewed at most once a minute rather than on every request.
SESSION_COOKIE_AGE = 30 * 60
LONGSHAN_SESSION_IDLE_RENEWAL = 60
LONGSHAN_SESSION_MAX_AGE = 10 * 60 * 60

# LONGSHAN_TRUSTED_PROXIES: the addresses (or networks) of the reverse proxies in front of
# the portal. A request that reaches it from one of them is recorded (audit trail, duty
# logs) with the address the proxies forwarded in X-Forwarded-For, read from the right;
# from anywhere else the header is ignored, as a client can write it itself.
try:
    LONGSHAN_TRUSTED_PROXIES = [
        ipaddress.ip_network(item, strict=False)
        for item in env_list("LONGSHAN_TRUSTED_PROXIES", "")
    ]
except ValueError as error:
    raise ImproperlyConfigured(f"LONGSHAN_TRUSTED_PROXIES: {error}") from None

# Sign-in lockout (django-axes): 5 failures lock the username, not the address, for 15
# minutes; further tries while locked do not extend it. The address axes records is the
# audit trail's: REMOTE_ADDR, or behind a trusted proxy what it forwarded, never a header
# a client wrote itself.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = datetime.timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "longshan.security.lockout_response"
AXES_CLIENT_IP_CALLABLE = "longshan.audit.request_address"
AXES_IPWARE_META_PRECEDENCE_ORDER = ("REMOTE_ADDR",)  # unused while the callable is set
AXES_VERBOSE = False
AXES_DISABLE_ACCESS_LOG = True  # sign-ins are recorded in the audit trail (longshan.security)
# axes.W006 asks to lock addresses too: a township's cadres share one address, so an
# address lock lets one attacker shut out a whole township (the choice above is deliberate).
SILENCED_SYSTEM_CHECKS = ["axes.W006"]

# Content-Security-Policy (django-csp): scripts only from the portal's static files, no
# inline script, no eval. Inline style attributes stay allowed (a few templates size a
# column with one); style elements must come from static files.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# ---------------------------------------------------------------- celery
# No broker configured: tasks run in-process (eager), so a first run needs nothing else.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A task taken by a worker that then died (acks_late) goes back on the Redis queue after
# `visibility_timeout` seconds (Celery's default, an hour: longer than any task here).
# CELERY_BROKER_TRANSPORT_OPTIONS (JSON) overrides it, e.g. in the worker-loss test.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 3600,
    **json.loads(os.environ.get("CELERY_BROKER_TRANSPORT_OPTIONS") or "{}"),
}
CELERY_TIMEZONE = TIME_ZONE
# Large documents (the county payroll PDF) render in a worker within these limits: past the
# soft time limit, or the address-space cap, the document is marked failed with the reason.
DOCUMENT_TASK_SOFT_TIME_LIMIT = int(os.environ.get("DOCUMENT_TASK_SOFT_TIME_LIMIT", "600"))
DOCUMENT_TASK_MEMORY_LIMIT_MB = int(os.environ.get("DOCUMENT_TASK_MEMORY_LIMIT_MB", "2048"))
# The county payroll PDF is rendered in parts of whole townships of about this many rows,
# one part a worker at a time (issue 10: each render has a fixed cost of about 0.2 s).
PAYROLL_PDF_PART_ROWS = int(os.environ.get("PAYROLL_PDF_PART_ROWS", "200"))
# A background job (longshan.Job) is stopped this many seconds after it starts.
JOB_TASK_TIME_LIMIT = int(os.environ.get("JOB_TASK_TIME_LIMIT", "1800"))
CELERY_BEAT_SCHEDULE = {
    # Work whose worker fell silent: payroll PDFs sent again (their task takes them up or
    # fails them saying why), background jobs marked failed (started again by the user).
    "compensation-resend-lost-documents": {
        "task": "compensation.resend_lost_documents",
        "schedule": crontab(minute="*/5"),
    },
    "longshan-fail-lost-jobs": {
        "task": "longshan.fail_lost_jobs",
        "schedule": crontab(minute="*/5"),
    },
    # The day's duty check at 23:30 local time (POLICY §4.1, §4.2); the task takes today.
    "attendance-check-duty": {
        "task": "attendance.check_duty",
        "schedule": crontab(hour=23, minute=30),
    },
    # The month before, on the 1st at 02:00, after the last day's duty check (POLICY §5.1);
    # the task takes no month and splits the county per township across the workers.
    "performance-settle-month": {
        "task": "performance.settle_month",
        "schedule": crontab(day_of_month=1, hour=2, minute=0),
    },
    # The month before's payroll, on the 2nd at 03:00, once its settlement has run (§8.2).
    "compensation-run-payroll": {
        "task": "compensation.run_payroll",
        "schedule": crontab(day_of_month=2, hour=3, minute=0),
    },
    # The year before's rank moves, on 5 January at 03:00 (POLICY §7.2); the county
    # approves them (§7.4). Re-running adds grades confirmed since; the task takes no year.
    "ranks-propose": {
        "task": "ranks.propose",
        "schedule": crontab(month_of_year=1, day_of_month=5, hour=3, minute=0),
    },
}

# ---------------------------------------------------------------- logging
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# ---------------------------------------------------------------- portal
# Rows per list page; lists run the same handful of queries whatever the page holds.
LIST_PAGE_SIZE = 50
