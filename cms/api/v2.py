"""API v2 (Wagtail's DRF API) at /api/v2/, kept for frontends built on it.

Differences from stock: pages are only what an anonymous reader may see (live, unexpired,
outside view restrictions — Wagtail's v2 does not check ``expire_at``), the body and rich
text come out resolved (via ``api_fields`` on the models, the same block JSON as v3), and
every error is problem-details JSON: a malformed parameter is a 400, never a 500.
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
from wagtail.models import CollectionViewRestriction

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


class NewsroomPagesAPIViewSet(ProblemErrorsMixin, PagesAPIViewSet):
    def get_base_queryset(self):
        return rep.reader_visible(super().get_base_queryset())


class NewsroomImagesAPIViewSet(ProblemErrorsMixin, ImagesAPIViewSet):
    pass


class NewsroomDocumentsAPIViewSet(ProblemErrorsMixin, DocumentsAPIViewSet):
    def get_queryset(self):
        # Documents in a collection with a view restriction are private.
        restricted = CollectionViewRestriction.objects.filter(
            collection__path=Substr(OuterRef("collection__path"), 1, Length("collection__path"))
        )
        return super().get_queryset().exclude(Exists(restricted))


api_router = WagtailAPIRouter("wagtailapi_v2")
api_router.register_endpoint("pages", NewsroomPagesAPIViewSet)
api_router.register_endpoint("images", NewsroomImagesAPIViewSet)
api_router.register_endpoint("documents", NewsroomDocumentsAPIViewSet)
