"""Wagtail's site of a request and its site root paths, kept per process without going stale.

Wagtail finds a request's site with one query per request (``Site.find_for_request``) and
reads the site root paths every page URL needs from the Django cache (a copy per process with
the local-memory cache, cleared only in the process that saved a site). Both depend only on the
sites (their rows: a change bumps the ``site`` dependency tag) and on the pages at their roots
(a page's slug or place: a page event, which bumps ``pages``). Every public API request reads
the versions of both tags first (``news.api_cache.read_versions``), so the process keeps the
sites and root paths under those two versions: a change in any process gives new versions in
the same transaction, and the next request anywhere builds them again.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.http.request import split_domain_port
from wagtail.models import Site
from wagtail.models.sites import (
    MATCH_DEFAULT,
    MATCH_HOSTNAME,
    MATCH_HOSTNAME_DEFAULT,
    MATCH_HOSTNAME_PORT,
    SiteRootPath,
)

MAX_HOSTS = 256  # host names (and ports) remembered per process


@dataclass
class _Sites:
    versions: tuple[int, int]
    sites: list[Site]
    root_paths: list[SiteRootPath]
    by_host: dict[tuple[str, str], Site | None] = field(default_factory=dict)

    def find(self, hostname: str, port: str) -> Site | None:
        """Wagtail's ``get_site_for_hostname``, on the sites already read."""
        if (hostname, port) not in self.by_host:
            if len(self.by_host) >= MAX_HOSTS:  # ALLOWED_HOSTS = ["*"]: any Host header
                self.by_host.clear()
            self.by_host[(hostname, port)] = _best_site(self.sites, hostname, port)
        return self.by_host[(hostname, port)]


_current: _Sites | None = None
_lock = threading.Lock()


def _read(versions: tuple[int, int]) -> _Sites:
    """Every site with its root page (one query), and Wagtail's ``Site.get_site_root_paths()``
    from them (not from Wagtail's cache)."""
    sites = list(
        Site.objects.select_related("root_page", "root_page__locale").order_by(
            "-root_page__url_path", "-is_default_site", "hostname"
        )
    )
    root_paths = []
    for site in sites:
        if getattr(settings, "WAGTAIL_I18N_ENABLED", False):
            roots = site.root_page.get_translations(inclusive=True).select_related("locale")
        else:
            roots = [site.root_page]
        root_paths += [
            SiteRootPath(site.id, root.url_path, site.root_url, root.locale.language_code)
            for root in roots
        ]
    return _Sites(versions, sites, root_paths)


def _best_site(sites: list[Site], hostname: str, port: str) -> Site | None:
    """The rules of Wagtail's ``get_site_for_hostname`` (ties broken by id): the site with
    this hostname and port, else this hostname's default, else the one site with this
    hostname when the default has another, else the default."""

    def match(site: Site) -> int:
        if site.hostname == hostname and str(site.port) == str(port):
            return MATCH_HOSTNAME_PORT
        if site.hostname == hostname and site.is_default_site:
            return MATCH_HOSTNAME_DEFAULT
        return MATCH_DEFAULT if site.is_default_site else MATCH_HOSTNAME

    candidates = sorted(
        (site for site in sites if site.hostname == hostname or site.is_default_site),
        key=lambda site: (match(site), site.pk),
    )
    if not candidates:
        return None
    best = match(candidates[0])
    if len(candidates) == 1 or best in (MATCH_HOSTNAME_PORT, MATCH_HOSTNAME_DEFAULT):
        return candidates[0]
    if best == MATCH_DEFAULT:
        return candidates[len(candidates) == 2]
    return None


def _sites(versions: tuple[int, int]) -> _Sites:
    global _current
    current = _current
    if current is None or current.versions != versions:
        with _lock:
            current = _current
            if current is None or current.versions != versions:
                current = _current = _read(versions)
    return current


def attach(request: Any) -> None:
    """Give ``request`` its Wagtail site and the site root paths from the process's copy,
    when the request has read the versions they are kept under (else Wagtail's own way)."""
    versions = getattr(request, "_newsroom_site_versions", None)
    if versions is None:
        return
    sites = _sites(versions)
    # Wagtail's own caches on the request: Site.find_for_request, Page.get_url_parts.
    request._wagtail_cached_site_root_paths = sites.root_paths
    if not hasattr(request, "_wagtail_site"):
        hostname = split_domain_port(request._get_raw_host())[0]
        request._wagtail_site = sites.find(hostname, request.get_port())
