"""Fengqiao settings, read from the environment (django-environ).

Everything has a default that gives the embedded set-up: SQLite in the project folder, eager tasks,
no external services. Production sets at least DJANGO_SECRET_KEY, DJANGO_DEBUG=0,
DJANGO_ALLOWED_HOSTS and DATABASE_URL.
"""

import datetime
import socket
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=False)
# The fallback key is only good for development and tests; production must set its own.
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="dev-only-insecure-key-change-me-for-production")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    # API tokens stored hashed, expiring (config/tokens.py).
    "knox",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "axes",
    "simple_history",
    "courts",
    "parties",
    "mediation",
    "documents",
    # The project's own app: system checks, token revocation, one-time form tokens and their
    # migrations (config/apps.py).
    "config.apps.ConfigConfig",
]

MIDDLEWARE = [
    "config.observability.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # After WhiteNoise, so static files keep their cache lifetime; everything else is no-store.
    "config.caching.NoStoreMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "config.observability.IdleTimeoutMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Who changed a dispute, party or agreement, for their field history.
    "simple_history.middleware.HistoryRequestMiddleware",
    # Answers 429 when a rate limit of config/ratelimits.py is reached.
    "django_ratelimit.middleware.RatelimitMiddleware",
    # A service error a page view lets through, as the 404 or error page (the API answers its
    # own through EXCEPTION_HANDLER).
    "mediation.kernel.pages.ServiceErrorMiddleware",
    # Last: it answers a locked-out sign-in (django-axes).
    "axes.middleware.AxesMiddleware",
]

