"""Settings shared by every environment; every deploy-specific value comes from the environment.

Defaults are safe for local use: an SQLite file in the project, local media, local-memory
cache, an immediate (in-process) task backend. See README.md for the table of variables.
"""

from pathlib import Path

from cms.env import env_bool, env_int, env_list, env_str
from cms.settings.database import default_database

BASE_DIR = Path(__file__).resolve().parent.parent.parent
PROJECT_DIR = BASE_DIR / "cms"

DEBUG = env_bool("DEBUG", False)
# A development-only key; production.py refuses to start with it.
INSECURE_DEV_SECRET_KEY = "django-insecure-newsroom-local-development-only"
SECRET_KEY = env_str("SECRET_KEY") or INSECURE_DEV_SECRET_KEY
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")

INSTALLED_APPS = [
    "home",
    "news",
    "search",
    "wagtail_headless_preview",
    "wagtail.api.v2",
    "wagtail.api.v3",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.contrib.search_promotions",
    "wagtail.contrib.table_block",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "rest_framework",
    "django_filters",
    # Django Ninja's own Swagger UI files (static/ninja/): the API docs load no CDN script.
    "ninja",
    "csp",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    # Sign-in throttling (cms/signin.py, docs/security.md).
    "axes",
]

MIDDLEWARE = [
    # Request id + JSON access line + 503 JSON when the database is unreachable (cms/ops.py).
    "cms.ops.RequestContextMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy on every answer; the admin's own policy under /admin/
    # (cms/csp.py, docs/security-preview-media.md).
    "cms.csp.NewsroomCSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    # /api/ only: CORS for NEWSROOM_CORS_ORIGINS, HEAD, ETag/Cache-Control/304
    # (cms/api/middleware.py)
    "cms.api.middleware.ApiEdgeMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Wagtail's redirects, except to pages readers cannot see (cms/redirects.py).
    "cms.redirects.ReaderRedirectMiddleware",
    # Admin saves of one page/snippet one at a time: no false autosave conflict (news/editing.py)
    "news.editing.SerialisedEditsMiddleware",
    # Turns axes' lockout of a sign-in into its 429 answer; must be last.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "cms.urls"
WSGI_APPLICATION = "cms.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PROJECT_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
SQLITE_PATH = BASE_DIR / "db.sqlite3"
# Persistent, health-checked connections; SQLite's pragmas once per connection (database.py).
DATABASES = {"default": default_database(SQLITE_PATH)}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache ----------------------------------------------------------------------------------
CACHE_URL = env_str("CACHE_URL") or env_str("REDIS_URL")
if CACHE_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "newsroom"),
            "OPTIONS": {
                # A cache outage must degrade to "no cache", never to an error page.
                "IGNORE_EXCEPTIONS": True,
                "SOCKET_CONNECT_TIMEOUT": 0.5,
                "SOCKET_TIMEOUT": 0.5,
            },
        }
    }
    DJANGO_REDIS_IGNORE_EXCEPTIONS = True
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "newsroom",
            # Rendered answers, cards and rendition data (and Wagtail's renditions) share it:
            # the default 300 entries would evict them all the time.
            "OPTIONS": {"MAX_ENTRIES": 5000},
        }
    }

