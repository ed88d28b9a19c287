"""Redirects never reveal pages readers cannot see (issue 14, finding 1).

A redirect (``wagtail.contrib.redirects``) may point at a page that is a draft, expired or
behind a view restriction. Answering it — a ``301 Location: /news/<draft-slug>/`` from the
middleware, or its ``redirect_page_id`` in ``/api/v3/redirects/`` — tells anyone that the page
exists and what it is called. Such a redirect behaves as if it did not exist: the middleware
leaves the 404 alone, the API leaves it out of listings and answers 404 for it. Redirects to an
external link, or to a page readers can see, are unchanged. The rule for "readers can see" is
the one every endpoint uses, ``news.read.selectors.reader_visible``.
"""

from __future__ import annotations

from urllib.parse import urlparse

from django.db.models import Q, QuerySet
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponsePermanentRedirect,
    HttpResponseRedirect,
)
from wagtail.contrib.redirects.middleware import get_redirect
from wagtail.contrib.redirects.models import Redirect
from wagtail.models import Page

from news.read.selectors import reader_visible


def visible_redirects(queryset: QuerySet) -> QuerySet:
    """Only redirects to a link, or to a page an anonymous reader may see."""
    visible_pages = reader_visible(Page.objects.all()).values("pk")
    return queryset.filter(Q(redirect_page__isnull=True) | Q(redirect_page__in=visible_pages))


def is_visible(redirect: Redirect) -> bool:
    if redirect.redirect_page_id is None:
        return True
    return reader_visible(Page.objects.filter(pk=redirect.redirect_page_id)).exists()


def may_see_every_redirect(request: HttpRequest) -> bool:
    """Editors who manage redirects (signed in, or with an API token) see them all."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return False
    return any(
        user.has_perm(f"wagtailredirects.{action}_redirect") for action in ("change", "delete")
    )


class ReaderRedirectMiddleware:
    """Wagtail's ``RedirectMiddleware`` (same lookup: the full path, then without the query
    string), except that a redirect to a page readers cannot see leaves the 404 as it is."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code != 404:
            return response
        path = Redirect.normalise_path(request.get_full_path(), decode_unicode=False)
        redirect = get_redirect(request, path)
        if redirect is None:
            path_without_query = urlparse(path).path
            if path_without_query == path:
                return response
            redirect = get_redirect(request, path_without_query)
        if redirect is None or redirect.link is None or not is_visible(redirect):
            return response
        if redirect.is_permanent:
            return HttpResponsePermanentRedirect(redirect.link)
        return HttpResponseRedirect(redirect.link)
