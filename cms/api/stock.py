"""Tightens Wagtail's stock v3 pages endpoints to what an anonymous reader may see.

Wagtail's public tier (``get_public_pages_queryset``) returns live pages outside view
restrictions but does not look at ``expire_at``: a page past its expiry stays visible until
the ``publish_scheduled`` command runs. Newsroom's rule is "expired pages never appear", so
the function the v3 pages router calls for anonymous requests is wrapped here, once, before
the router is used. The wrapper keeps Wagtail's own checks and adds ``reader_visible``.
"""

from __future__ import annotations

from wagtail.api.querysets import get_public_pages_queryset as _stock
from wagtail.api.v3 import querysets as v3_querysets

from news import representation as rep


def get_public_pages_queryset(request, model=None):
    queryset = _stock(request, model) if model is not None else _stock(request)
    return rep.reader_visible(queryset)


def install() -> None:
    """Idempotent: wrap the stock function once."""
    if v3_querysets.get_public_pages_queryset is not get_public_pages_queryset:
        v3_querysets.get_public_pages_queryset = get_public_pages_queryset