# --- Sign-in throttling (django-axes; cms/signin.py, docs/security.md) ------------------------
# Axes' backend comes first: it refuses a locked-out sign-in before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_ENABLED = env_bool("NEWSROOM_SIGNIN_THROTTLE", True)
# After this many failed passwords for one account (or one page/document password form) from
# one address, that address is locked out of it for the cool-off time. Failures are rows in
# the database (axes' AccessAttempt), shared by every process and server.
AXES_FAILURE_LIMIT = env_int("NEWSROOM_SIGNIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("NEWSROOM_SIGNIN_COOLOFF_MINUTES", 15) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_HTTP_RESPONSE_CODE = 429
# No start-up banner on stdout (management commands such as dump_openapi print JSON there).
AXES_VERBOSE = False
# Number of reverse proxies in front of the CMS that append the client to X-Forwarded-For (0:
# the client is REMOTE_ADDR). Wrong values let a client choose its own address.
NEWSROOM_TRUSTED_PROXIES = env_int("NEWSROOM_TRUSTED_PROXIES", 0)
AXES_CLIENT_IP_CALLABLE = "cms.signin.client_ip"

# --- Passwords, i18n ------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LANGUAGE_CODE = "en-gb"
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

# --- Static and media -----------------------------------------------------------------------
STATIC_ROOT = BASE_DIR / "static"
STATIC_URL = "/static/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT") or BASE_DIR / "media")
# Every image and document URL the API gives is absolute, so that a frontend on another origin
# uses it as it is: MEDIA_URL is built from NEWSROOM_MEDIA_ORIGIN, the public origin media is
# served from (default: the CMS's own URL, which the local run uses). MEDIA_URL may be given
# whole instead; NEWSROOM_MEDIA_ORIGIN="" keeps site-relative URLs. Object storage (S3) gives
# absolute URLs of its own.
NEWSROOM_MEDIA_ORIGIN = env_str(
    "NEWSROOM_MEDIA_ORIGIN", env_str("WAGTAILADMIN_BASE_URL", "http://127.0.0.1:8000")
).rstrip("/")
MEDIA_URL = env_str("MEDIA_URL") or f"{NEWSROOM_MEDIA_ORIGIN}/media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# S3-compatible object storage for originals, renditions and documents, when configured.
AWS_STORAGE_BUCKET_NAME = env_str("AWS_STORAGE_BUCKET_NAME")
if AWS_STORAGE_BUCKET_NAME:
    STORAGES["default"] = {
        # SVG typed image/svg+xml (cms/s3.py); documents private objects with short-lived
        # signed URLs (cms/storage.py).
        "BACKEND": "cms.storage.NewsroomS3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": env_str("AWS_S3_ENDPOINT_URL") or None,
            "region_name": env_str("AWS_S3_REGION_NAME") or None,
            "custom_domain": env_str("AWS_S3_CUSTOM_DOMAIN") or None,
            "location": env_str("AWS_LOCATION"),
            # Public, cacheable URLs for images; never overwrite an existing object.
            "querystring_auth": env_bool("AWS_QUERYSTRING_AUTH", False),
            "file_overwrite": False,
            "default_acl": env_str("AWS_DEFAULT_ACL") or None,
            "object_parameters": {"CacheControl": "public, max-age=31536000, immutable"},
        },
    }
    # Wagtail's serve view checks a document's collection restrictions, then redirects to a
    # signed URL of the private object (no streaming through Django).
    WAGTAILDOCS_SERVE_METHOD = "redirect"
else:
    # Local files: streamed by Wagtail's serve view after its restriction check; the files
    # under MEDIA_ROOT/documents are never served directly (cms/urls.py).
    WAGTAILDOCS_SERVE_METHOD = "serve_view"
# Seconds a signed document URL (S3) stays valid; a reader always gets a fresh one.
NEWSROOM_DOCUMENT_URL_EXPIRY = env_int("NEWSROOM_DOCUMENT_URL_EXPIRY", 300)
# Seconds browsers and CDNs may keep a public document (restricted ones: private, no-store).
NEWSROOM_DOCUMENT_MAX_AGE = env_int("NEWSROOM_DOCUMENT_MAX_AGE", 3600)
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000