# --- Security ------------------------------------------------------------------------------------
# Sign-in lockout (django-axes): five failures for one user name from one address lock that pair
# out for fifteen minutes; a success resets the count. Keyed on the pair, so nobody can lock a
# user out from elsewhere.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("FENGQIAO_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = datetime.timedelta(
    minutes=env.int("FENGQIAO_LOGIN_LOCKOUT_MINUTES", default=15)
)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "config.views.locked_out"
AXES_CLIENT_IP_CALLABLE = "config.observability.client_address"
# How many proxies (load balancer, nginx) stand in front of the app: the client's address is then
# read from X-Forwarded-For, as the outermost of them wrote it (config.observability).
FENGQIAO_TRUSTED_PROXIES = env.int("FENGQIAO_TRUSTED_PROXIES", default=0)
AXES_VERBOSE = False
# Content-Security-Policy (django-csp): scripts only from this site, no inline scripts or
# handlers (static/js/app.js carries what pages did inline). Inline styles stay allowed: the
# admin, the browsable API and Swagger UI use them, and a style cannot run code.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, "'unsafe-inline'"],
        "img-src": [SELF, "data:", "blob:"],
        "font-src": [SELF, "data:"],
        "worker-src": [SELF, "blob:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
# Keys of the ID numbers' encryption and search hash (parties/crypto.py): development falls back
# to a fixed key; production requires both (config/production.py).
FENGQIAO_FIELD_KEYS = env.list("FENGQIAO_FIELD_KEYS", default=[])
FENGQIAO_SEARCH_KEY = env.str("FENGQIAO_SEARCH_KEY", default="")
# Requests per client address per minute on the one-time-code and verification pages
# (django-ratelimit, counted in the cache: Redis in production).
FENGQIAO_RATE_OTP = env.str("FENGQIAO_RATE_OTP", default="10/m")
FENGQIAO_RATE_VERIFY = env.str("FENGQIAO_RATE_VERIFY", default="30/m")
RATELIMIT_VIEW = "config.views.rate_limited"
# Password reset by e-mail (config/accounts.py): off unless turned on here, and then only with an
# e-mail backend that delivers (not the console's); asking for a reset mail is limited per client
# address and per e-mail address.
FENGQIAO_PASSWORD_RESET = env.bool("FENGQIAO_PASSWORD_RESET", default=False)
FENGQIAO_RATE_PASSWORD_RESET = env.str("FENGQIAO_RATE_PASSWORD_RESET", default="5/h")
# A reset link works once, within the hour (Django's default is three days).
PASSWORD_RESET_TIMEOUT = 60 * 60
# API tokens (django-rest-knox, config/tokens.py): a new one at every sign-in, kept as a digest,
# valid this many hours, revoked on sign-out and when the password changes.
FENGQIAO_API_TOKEN_HOURS = env.float("FENGQIAO_API_TOKEN_HOURS", default=12)
REST_KNOX = {
    "TOKEN_TTL": datetime.timedelta(hours=FENGQIAO_API_TOKEN_HOURS),
    # Clients send `Authorization: Token <key>`, as with DRF's own tokens before.
    "AUTH_HEADER_PREFIX": "Token",
    # A fixed lifetime from sign-in: use does not extend it.
    "AUTO_REFRESH": False,
}

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "mediation.workbench.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Wait for a writer instead of failing at once with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20


def _postgres_options(database: dict) -> None:
    options = database.setdefault("OPTIONS", {})
    # No JIT compilation: it cost 100-600 ms on the rates' and a bulk import's aggregates,
    # which then ran in less than that (bench/README.md).
    options.setdefault("options", "-c jit=off")
    # Parameters bound by the server, so psycopg prepares a statement once it has run
    # `prepare_threshold` times on a connection: planning was most of PostgreSQL's share of a
    # detail read (bench/load.py). A migration that changes a table's columns makes
    # the prepared plans stale: restart the app servers after it. 0 turns preparing off, for a
    # pooler that cannot keep prepared statements (docs/deploy.md).
    options.setdefault("server_side_binding", True)
    options.setdefault("prepare_threshold", env.int("DJANGO_PREPARE_THRESHOLD", default=5) or None)


if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    _postgres_options(DATABASES["default"])
# A PostgreSQL read replica for the dashboard, its exports and the rates (config/db_routers.py).
if env.str("DATABASE_REPLICA_URL", default=""):
    DATABASES["replica"] = env.db("DATABASE_REPLICA_URL")
    _postgres_options(DATABASES["replica"])
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["config.db_routers.ReplicaRouter"]
# Shared by every app server and worker when REDIS_URL is set; per process otherwise.
if env.str("REDIS_URL", default=""):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": env.str("REDIS_URL"),
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
MEDIA_ROOT = env.path("DJANGO_MEDIA_ROOT", default=BASE_DIR / "media")
MEDIA_URL = "media/"

# Amounts read ¥86,000.00 in Chinese too (config/formats/zh_Hans).
FORMAT_MODULE_PATH = ["config.formats"]

# Signed out after this long without a request: requests renew it, at most once a
# minute (config.observability.IdleTimeoutMiddleware).
SESSION_COOKIE_AGE = env.int("FENGQIAO_SESSION_IDLE_SECONDS", default=30 * 60)
SESSION_COOKIE_HTTPONLY = True

LOGIN_URL = "login"
# Court and body staff come to work on their inbox; signing out leads back to the front page.
# After signing in, each role lands in its own area (config.views.start).
LOGIN_REDIRECT_URL = "start"
LOGOUT_REDIRECT_URL = "home"

REST_FRAMEWORK = {
    # Token first: its WWW-Authenticate header makes an anonymous request a 401, not a 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "config.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # The API takes JSON bodies only: a form cannot carry nested parties, obligations, lists or
    # null, and no endpoint takes a file (ledgers are uploaded on a page). Anything else is 415.
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    # Query parameters are checked as the schema states them (mediation/api/filtering.py).
    "DEFAULT_FILTER_BACKENDS": ["mediation.kernel.api.filtering.StrictFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "mediation.kernel.api.pagination.StandardPagination",
    # Every operation's refusals and bounds in the schema (config/schema.py).
    "DEFAULT_SCHEMA_CLASS": "config.schema.AutoSchema",
    "EXCEPTION_HANDLER": "mediation.kernel.api.exceptions.exception_handler",
    "COERCE_DECIMAL_TO_STRING": True,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Fengqiao API",
    "DESCRIPTION": "Multi-party dispute mediation case tracker (枫桥).",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Served from drf-spectacular-sidecar: the docs work without internet access.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # One operation per transition, each with its own body (config/schema.py).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "config.schema.split_path_parameter",
    ],
    # One schema name per choice set, however many fields use it.
    "ENUM_NAME_OVERRIDES": {
        "DisputeStateEnum": "mediation.kernel.choices.State",
        "DisputeOutcomeEnum": "mediation.kernel.choices.Outcome",
        "CloseOutcomeEnum": "mediation.kernel.choices.CloseOutcome",
        "ReferralStateEnum": "courts.models.ReferralState",
        "ReferralKindEnum": "courts.models.ReferralKind",
        "ReferralDecisionEnum": "courts.models.ReferralDecision",
        "MediationBodyKindEnum": "mediation.kernel.choices.BodyKind",
        "ScheduleEnum": "documents.models.Schedule",
        "PaymentMethodEnum": "documents.models.PaymentMethod",
        "SessionKindEnum": "mediation.kernel.choices.SessionKind",
        "ConsentMethodEnum": "courts.models.ConsentMethod",
        "ChannelEnum": "mediation.kernel.choices.Channel",
        "AnswerChannelEnum": "parties.serializers.STAFF_CHANNEL_CHOICES",
        "DeclineGroundEnum": "mediation.kernel.choices.DeclineGround",
    },
}

# One line per record with the request's id (config/observability.py); JSON for a log collector
# when DJANGO_LOG_FORMAT=json (production's default), plain text otherwise.
LOG_FORMAT = env.str("DJANGO_LOG_FORMAT", default="text")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "config.observability.RequestIdFilter"}},
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": LOG_FORMAT,
        }
    },
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="INFO")},
    # Font subsetting is chatty at INFO: pages of messages per PDF.
    "loggers": {
        "fontTools": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
    },
}

