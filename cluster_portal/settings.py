"""Settings for Cluster Portal.

Every value that differs between machines is read from the environment through
one ``environ.Env()`` (optionally from a ``.env`` file next to manage.py); see
``.env.example`` for the full list. Production never depends on a code branch:
it depends on the variables it is given.
"""

import datetime
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)

# A development key is accepted only while DEBUG is on; anything else must
# bring its own secret, or the portal refuses to start.
_DEV_SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"  # noqa: S105 (refused unless DEBUG)
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set the SECRET_KEY environment variable "
            "(see .env.example), or set DEBUG=true for local development."
        )
    SECRET_KEY = _DEV_SECRET_KEY
elif SECRET_KEY == _DEV_SECRET_KEY and not DEBUG:
    raise ImproperlyConfigured("The development SECRET_KEY must not be used with DEBUG off.")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "cluster_portal.apps.PortalAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sitemaps",  # its sitemap.xml templates (public/sitemaps.py)
    "django.forms",  # widget templates for the form renderer below
    "simple_history",
    "import_export",
    "django_filters",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "django_otp",
    "django_otp.plugins.otp_totp",  # authenticator apps (TOTP)
    "django_otp.plugins.otp_static",  # one-time recovery codes
    "cluster_portal",
    "notifications",
    "regions",
    "projects",
    "coordinators",
    # screens, one app per audience, on top of the domain
    "public",
    "ministry",
    "workspace",
    "dataio",
    # demo and synthetic data
    "demo",
]

MIDDLEWARE = [
    "cluster_portal.log.RequestIdMiddleware",  # first: every response and log line has the request id
    "django.middleware.security.SecurityMiddleware",
    "cluster_portal.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "cluster_portal.middleware.PrivateCacheMiddleware",  # outside sessions and CSRF: sees their cookies
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",  # the language from the address (/en/…), after sessions
    "cluster_portal.languages.LanguageQueryMiddleware",  # ?lang=en → the /en/ address
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",  # request.user.is_verified(): the second factor of this session
    "django.contrib.messages.middleware.MessageMiddleware",
    "cluster_portal.middleware.RequestSanityMiddleware",
    "cluster_portal.middleware.StaffSessionMiddleware",
    "cluster_portal.two_factor.middleware.TwoFactorMiddleware",  # set-up / code step before any protected page
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes requires
]

ROOT_URLCONF = "cluster_portal.urls"

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
                "cluster_portal.context_processors.portal",
                "cluster_portal.context_processors.language_alternates",
                "notifications.context_processors.notifications",
            ],
        },
    },
]

# One field template for every form: {{ field.as_field_group }} renders templates/includes/field.html.
FORM_RENDERER = "cluster_portal.forms.PortalFormRenderer"

WSGI_APPLICATION = "cluster_portal.wsgi.application"
ASGI_APPLICATION = "cluster_portal.asgi.application"

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=0))
# A kept connection is checked before a request reuses it, and reopened if the database dropped it
# (a restart, a failover, a pooler reaping idle connections): such a fault costs no request.
# On whenever connections are kept (docs/operations.md, "Faults").
DATABASES["default"].setdefault(
    "CONN_HEALTH_CHECKS", env.bool("CONN_HEALTH_CHECKS", default=DATABASES["default"]["CONN_MAX_AGE"] != 0)
)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
FORMS_URLFIELD_ASSUME_HTTPS = True  # Django 6 default, opted into now

CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://cluster-portal")}
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    CACHES["default"]["BACKEND"] = "cluster_portal.redis_cache.ReusedClientRedisCache"
    # An unreachable Redis must fail fast (the portal then works without its cache), not hang a worker.
    _cache_socket_timeout = env.float("CACHE_SOCKET_TIMEOUT", default=1.0)
    CACHES["default"].setdefault("OPTIONS", {})
    CACHES["default"]["OPTIONS"].setdefault("socket_connect_timeout", _cache_socket_timeout)
    CACHES["default"]["OPTIONS"].setdefault("socket_timeout", _cache_socket_timeout)
# Public aggregates and whole public pages for anonymous visitors (cluster_portal/cache.py): kept
# until the data changes (a generation counter), these timeouts are only a safety net. Pages expire
# sooner because a few depend on today's date (upcoming events). 0 switches the page cache off.
PUBLIC_CACHE_TIMEOUT = env.int("PUBLIC_CACHE_TIMEOUT", default=60 * 60)
PUBLIC_PAGE_CACHE_TIMEOUT = env.int("PUBLIC_PAGE_CACHE_TIMEOUT", default=5 * 60)
PUBLIC_PAGE_CACHE_MAX_BYTES = env.int("PUBLIC_PAGE_CACHE_MAX_BYTES", default=2 * 1024 * 1024)
# The same pages carry ETag/Last-Modified (a conditional GET is answered 304) and
# "Cache-Control: public, max-age=" this many seconds, so the reverse proxy may keep them briefly
# (docs/operations.md §3); signed-in responses are always "private, no-store".
PUBLIC_HTTP_CACHE_MAX_AGE = env.int("PUBLIC_HTTP_CACHE_MAX_AGE", default=60)