# --- Wagtail --------------------------------------------------------------------------------
WAGTAIL_SITE_NAME = env_str("WAGTAIL_SITE_NAME", "Foundation Newsroom")
WAGTAILADMIN_BASE_URL = env_str("WAGTAILADMIN_BASE_URL", "http://127.0.0.1:8000")
# Wagtail's Draftail editor, safe with malformed stored references (news/widgets.py).
WAGTAILADMIN_RICH_TEXT_EDITORS = {"default": {"WIDGET": "news.widgets.SafeDraftailRichTextArea"}}
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "key", "odt", "pdf", "pptx", "rtf", "txt", "xlsx", "zip"]
WAGTAILDOCS_MAX_UPLOAD_SIZE = 20 * 1024 * 1024
# Refuses documents whose content does not match their extension (news/uploads.py).
WAGTAILDOCS_DOCUMENT_FORM_BASE = "news.uploads.SafeDocumentForm"
# Refuses images whose WebP renditions would exceed WebP's 16383 px per side (news/uploads.py).
WAGTAILIMAGES_IMAGE_FORM_BASE = "news.uploads.SafeImageForm"
WAGTAILIMAGES_MAX_UPLOAD_SIZE = 20 * 1024 * 1024
WAGTAILIMAGES_MAX_IMAGE_PIXELS = 64_000_000
# SVG too (logos): sanitised on upload, served with a CSP, rasterised where needed (news/svg.py).
WAGTAILIMAGES_EXTENSIONS = ["gif", "jpg", "jpeg", "png", "webp", "avif", "svg"]
WAGTAILEMBEDS_RESPONSIVE_HTML = True
WAGTAIL_I18N_ENABLED = False
WAGTAILAPI_LIMIT_MAX = 100
# Admin avatars: no Gravatar by default (a broken image without internet, and every admin page
# would tell gravatar.com who is editing); users upload an avatar in their account settings.
# Set e.g. "https://www.gravatar.com/avatar" (or a self-hosted Libravatar) to turn it on.
WAGTAIL_GRAVATAR_PROVIDER_URL = env_str("WAGTAIL_GRAVATAR_PROVIDER_URL") or None

# --- Newsroom: the frontend(s) --------------------------------------------------------------
# Where readers see the site; page URLs in the API, feeds, "View live" and preview point here.
NEWSROOM_FRONTEND_URL = env_str("NEWSROOM_FRONTEND_URL", "http://127.0.0.1:3000").rstrip("/")
# Origins allowed to read the public API from a browser (CORS). Defaults to the frontend.
NEWSROOM_CORS_ORIGINS = env_list("NEWSROOM_CORS_ORIGINS") or [NEWSROOM_FRONTEND_URL]
# How long a preview token stays valid, in seconds.
NEWSROOM_PREVIEW_TOKEN_MAX_AGE = env_int("NEWSROOM_PREVIEW_TOKEN_MAX_AGE", 3600)

# --- Newsroom: Content-Security-Policy and the API docs (cms/csp.py) --------------------------
# The interactive API docs at /api/v3/docs/ (Swagger UI from files the project ships). On in
# development and tests; production.py turns them off unless NEWSROOM_API_DOCS=true.
NEWSROOM_API_DOCS = env_bool("NEWSROOM_API_DOCS", True)


def _origin(url: str) -> str | None:
    from urllib.parse import urlsplit

    parts = urlsplit(url or "")
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None


