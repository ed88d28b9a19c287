"""gunicorn settings for production: ``gunicorn -c cms/gunicorn.conf.py cms.wsgi``.

Workers and bind address come from the environment; access lines are written by the
application itself (JSON, with request ids), so gunicorn's own access log stays off.
"""

import os

bind = os.environ.get("GUNICORN_BIND", f"0.0.0.0:{os.environ.get('PORT', '8000')}")
workers = int(os.environ.get("WEB_CONCURRENCY", "4"))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
keepalive = 5
# Recycle workers now and then so slow leaks in third-party code cannot accumulate.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "5000"))
max_requests_jitter = 500
accesslog = None
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def post_worker_init(worker) -> None:
    """Once a worker has loaded the application: load the URLconf too, then move everything
    loaded so far out of the garbage collector's sight (``gc.freeze``).

    A worker holds some 200,000 objects that live as long as it does (Django, Wagtail, the
    URLconf and the API's modules). A full collection visits every one of them: 70–90 ms
    idle, 300–400 ms measured under load, a pause in the middle of whatever request
    triggered it. Frozen, they are never visited again; collections see only what requests
    allocate."""
    import gc

    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 (imports every view module now, not at request 1)
    gc.collect()
    gc.freeze()
