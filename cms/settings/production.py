"""Production: refuses to start without a real SECRET_KEY and ALLOWED_HOSTS; hardened headers."""

from django.core.exceptions import ImproperlyConfigured

from cms.env import env_bool, env_int, env_list, env_str

from .base import *  # noqa: F403
from .base import INSECURE_DEV_SECRET_KEY

DEBUG = False
# JSON lines on stdout in production unless LOG_FORMAT=text.
LOG_FORMAT = "text" if env_str("LOG_FORMAT") == "text" else "json"
LOGGING["handlers"]["console"]["formatter"] = LOG_FORMAT  # noqa: F405
LOGGING["loggers"]["newsroom.access"]["level"] = "INFO"  # noqa: F405

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY or SECRET_KEY == INSECURE_DEV_SECRET_KEY or len(SECRET_KEY) < 50:
    raise ImproperlyConfigured(
        "SECRET_KEY must be set in the environment to a random value of at least 50 characters."
    )
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set in the environment (comma-separated).")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

# The default storage stays what base.py chose (S3 with private documents when a bucket is
# configured, else local files); only static files change.
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
# The admin frames its own preview panel, so SAMEORIGIN (not DENY) is needed on purpose.
X_FRAME_OPTIONS = "SAMEORIGIN"
# The interactive API docs are for developers: off in production unless asked for.
NEWSROOM_API_DOCS = env_bool("NEWSROOM_API_DOCS", False)
SILENCED_SYSTEM_CHECKS = ["security.W019"]