EMAIL_CONFIG = env.email("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="cluster-portal@localhost")
# Who hears of a 500 (through the outbox, notifications/log.py): ADMINS=ops@example.go.jp,other@example.go.jp
ADMINS = [("", address) for address in env.list("ADMINS", default=[])]
# A worker never hangs on an SMTP server that does not answer (the outbox retries later).
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
# Links in notifications: the portal's public address (a worker has no request to take it from).
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

# Background work (django-tasks, the backport of Django 6's django.tasks; README "Background work").
# Default: the queue lives in the portal's own database (django-tasks-db), run by
# ``manage.py db_worker``. TASK_BACKEND=rq puts it in Redis (django-tasks-rq; ``manage.py rqworker``)
# for several servers; TASK_BACKEND=immediate runs tasks inside the caller (tests, one-off scripts).
TASK_BACKEND = env.str("TASK_BACKEND", default="database")
TASK_BACKENDS = {
    "database": "django_tasks_db.DatabaseBackend",
    "rq": "django_tasks_rq.RQBackend",
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
}
TASKS = {"default": {"BACKEND": TASK_BACKENDS[TASK_BACKEND]}}
if TASK_BACKEND == "rq":
    INSTALLED_APPS.append("django_rq")
    RQ_QUEUES = {"default": {"URL": env.str("RQ_URL", default="redis://127.0.0.1:6379/2")}}
# /healthz reports the queue as "stale" when its oldest waiting task is older than this (a stopped worker).
QUEUE_STALE_SECONDS = env.int("QUEUE_STALE_SECONDS", default=15 * 60)
# The outbox (notifications/outbox.py): attempts before a notification is marked failed, first back-off.
NOTIFICATION_MAX_ATTEMPTS = env.int("NOTIFICATION_MAX_ATTEMPTS", default=5)
NOTIFICATION_RETRY_SECONDS = env.int("NOTIFICATION_RETRY_SECONDS", default=60)
# Scheduled notices (send_reminders): days before a report is due, a review closes, a call closes.
REMINDER_DAYS_BEFORE = env.int("REMINDER_DAYS_BEFORE", default=7)
# A reviewer's assignment is not reminded again (manual, bulk or scheduled reminder) within this many hours.
REVIEW_REMINDER_MIN_INTERVAL_HOURS = env.int("REVIEW_REMINDER_MIN_INTERVAL_HOURS", default=72)

AUTH_USER_MODEL = "cluster_portal.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses locked-out logins first (see "Login throttling" below)
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", _("日本語")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": env.str(
            "STATICFILES_BACKEND",
            default="django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage",
        )
    },
}

# Security: secure defaults whenever DEBUG is off.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
# The display-language cookie (set by the language switch) follows the same rules; no script reads it.
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env.bool("BEHIND_PROXY", default=False) else None
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=60 * 60 * 8)
# Every login ends when the browser closes, and after SESSION_COOKIE_AGE at the latest.
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# Roles that see every region's unpublished data log in for less time (seconds since
# login; cluster_portal.middleware.StaffSessionMiddleware). Superusers count as administrators.
_STAFF_SESSION_SECONDS = env.int("STAFF_SESSION_MAX_AGE", default=60 * 60 * 2)
STAFF_SESSION_MAX_AGE = {"ministry": _STAFF_SESSION_SECONDS, "administrator": _STAFF_SESSION_SECONDS}
CSRF_COOKIE_HTTPONLY = True  # no script reads the token; forms carry it in a hidden field
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Content-Security-Policy of every response (cluster_portal.middleware): nothing inline, no other host.
# The schema.org JSON-LD of public pages (<script type="application/ld+json">, public/structured.py)
# needs no exception: a script element of a data type is never executed, so script-src is not checked
# for it, and 'self' alone stays the rule for everything that runs.
CONTENT_SECURITY_POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "frame-ancestors": ["'none'"],
    "form-action": ["'self'"],
    # violations are reported to the portal itself (cluster_portal/csp.py; admin: CSP違反の報告)
    "report-uri": ["/csp-report/"],
    "report-to": ["csp"],
}
# The Reporting API's endpoint named by "report-to" above.
REPORTING_ENDPOINTS = 'csp="/csp-report/"'
CSP_REPORT_MAX_BYTES = 16 * 1024
CSP_REPORTS_PER_REQUEST = 20
CSP_REPORTS_KEPT = env.int("CSP_REPORTS_KEPT", default=5000)
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
# Longer query strings, or ones with control characters or invalid UTF-8, get a 400 page.
MAX_QUERY_STRING_LENGTH = 2048

# Login throttling (django-axes): 5 failures for one user name from one address lock
# that pair out for 30 minutes, on the portal login and the admin login alike.
# Administrators see and clear lockouts in the admin (Axes › Access attempts).
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "cluster_portal.middleware.lockout_response"  # registration/locked_out.html, 429
AXES_CLIENT_IP_CALLABLE = "cluster_portal.middleware.client_ip"
AXES_USERNAME_CALLABLE = "cluster_portal.middleware.lockout_username"
AXES_ENABLE_ADMIN = True
AXES_VERBOSE = False

