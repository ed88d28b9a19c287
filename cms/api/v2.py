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

import copy
import functools

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Count, QuerySet, Window
from django.http import Http404
from django.utils.functional import SimpleLazyObject, classproperty
from rest_framework.exceptions import APIException
from rest_framework.renderers import JSONRenderer
from wagtail.api.v2.pagination import WagtailPagination
from wagtail.api.v2.router import WagtailAPIRouter
from wagtail.api.v2.serializers import PageParentField, PageSerializer, get_serializer_class
from wagtail.api.v2.serializers import StreamField as StreamFieldSerializer
from wagtail.api.v2.utils import BadRequestError
from wagtail.api.v2.views import PagesAPIViewSet
from wagtail.api.v3.errors import problem_response
from wagtail.documents.api.v2.views import DocumentsAPIViewSet
from wagtail.fields import StreamField
from wagtail.images.api.v2.views import ImagesAPIViewSet
from wagtail.models import Page

from cms.api import stock
from news.api_fields import PageJSONField
from news.blocks import NewsBodyBlock
from news.models import NewsPage
from news.read.selectors import public_documents, visible_page_by_path
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


class FieldsOnce:
    """A DRF model serializer whose fields are worked out from the model once per class, then
    copied for each serializer (as DRF copies declared fields): building them from the model
    is most of a serializer's cost, and they depend on the class only."""

    def get_fields(self):
        template = type(self).__dict__.get("_newsroom_fields")
        if template is None:
            template = super().get_fields()
            type(self)._newsroom_fields = template
        return {name: copy.deepcopy(field) for name, field in template.items()}


class ParentSerializer(FieldsOnce, PageSerializer):
    pass


@functools.lru_cache(maxsize=64)
def _parent_serializer_class(model):
    # Wagtail's PageParentField builds this class for every parent it shows.
    return get_serializer_class(
        model,
        ["id", "type", "detail_url", "html_url", "title"],
        meta_fields=["type", "detail_url", "html_url"],
        base=ParentSerializer,
    )


class VisibleParentField(PageParentField):
    """The parent page if readers may see it, in one query (Wagtail's: the parent, then a
    second query to check it against the visible pages).

    A reader's post (``stock.public_post``: no ``site`` parameter, its site's root path
    noted on it) has its parent read by a statement compiled once per process; any other
    page through the request's visible pages."""

    def get_attribute(self, instance):
        parent_path = instance.path[: -instance.steplen]
        root_path = getattr(instance, "_newsroom_site_root_path", None)
        if root_path is not None and not getattr(settings, "WAGTAIL_I18N_ENABLED", False):
            # The visible pages are those of the request's site: its root and below.
            return visible_page_by_path(parent_path) if parent_path.startswith(root_path) else None
        return self.context["base_queryset"].filter(path=parent_path).first()

    def to_representation(self, value):
        serializer = _parent_serializer_class(value.__class__)(context=self.context)
        return serializer.to_representation(value)


class NewsroomPageSerializer(FieldsOnce, PageSerializer):
    serializer_field_mapping = {
        **PageSerializer.serializer_field_mapping,
        StreamField: PageBodyField,
    }
    parent = VisibleParentField(read_only=True)


class WindowCountPagination(WagtailPagination):
    """Wagtail's v2 pagination, the total counted by the page query itself (a window count:
    one query instead of a COUNT and a SELECT)."""

    def paginate_queryset(self, queryset, request, view=None):
        if not isinstance(queryset, QuerySet):  # search results: Wagtail's own way
            return super().paginate_queryset(queryset, request, view)
        counted = _CountFromRows(queryset.annotate(_newsroom_total=Window(Count("pk"))))
        pages = list(super().paginate_queryset(counted, request, view))
        if pages:
            self.total_count = pages[0]._newsroom_total
        else:  # past the end: no row carries the total
            self.total_count = queryset.count()
        return pages


class _CountFromRows:
    """Stands in for the queryset while Wagtail checks limit and offset: the count is read
    from the rows afterwards, and slicing gives back the real queryset's slice."""

    def __init__(self, queryset) -> None:
        self.queryset = queryset

    def count(self) -> int:
        return 0

    def __getitem__(self, item):
        return self.queryset[item]


def _searchable(request, model, visible):
    """``visible`` as a queryset a search backend accepts, when the request searches."""
    if "search" not in request.GET:
        return visible
    return model.objects.filter(pk__in=visible.values("pk"))


