"""API v2 (Wagtail's DRF API) at /api/v2/, kept for frontends built on it.

Differences from stock: pages are only what an anonymous reader may see (live, unexpired,
outside view restrictions — Wagtail's v2 does not check ``expire_at``), the body and rich
text come out resolved (via ``api_fields`` on the models, the same block JSON as v3), and
every error is problem-details JSON: a malformed parameter is a 400, never a 500.

Search (``?search=``): Wagtail's search backends accept a queryset filtered on indexed fields
only, and the privacy rules (``expire_at``, view restrictions of ancestors and of collections)
are not indexed — stock v2 answered every page search with a 400 and every document search with
a 500. While searching, the visible rows are therefore expressed as ``pk IN (subquery of the
visible rows)``: ``id`` is an indexed filter field of pages and documents, and the database
still applies the full rule.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Exists, OuterRef
from django.db.models.functions import Length, Substr
from django.http import Http404
from rest_framework.exceptions import APIException
from wagtail.api.v2.router import WagtailAPIRouter
from wagtail.api.v2.utils import BadRequestError
from wagtail.api.v2.views import PagesAPIViewSet
from wagtail.api.v3.errors import problem_response
from wagtail.documents.api.v2.views import DocumentsAPIViewSet
from wagtail.images.api.v2.views import ImagesAPIViewSet
from wagtail.models import CollectionViewRestriction, Page

from news import representation as rep


class ProblemErrorsMixin:
    """Answer every error as ``application/problem+json`` like v3 does."""

    def handle_exception(self, exc):
        if isinstance(exc, Http404):
            return problem_response(status=404, detail=str(exc) or "Not found")
        if isinstance(exc, BadRequestError):
            return problem_response(status=400, detail=str(exc))
        if isinstance(exc, APIException):
            return problem_response(status=exc.status_code, detail=str(exc.detail))
        if isinstance(exc, (ValueError, TypeError, OverflowError, DjangoValidationError)):
            # e.g. ?id=abc on find, or an offset the database cannot represent
            return problem_response(status=400, detail=f"Bad parameter value: {exc}")
        return super().handle_exception(exc)


def _searchable(request, model, visible):
    """``visible`` as a queryset a search backend accepts, when the request searches."""
    if "search" not in request.GET:
        return visible
    return model.objects.filter(pk__in=visible.values("pk"))


class NewsroomPagesAPIViewSet(ProblemErrorsMixin, PagesAPIViewSet):
    def get_base_queryset(self):
        visible = rep.reader_visible(super().get_base_queryset())
        return _searchable(self.request, Page, visible)


class NewsroomImagesAPIViewSet(ProblemErrorsMixin, ImagesAPIViewSet):
    pass


class NewsroomDocumentsAPIViewSet(ProblemErrorsMixin, DocumentsAPIViewSet):
    def get_queryset(self):
        # Documents in a collection with a view restriction are private.
        restricted = CollectionViewRestriction.objects.filter(
            collection__path=Substr(OuterRef("collection__path"), 1, Length("collection__path"))
        )
        visible = super().get_queryset().exclude(Exists(restricted))
        return _searchable(self.request, self.model, visible)


api_router = WagtailAPIRouter("wagtailapi_v2")
api_router.register_endpoint("pages", NewsroomPagesAPIViewSet)
api_router.register_endpoint("images", NewsroomImagesAPIViewSet)
api_router.register_endpoint("documents", NewsroomDocumentsAPIViewSet)
