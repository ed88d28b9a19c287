"""Preview endpoints (/api/v3/preview/, /api/v2/preview/): drafts by signed, expiring token.

Both call ``news.preview.preview_payload`` — which calls ``news.serializers.page_detail``,
the function the published detail endpoints use — so a preview is the published JSON of the
draft. Errors are ``application/problem+json`` 4xx answers; every answer, error or not, is
``Cache-Control: private, no-store`` so that no shared or API cache keeps a draft.
"""

from __future__ import annotations

from functools import wraps

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from ninja import Router
from ninja.decorators import decorate_view
from ninja.errors import HttpError
from wagtail.api.v3.errors import problem_response

from cms.api import schemas
from cms.api.http import JSON, json_bytes
from news.preview import PreviewError, preview_payload

NO_STORE = "private, no-store"

router = Router(tags=["preview"])


def private_no_store(view):
    """Mark every response of ``view`` (errors included) as never to be stored."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response["Cache-Control"] = NO_STORE
        response["Pragma"] = "no-cache"
        return response

    return wrapper


@router.get(
    "/",
    summary="Preview a draft",
    description="The unsaved page (or snippet, as a sample post) behind a preview token, in "
    "exactly the JSON of the published page detail. The frontend receives `content_type` "
    "and `token` in its preview URL from the Wagtail admin. Tokens expire after "
    "NEWSROOM_PREVIEW_TOKEN_MAX_AGE seconds: 400 missing/unknown/mismatched, 403 tampered, "
    "410 expired, or the page (snippet) was published, unpublished, moved or deleted after "
    "the token was issued. Referenced people, organisations and pages appear as readers "
    "would see them (published versions only).",
    response={
        200: schemas.PreviewDetail,
        400: schemas.Problem,
        403: schemas.Problem,
        410: schemas.Problem,
    },
    operation_id="preview_draft",
)
@decorate_view(private_no_store)
def preview(request: HttpRequest, content_type: str = "", token: str = "") -> HttpResponse:
    try:
        payload = preview_payload(request, content_type, token)
    except PreviewError as exc:
        raise HttpError(exc.status, exc.detail) from exc
    return _json(payload)


def _json(payload: dict) -> HttpResponse:
    # The bytes the published endpoints send (same encoder), not Ninja's re-validation.
    return HttpResponse(json_bytes(payload), content_type=JSON)


@csrf_exempt
@private_no_store
def v2_preview_view(request: HttpRequest) -> HttpResponse:
    """/api/v2/preview/?content_type=…&token=… — the same answer as v3's preview."""
    if request.method not in ("GET", "HEAD"):
        response = problem_response(status=405, detail="Use GET.")
        response["Allow"] = "GET, HEAD"
        return response
    try:
        payload = preview_payload(
            request, request.GET.get("content_type", ""), request.GET.get("token", "")
        )
    except PreviewError as exc:
        return problem_response(status=exc.status, detail=exc.detail)
    return _json(payload)
