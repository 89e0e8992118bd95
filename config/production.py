"""Production settings: the same settings, hardened, with nothing secret defaulted.

    DJANGO_SETTINGS_MODULE=config.production

Needs DJANGO_SECRET_KEY, DJANGO_ALLOWED_HOSTS and DATABASE_URL; reads CELERY_BROKER_URL and
REDIS_URL (Redis), DATABASE_REPLICA_URL, and the S3 settings below. Served behind a TLS
terminator (a load balancer or nginx) that sets X-Forwarded-Proto: see docs/deploy.md.
`python manage.py check --deploy` prints no warnings with these settings
(tests/config/test_production.py).
"""

from config.settings import *  # noqa: F403
from config.settings import DATABASES, env

DEBUG = False
SECRET_KEY = env.str("DJANGO_SECRET_KEY")  # no default: a missing key stops the start
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")
# ID numbers are encrypted with these (parties/crypto.py): no development fallback here.
FENGQIAO_FIELD_KEYS = env.list("FENGQIAO_FIELD_KEYS")
FENGQIAO_SEARCH_KEY = env.str("FENGQIAO_SEARCH_KEY")
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

# HTTPS only. `make serve` turns the first two off for plain HTTP on 127.0.0.1, and says so.
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=365 * 24 * 3600)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_REDIRECT_EXEMPT = [r"^health/$"]  # the load balancer asks over plain HTTP
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

LOGGING["handlers"]["console"]["formatter"] = env.str("DJANGO_LOG_FORMAT", default="json")  # noqa: F405

# Sessions in Redis when it is there: no database write for every request's renewed expiry.
if env.str("REDIS_URL", default=""):
    SESSION_ENGINE = "django.contrib.sessions.backends.cache"

# Media (signed PDFs, uploaded ledgers) on S3-compatible storage when a bucket is named.
if env.str("FENGQIAO_S3_BUCKET", default=""):
    STORAGES["default"] = {  # noqa: F405
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env.str("FENGQIAO_S3_BUCKET"),
            "endpoint_url": env.str("FENGQIAO_S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("FENGQIAO_S3_REGION", default="") or None,
            "default_acl": None,
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }

# Persistent connections: a gunicorn worker keeps its PostgreSQL connection between requests.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