# --- Fengqiao domain settings (SPEC §4) -------------------------------------------------------
# Days a court gives a delegation (诉前委派) and an entrustment (诉中委托).
FENGQIAO_DELEGATION_DEADLINE_DAYS = env.int("FENGQIAO_DELEGATION_DEADLINE_DAYS", default=30)
# A delegation may be extended once, with every party's consent, by up to this many days.
FENGQIAO_DELEGATION_EXTENSION_MAX_DAYS = env.int(
    "FENGQIAO_DELEGATION_EXTENSION_MAX_DAYS", default=30
)
FENGQIAO_ENTRUSTMENT_DEADLINE_DAYS = env.int("FENGQIAO_ENTRUSTMENT_DEADLINE_DAYS", default=15)
# … and an entrustment likewise, by up to this many days.
FENGQIAO_ENTRUSTMENT_EXTENSION_MAX_DAYS = env.int(
    "FENGQIAO_ENTRUSTMENT_EXTENSION_MAX_DAYS", default=15
)
# Matters that fall to an intermediate court for judicial confirmation, by category: the court's
# code, e.g. FENGQIAO_CONFIRMATION_INTERMEDIATE_COURTS=financial=赣01 (mapping of category to code).
FENGQIAO_CONFIRMATION_INTERMEDIATE_COURTS = env.dict(
    "FENGQIAO_CONFIRMATION_INTERMEDIATE_COURTS", default={}
)
# Parties may apply for judicial confirmation within this many days of the agreement taking effect.
FENGQIAO_CONFIRMATION_WINDOW_DAYS = env.int("FENGQIAO_CONFIRMATION_WINDOW_DAYS", default=30)
# A case is "due soon" once this fraction of its time has passed.
FENGQIAO_DUE_SOON_FRACTION = env.float("FENGQIAO_DUE_SOON_FRACTION", default=0.8)
FENGQIAO_REFERENCE_PREFIX = env.str("FENGQIAO_REFERENCE_PREFIX", default="FQ")
# Years a closed case's file, and so its parties' personal data, is kept before a party may have
# theirs erased (parties/personal_data.py). A centre sets its archive rule here.
FENGQIAO_RETENTION_YEARS = env.int("FENGQIAO_RETENTION_YEARS", default=10)

# --- Documents (SPEC §5) -------------------------------------------------------------------------
# Where the development CA and the bodies' certificates live (`manage.py make_dev_pki` writes them
# there); production points this at the centre's own PKI.
FENGQIAO_PKI_DIR = env.path("FENGQIAO_PKI_DIR", default=BASE_DIR / "var" / "pki")
# Create the development CA and body certificates on first use (never in production, where
# missing certificates are a configuration error naming `make_dev_pki`).
FENGQIAO_PKI_AUTO_CREATE = env.bool("FENGQIAO_PKI_AUTO_CREATE", default=DEBUG)
# Where the fonts cut for visible signature stamps are cached.
FENGQIAO_FONT_CACHE_DIR = env.path(
    "FENGQIAO_FONT_CACHE_DIR", default=BASE_DIR / "var" / "cache" / "fonts"
)
# Public address of the verification page printed on documents and in their QR code.
# Unset, it follows HOST and PORT (`make run`, `make serve` pass them), so documents' verification
# links and QR codes point where the server answers; 0.0.0.0 stands for this machine's name.
_public_host = env.str("HOST", default="127.0.0.1")
if _public_host in ("0.0.0.0", "::", "[::]"):
    _public_host = socket.gethostname()
FENGQIAO_PUBLIC_URL = env.str(
    "FENGQIAO_PUBLIC_URL", default=f"http://{_public_host}:{env.str('PORT', default='8000')}"
)
# SMS gateway for one-time codes; the development backend writes messages to the log.
FENGQIAO_SMS_BACKEND = env.str("FENGQIAO_SMS_BACKEND", default="documents.sms.LogSmsBackend")
FENGQIAO_OTP_TTL_SECONDS = env.int("FENGQIAO_OTP_TTL_SECONDS", default=300)
FENGQIAO_OTP_MAX_ATTEMPTS = env.int("FENGQIAO_OTP_MAX_ATTEMPTS", default=5)
# Largest drawn signature accepted (PNG bytes).
FENGQIAO_SIGNATURE_IMAGE_MAX_BYTES = env.int("FENGQIAO_SIGNATURE_IMAGE_MAX_BYTES", default=512_000)