# Where media (images, documents) may come from when not from the CMS itself (S3, a CDN).
_MEDIA_ORIGINS = [
    origin
    for origin in (
        _origin(MEDIA_URL),
        _origin("https://" + env_str("AWS_S3_CUSTOM_DOMAIN"))
        if env_str("AWS_S3_CUSTOM_DOMAIN")
        else None,
        _origin(env_str("AWS_S3_ENDPOINT_URL")),
    )
    if origin
]
# Everything but the admin: nothing inline, nothing from another origin, never framed.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'none'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", *_MEDIA_ORIGINS],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "manifest-src": ["'self'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "object-src": ["'none'"],
    }
}
# The Wagtail admin (and Django's admin): Wagtail 8 still needs inline scripts and styles.
# frame-src gets the frontend's origin(s) at request time (cms/csp.py), for the preview panel.
NEWSROOM_CSP_ADMIN = {
    "default-src": ["'self'"],
    "script-src": ["'self'", "'unsafe-inline'"],
    "style-src": ["'self'", "'unsafe-inline'"],
    "img-src": ["'self'", "data:", "blob:", *_MEDIA_ORIGINS],
    "font-src": ["'self'", "data:"],
    # The dashboard's "new Wagtail release" notice reads this file.
    "connect-src": ["'self'", "https://releases.wagtail.org"],
    "media-src": ["'self'", *_MEDIA_ORIGINS],
    "frame-src": [
        "'self'",
        "https://www.youtube-nocookie.com",
        "https://www.youtube.com",
        "https://player.vimeo.com",
    ],
    "worker-src": ["'self'", "blob:"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'self'"],
    "object-src": ["'none'"],
}

# --- Newsroom: public API caching (news/api_cache.py, cms/api/http.py) ----------------------
# Browsers/CDNs may reuse an API answer this many seconds without revalidating (0: always ask;
# revalidation is a cheap 304 keyed by the content generation).
NEWSROOM_API_MAX_AGE = env_int("NEWSROOM_API_MAX_AGE", 0)
# Lifetime of a rendered answer in Django's cache (stale ones are never served: keys change).
NEWSROOM_API_CACHE_TIMEOUT = env_int("NEWSROOM_API_CACHE_TIMEOUT", 3600)
# Off: every public answer is rendered again (its sub-caches are still used); for measuring
# and testing renders, never needed in production.
NEWSROOM_API_RESPONSE_CACHE = env_bool("NEWSROOM_API_RESPONSE_CACHE", True)
# With a shared cache (Redis): bytes of each process's copy of the entries whose key names
# what they hold (news.read.near_cache); 0 turns the copy off.
NEWSROOM_NEAR_CACHE_BYTES = env_int("NEWSROOM_NEAR_CACHE_BYTES", 16 * 1024 * 1024)

WAGTAIL_HEADLESS_PREVIEW = {
    "CLIENT_URLS": {
        "default": env_str("NEWSROOM_PREVIEW_URL") or f"{NEWSROOM_FRONTEND_URL}/preview"
    },
    "SERVE_BASE_URL": NEWSROOM_FRONTEND_URL,
    # The admin's preview panel loads the frontend's preview route directly (no wrapper page),
    # so Wagtail's user bar on the frontend (news/headless.py) reaches the panel.
    "REDIRECT_ON_PREVIEW": True,
    "ENFORCE_TRAILING_SLASH": True,
}

# --- Newsroom: hardening (docs/security.md) ---------------------------------------------------
# Search log (the admin's "Search terms"): distinct query strings logged per day, and days kept
# by ``manage.py prune_search_log``.
NEWSROOM_SEARCH_LOG_MAX_QUERIES_PER_DAY = env_int("NEWSROOM_SEARCH_LOG_MAX_QUERIES_PER_DAY", 1000)
NEWSROOM_SEARCH_LOG_DAYS = env_int("NEWSROOM_SEARCH_LOG_DAYS", 30)
# Request size limits: a JSON request body to the API over this many bytes is a 413 before it is
# read; a post body (StreamField) of more top-level blocks than this is a 422 (write API, before
# the form is built) or a form error (admin). Uploads have their own limits (WAGTAIL*_MAX_
# UPLOAD_SIZE).
NEWSROOM_API_MAX_JSON_BYTES = env_int("NEWSROOM_API_MAX_JSON_BYTES", 1024 * 1024)
NEWSROOM_MAX_BODY_BLOCKS = env_int("NEWSROOM_MAX_BODY_BLOCKS", 500)
# Error answers of the API are cut to this many bytes (a list of errors is shortened).
NEWSROOM_API_ERROR_MAX_BYTES = env_int("NEWSROOM_API_ERROR_MAX_BYTES", 8192)

# --- Newsroom: publishing webhooks (news/publishing.py, news/webhooks/) ---------------------
# Endpoints told about every publish/unpublish/move/delete, as signed JSON POSTs.
NEWSROOM_WEBHOOK_URLS = env_list("NEWSROOM_WEBHOOK_URLS")
NEWSROOM_WEBHOOK_SECRET = env_str("NEWSROOM_WEBHOOK_SECRET")
# Retries (timeouts, connection errors, 5xx) wait BACKOFF s, then twice as long each time up
# to MAX_BACKOFF s, for RETRY_HOURS after the event: a receiver that is down for a day still
# gets every event once it is back (the outbox is the delivery log; ``manage.py
# deliver_webhooks`` sends what is due). MAX_ATTEMPTS > 0 also caps the number of attempts;
# 0 leaves it to the time window. 3xx/4xx answers are never retried.
NEWSROOM_WEBHOOK_MAX_ATTEMPTS = env_int("NEWSROOM_WEBHOOK_MAX_ATTEMPTS", 0)
NEWSROOM_WEBHOOK_TIMEOUT = float(env_str("NEWSROOM_WEBHOOK_TIMEOUT") or 5)  # seconds
NEWSROOM_WEBHOOK_BACKOFF = float(env_str("NEWSROOM_WEBHOOK_BACKOFF") or 2)  # first retry delay
NEWSROOM_WEBHOOK_MAX_BACKOFF = float(env_str("NEWSROOM_WEBHOOK_MAX_BACKOFF") or 600)  # seconds
NEWSROOM_WEBHOOK_RETRY_HOURS = float(env_str("NEWSROOM_WEBHOOK_RETRY_HOURS") or 24)
# How long a sender owns a delivery it is POSTing (raised to TIMEOUT + 10 s when lower): a
# sender that dies mid-POST leaves it to the next sweep once this has passed.
NEWSROOM_WEBHOOK_LEASE = float(env_str("NEWSROOM_WEBHOOK_LEASE") or 60)  # seconds
NEWSROOM_WEBHOOK_LOG_DAYS = env_int("NEWSROOM_WEBHOOK_LOG_DAYS", 30)
# Frontend paths of the feeds, revalidated whenever a live post changes.
NEWSROOM_FEED_PATHS = env_list("NEWSROOM_FEED_PATHS", "/feed.xml,/atom.xml")
# Background work. "default" stays immediate (Wagtail's reference index must be current when
# the publishing pipeline reads it); "newsroom" (webhooks, CDN purges) runs on a thread pool
# in the web process, so nothing extra has to run. Production may point it at a worker-backed
# backend, e.g. NEWSROOM_TASK_BACKEND=django_tasks_db.DatabaseBackend (README: publishing).
# Either way, deliveries the process could not finish stay due in the delivery log until
# ``manage.py deliver_webhooks`` (cron, or ``--loop`` as a worker) sends them.
TASKS = {
    "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"},
    "newsroom": {
        "BACKEND": env_str("NEWSROOM_TASK_BACKEND", "tasks.backends.BackgroundThreadBackend"),
    },
}
# Optional CDN purge through wagtail.contrib.frontend_cache, fed by the same paths as the
# webhooks: e.g. NEWSROOM_FRONTEND_CACHE_BACKEND=wagtail.contrib.frontend_cache.backends.
# CloudflareBackend and NEWSROOM_FRONTEND_CACHE_OPTIONS='{"BEARER_TOKEN": "…", "ZONEID": "…"}'.
if env_str("NEWSROOM_FRONTEND_CACHE_BACKEND"):
    import json as _json

    WAGTAILFRONTENDCACHE = {
        "default": {
            "BACKEND": env_str("NEWSROOM_FRONTEND_CACHE_BACKEND"),
            **_json.loads(env_str("NEWSROOM_FRONTEND_CACHE_OPTIONS") or "{}"),
        }
    }

# --- Logging --------------------------------------------------------------------------------
# LOG_FORMAT=json: one JSON object per line on stdout (production default), with request ids.
LOG_FORMAT = env_str("LOG_FORMAT", "text")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "cms.ops.JsonLinesFormatter"},
        "text": {"format": "%(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": LOG_FORMAT if LOG_FORMAT in {"json", "text"} else "text",
        }
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # Access lines are for production log pipelines; quiet unless LOG_FORMAT=json.
        "newsroom.access": {"level": "INFO" if LOG_FORMAT == "json" else "WARNING"},
        # One line per background task is noise in development and in tests.
        "django_tasks": {"level": "WARNING"},
    },
}
