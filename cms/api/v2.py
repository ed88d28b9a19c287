"""API v2 (Wagtail's DRF API) at /api/v2/, kept for frontends built on it.

Differences from stock: pages are only what an anonymous reader may see (live, unexpired,
outside view restrictions — Wagtail's v2 does not check ``expire_at``), the body and rich
text come out resolved (via ``api_fields`` on the models, the same block JSON as v3), and
every error is problem-details JSON: a malformed parameter is a 400, never a 500.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework.exceptions import APIException
from wagtail.api.v2.router import WagtailAPIRouter
from wagtail.api.v2.serializers import PageSerializer
from wagtail.api.v2.serializers import StreamField as StreamFieldSerializer
from wagtail.api.v2.utils import BadRequestError
from wagtail.api.v2.views import PagesAPIViewSet
from wagtail.api.v3.errors import problem_response
from wagtail.documents.api.v2.views import DocumentsAPIViewSet
from wagtail.fields import StreamField
from wagtail.images.api.v2.views import ImagesAPIViewSet

from news import representation as rep
from news.api_fields import PageJSONField
from news.blocks import NewsBodyBlock
from news.models import NewsPage
from news.serializers import attach_details, detail_for


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


class PageBodyField(StreamFieldSerializer):
    """A NewsPage's body from its Newsroom page JSON (built once per page, in bulk for a
    listing), so v2 gives exactly the body of every other endpoint; other streams as stock."""

    def get_attribute(self, instance):
        if isinstance(instance, NewsPage) and isinstance(instance.body.stream_block, NewsBodyBlock):
            return instance
        return super().get_attribute(instance)

    def to_representation(self, value):
        if isinstance(value, NewsPage):
            return detail_for(value, self.context.get("request"))["body"]
        return super().to_representation(value)


class NewsroomPageSerializer(PageSerializer):
    serializer_field_mapping = {
        **PageSerializer.serializer_field_mapping,
        StreamField: PageBodyField,
    }


class NewsroomPagesAPIViewSet(ProblemErrorsMixin, PagesAPIViewSet):
    base_serializer_class = NewsroomPageSerializer
    # Related posts need one query per post: only on a post's own detail.
    detail_only_fields = [*PagesAPIViewSet.detail_only_fields, "related"]

    def get_base_queryset(self):
        return rep.reader_visible(super().get_base_queryset())

    def paginate_queryset(self, queryset):
        pages = super().paginate_queryset(queryset)
        if pages and self._shows_page_json():
            # Every post of this page of results at once: constant queries (fields=*).
            attach_details(list(pages), request=self.request)
        return pages

    def _shows_page_json(self) -> bool:
        serializer_class = self.get_serializer_class()
        declared = getattr(serializer_class, "_declared_fields", {})
        fields = set(getattr(serializer_class.Meta, "fields", ()))
        return "body" in fields or any(
            isinstance(declared.get(name), PageJSONField) for name in fields
        )


class NewsroomImagesAPIViewSet(ProblemErrorsMixin, ImagesAPIViewSet):
    pass


class NewsroomDocumentsAPIViewSet(ProblemErrorsMixin, DocumentsAPIViewSet):
    def get_queryset(self):
        # Documents in a collection with a view restriction are private.
        return rep.public_documents(super().get_queryset())


api_router = WagtailAPIRouter("wagtailapi_v2")
api_router.register_endpoint("pages", NewsroomPagesAPIViewSet)
api_router.register_endpoint("images", NewsroomImagesAPIViewSet)
api_router.register_endpoint("documents", NewsroomDocumentsAPIViewSet)