def _frozen(fields_config):
    """``fields_config`` (lists of (name, negated, sub-fields)) as a hashable key."""
    if fields_config is None:
        return None
    return tuple((name, negated, _frozen(sub)) for name, negated, sub in fields_config)


class SerializerClassOnce:
    """Wagtail builds a serializer class (and one per nested relation) for every request; the
    class depends only on the endpoint, the model, the ``fields`` asked for and whether it is
    a detail, so it is built once per process for each (at most 256 kept: ``fields`` comes
    from the client). Errors (unknown fields) are raised again each time, as before."""

    @classmethod
    def _get_serializer_class(cls, router, model, fields_config, show_details=False, nested=False):
        return _serializer_class(cls, router, model, _frozen(fields_config), show_details, nested)


@functools.lru_cache(maxsize=256)
def _serializer_class(endpoint, router, model, fields_config, show_details, nested):
    return super(SerializerClassOnce, endpoint)._get_serializer_class(
        router, model, fields_config, show_details=show_details, nested=nested
    )


class CompactJSONRenderer(JSONRenderer):
    """JSON without indentation, whatever the request asks (``Accept: …; indent=4``): one
    answer per URL, as the answer cache keeps it."""

    def get_indent(self, accepted_media_type, renderer_context):
        return None


class CompactJSON:
    """Answers without Wagtail's four-space indentation, as every other door answers: a third
    fewer bytes, written by Python's C encoder (an indented answer goes through the
    pure-Python one, a sixth of a cold page's CPU). The same JSON once parsed; the browsable
    API (a browser's ``text/html``) still indents."""

    @classproperty
    def renderer_classes(cls):
        return [
            CompactJSONRenderer if renderer is JSONRenderer else renderer
            for renderer in super().renderer_classes
        ]


class NewsroomPagesAPIViewSet(
    ProblemErrorsMixin, CompactJSON, SerializerClassOnce, PagesAPIViewSet
):
    base_serializer_class = NewsroomPageSerializer
    pagination_class = WindowCountPagination
    # Related posts need one query per post: only on a post's own detail.
    detail_only_fields = [*PagesAPIViewSet.detail_only_fields, "related"]

    def get_base_queryset(self):
        # Newsroom's public tier (reader_visible, site-scoped; cms.api.stock), built once per
        # request: Wagtail asks for it again for the page's parent.
        if not hasattr(self, "_public_pages"):
            try:
                self._public_pages = stock.get_public_pages_queryset(self.request).select_related(
                    "locale"
                )
            except ValueError as error:  # ?site= matching several sites
                raise BadRequestError(str(error)) from error
        return _searchable(self.request, Page, self._public_pages.all())

    def get_object(self):
        if self.action == "detail_view" and not self.request.GET:
            # A reader's post as the news endpoints read it (no filter can apply here).
            post = stock.public_post(self.request, int(self.kwargs["pk"]))
            if post is not None:
                self._cached_object = post
                return post
        page = super().get_object()  # Wagtail's: the specific page of the cached base row
        base = getattr(self, "_cached_object", None)
        if base is not None and "locale" in base._state.fields_cache:
            # The base row was read with its locale, the specific one not: one query less.
            page.locale = base.locale
        return page

    def get_queryset(self):
        return super().get_queryset().select_related("locale")

    def get_serializer_context(self):
        # Wagtail builds the visible pages for every serialisation, for the parent field;
        # a reader's post finds its parent without them (VisibleParentField).
        context = super(PagesAPIViewSet, self).get_serializer_context()
        context["base_queryset"] = SimpleLazyObject(self.get_base_queryset)
        return context

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


class NewsroomImagesAPIViewSet(
    ProblemErrorsMixin, CompactJSON, SerializerClassOnce, ImagesAPIViewSet
):
    pass


class NewsroomDocumentsAPIViewSet(
    ProblemErrorsMixin, CompactJSON, SerializerClassOnce, DocumentsAPIViewSet
):
    def get_queryset(self):
        # Documents in a collection with a view restriction are private.
        visible = public_documents(super().get_queryset())
        return _searchable(self.request, self.model, visible)


api_router = WagtailAPIRouter("wagtailapi_v2")
api_router.register_endpoint("pages", NewsroomPagesAPIViewSet)
api_router.register_endpoint("images", NewsroomImagesAPIViewSet)
api_router.register_endpoint("documents", NewsroomDocumentsAPIViewSet)