# --- Notifications: e-mail by Django's backends, SMS by FENGQIAO_SMS_BACKEND ---------------------
# The console backend writes mails to the server's output; production sets SMTP (the suite uses
# Django's in-memory backend whatever is set here).
EMAIL_BACKEND = env.str(
    "DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend"
)
EMAIL_HOST = env.str("DJANGO_EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("DJANGO_EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("DJANGO_EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("DJANGO_EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("DJANGO_EMAIL_USE_TLS", default=False)
# Mails go out after the request's transaction commits, within the request: do not hang on SMTP.
EMAIL_TIMEOUT = env.int("DJANGO_EMAIL_TIMEOUT", default=10)
DEFAULT_FROM_EMAIL = env.str("DJANGO_DEFAULT_FROM_EMAIL", default="枫桥 <noreply@localhost>")
# Off: no mail or SMS is sent about assignments, sessions, agreements and referrals.
FENGQIAO_NOTIFICATIONS = env.bool("FENGQIAO_NOTIFICATIONS", default=True)

# --- Celery: eager (in-process) unless a broker is configured ------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=None) or None
CELERY_TASK_ACKS_LATE = True
# A worker killed mid-task (deploy, out of memory) leaves the task to another, not lost.
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A task taken by a worker that then vanished whole (host lost, container killed) goes back on the
# Redis queue after this many seconds (kombu's default: an hour). Above the longest task (a
# 200,000-row ledger import, about 80 s), or a running task would be handed out twice. Keys from
# the environment (JSON) are added: tests/documents/test_faults.py shortens the sweep.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 300,
    **env.json("CELERY_BROKER_TRANSPORT_OPTIONS", default={}),
}
CELERY_TIMEZONE = TIME_ZONE
# Celery beat (`make serve` starts it): the daily deadline marks of SPEC §4, at 01:00 in the
# centre's time zone. FENGQIAO_DEADLINE_CHECK_EVERY (seconds) runs them at that interval instead:
# for a staging server, and for the test that watches beat fire
# (tests/mediation/cases/test_beat.py).
_deadline_check_every = env.int("FENGQIAO_DEADLINE_CHECK_EVERY", default=0)
CELERY_BEAT_SCHEDULE = {
    "check-deadlines": {
        "task": "mediation.tasks.check_deadlines",
        "schedule": (
            datetime.timedelta(seconds=_deadline_check_every)
            if _deadline_check_every > 0
            else crontab(hour=1, minute=0)
        ),
    },
}

# --- Ledger import (SPEC §8) ----------------------------------------------------------------------
# A 100,000-row ledger is 12–22 MB as CSV (long body names); larger files are refused whole with a
# request to split them.
FENGQIAO_LEDGER_MAX_BYTES = env.int("FENGQIAO_LEDGER_MAX_BYTES", default=32_000_000)
FENGQIAO_LEDGER_MAX_ROWS = env.int("FENGQIAO_LEDGER_MAX_ROWS", default=200_000)
# How many row errors an import's report keeps (the count of all of them is kept too).
FENGQIAO_LEDGER_MAX_ERRORS = env.int("FENGQIAO_LEDGER_MAX_ERRORS", default=2_000)
# An XLSX is read as a stream within these limits (mediation/ledger/xlsx.py), whatever its ZIP
# claims.
# A 100,000-row ledger as openpyxl saves it (inline strings, Chinese as &#…; references) unpacks
# to 105 MB in 1.3 million cells; saved by Excel (shared strings) it is smaller, with about two
# new texts a row (the reference, the parties): some 200,000 texts of 7 million characters. The
# limits leave room for the 200,000 rows allowed and extra columns; a cell holds at most what
# Excel lets one hold.
FENGQIAO_LEDGER_XLSX_MAX_UNPACKED_BYTES = env.int(
    "FENGQIAO_LEDGER_XLSX_MAX_UNPACKED_BYTES", default=256_000_000
)
FENGQIAO_LEDGER_XLSX_MAX_CELLS = env.int("FENGQIAO_LEDGER_XLSX_MAX_CELLS", default=5_000_000)
FENGQIAO_LEDGER_XLSX_MAX_SHARED_STRINGS = env.int(
    "FENGQIAO_LEDGER_XLSX_MAX_SHARED_STRINGS", default=1_500_000
)
FENGQIAO_LEDGER_XLSX_MAX_SHARED_STRINGS_CHARS = env.int(
    "FENGQIAO_LEDGER_XLSX_MAX_SHARED_STRINGS_CHARS", default=32_000_000
)
FENGQIAO_LEDGER_XLSX_MAX_CELL_CHARS = env.int("FENGQIAO_LEDGER_XLSX_MAX_CELL_CHARS", default=32_767)
