"""Sign-in throttling on every password form, with django-axes (issue 14, finding 4).

- Wagtail's admin login (``/admin/login/``) and Django's admin login (``/django-admin/login/``)
  authenticate through ``django.contrib.auth``; axes' backend (first in
  ``AUTHENTICATION_BACKENDS``) refuses a locked-out sign-in before the password is checked,
  and its signal handler counts every failure.
- The password forms of restricted pages and document collections do not go through
  ``authenticate()``. Their views are wrapped here: a failed password is reported to axes as a
  failed sign-in of the pseudo-user ``page-restriction:<id>`` / ``document-restriction:<id>``,
  and a locked-out client gets axes' lockout answer (429) without the password being checked.

Failures are stored by axes' database handler (``AccessAttempt`` rows), so every process and
every server behind the load balancer sees the same counts. What is counted, and for how
long, is set in ``cms/settings/base.py`` from the environment (docs/security.md).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_lockout_response
from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.http import HttpRequest, HttpResponse


def client_ip(request: HttpRequest) -> str:
    """The client's address: ``REMOTE_ADDR``, or — behind ``NEWSROOM_TRUSTED_PROXIES``
    reverse proxies that append to ``X-Forwarded-For`` — the address the outermost trusted
    proxy saw. Entries a client wrote itself (left of those) are never trusted."""
    proxies = int(getattr(settings, "NEWSROOM_TRUSTED_PROXIES", 0))
    if proxies > 0:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "")


def throttled_password_form(kind: str, id_kwarg: str) -> Callable:
    """Wrap a Wagtail password-form view (page or document restriction) with axes' counts."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if request.method != "POST" or not settings.AXES_ENABLED:
                return view(request, *args, **kwargs)
            credentials = {settings.AXES_USERNAME_FORM_FIELD: f"{kind}:{kwargs[id_kwarg]}"}
            if AxesProxyHandler.is_locked(request, credentials):
                return get_lockout_response(request, None, credentials)
            response = view(request, *args, **kwargs)
            # Wagtail redirects after a right password and shows the form again otherwise.
            if response.status_code not in (301, 302, 303):
                user_login_failed.send(sender=__name__, credentials=credentials, request=request)
                if getattr(request, "axes_locked_out", False):
                    return get_lockout_response(request, response, credentials)
            return response

        return wrapper

    return decorate