# Two-factor sign-in (django-otp; cluster_portal/two_factor/): required for ministry staff and
# administrators, optional for headquarters staff and reviewers. A wrong code counts as a failed
# login for django-axes above. The issuer is the name authenticator apps show next to the code.
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="Cluster Portal")
OTP_ADMIN_HIDE_SENSITIVE_DATA = True  # the admin never shows a device's secret key
TWO_FACTOR_RECOVERY_CODES = 10
# Rate limits on what a script can hammer without signing in (cluster_portal/ratelimit.py):
# "requests/seconds" per client address (the one axes uses, right-most X-Forwarded-For behind the
# proxy), counted in the cache; "" or "0" switches one off, RATE_LIMITS_ENABLED=false all of them.
RATE_LIMITS_ENABLED = env.bool("RATE_LIMITS_ENABLED", default=True)
RATE_LIMITS = {
    "search": env.str("RATE_LIMIT_SEARCH", default="60/60"),
    "api": env.str("RATE_LIMIT_API", default="300/60"),
    "password_reset": env.str("RATE_LIMIT_PASSWORD_RESET", default="5/900"),
    "contact": env.str("RATE_LIMIT_CONTACT", default="5/900"),
    "csp_report": env.str("RATE_LIMIT_CSP_REPORT", default="30/60"),
}

DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# Logs go to standard error, each line with the request id (cluster_portal/log.py); LOG_FORMAT=json
# writes one JSON object per line for a log collector.
LOG_LEVEL = env.str("LOG_LEVEL", default="WARNING")
LOG_FORMAT = env.str("LOG_FORMAT", default="text")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "cluster_portal.log.RequestIdFilter"},
        "require_debug_false": {"()": "django.utils.log.RequireDebugFalse"},
    },
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "cluster_portal.log.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": "json" if LOG_FORMAT == "json" else "text",
        },
        # The one place where server errors (500s, logged by django.request) are reported to
        # ADMINS, with DEBUG off: swap this handler's class to send them another way.
        "admins": {
            "level": "ERROR",
            "class": "notifications.log.OutboxAdminEmailHandler",  # through the outbox, never inline
            "filters": ["require_debug_false", "request_id"],
        },
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # Replaces Django's default for its loggers (console with DEBUG only, mail to ADMINS): their
        # records reach the console through the root logger, errors go to ADMINS through "admins".
        "django": {"handlers": ["admins"], "level": LOG_LEVEL, "propagate": True},
    },
}

# Optional error tracking: with SENTRY_DSN set and the sentry-sdk package installed (it is not a
# requirement), errors also go to Sentry, tagged with the request id; no personal data is sent.
SENTRY_DSN = env.str("SENTRY_DSN", default="")
if SENTRY_DSN:
    try:
        import sentry_sdk
    except ImportError:
        import warnings

        warnings.warn("SENTRY_DSN is set but sentry-sdk is not installed; errors are only logged", stacklevel=1)
    else:
        sentry_sdk.init(
            dsn=SENTRY_DSN,
            environment=env.str("SENTRY_ENVIRONMENT", default="production"),
            send_default_pii=False,
            traces_sample_rate=0.0,
        )

# Portal-specific settings.
PORTAL_NAME = _("知的クラスター創成事業 ポータル")
# The public policy pages (public/views/policies.py): where visitors write to, and how long the
# server's access logs and the sign-in records are kept (the privacy policy states it; the operator
# deletes older records, docs/operations.md).
CONTACT_EMAIL = env.str("CONTACT_EMAIL", default=DEFAULT_FROM_EMAIL)
LOG_RETENTION_DAYS = env.int("LOG_RETENTION_DAYS", default=90)

# Uploads and bulk import limits (see .env.example).
PROPOSAL_ATTACHMENT_MAX_BYTES = env.int("PROPOSAL_ATTACHMENT_MAX_BYTES", default=10 * 1024 * 1024)
DATAIO_MAX_BYTES = env.int("DATAIO_MAX_BYTES", default=10 * 1024 * 1024)
DATAIO_MAX_ROWS = env.int("DATAIO_MAX_ROWS", default=100_000)
# Larger files are previewed by the worker (the page shows progress); every confirmed import is a task.
DATAIO_INLINE_PREVIEW_BYTES = env.int("DATAIO_INLINE_PREVIEW_BYTES", default=256 * 1024)
# Exports of more rows are prepared by the worker and downloaded from the job page.
DATAIO_INLINE_EXPORT_ROWS = env.int("DATAIO_INLINE_EXPORT_ROWS", default=5_000)
# How long a job's result (preview, report, exported file) stays downloadable.
DATAIO_JOB_RETENTION_HOURS = env.int("DATAIO_JOB_RETENTION_HOURS", default=24)
# A running job whose progress has not moved for this long lost its worker: it is marked failed.
DATAIO_JOB_STALE_SECONDS = env.int("DATAIO_JOB_STALE_SECONDS", default=10 * 60)
# Load balancers probe the health check over plain HTTP on the private network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
