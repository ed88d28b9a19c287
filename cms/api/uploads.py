"""Image and document uploads through the token-authenticated v3 write API.

``POST /api/v3/uploads/images/`` and ``POST /api/v3/uploads/documents/`` take
``multipart/form-data`` (``file``, ``title``, optional ``collection`` id, and for images an
optional ``description``, which the rest of the API serves as the image's alt text).

Wagtail 8.0.1's v3 API already answers ``/api/v3/images/`` and ``/api/v3/documents/`` (list,
detail, and a create that validates with the same admin forms), so these endpoints live under
``/uploads/`` rather than shadowing them. What they add: 403 (not the form's "Select a valid
choice") for a collection the token's user may not add to, 413 for oversized files (checked
before the body is read when Content-Length announces it), the files deleted again when saving
fails after they were written, and for images the representation the rest of Newsroom's API
uses, renditions included.

What is refused is decided in one place, the admin's forms: Wagtail's image form
(``get_image_form``: format matches extension, pixel and size limits, empty files; its base
is ``news.uploads.SafeImageForm`` through ``WAGTAILIMAGES_IMAGE_FORM_BASE``: WebP renditions
within 16383 px per side) and the project's document form (``get_document_form``, whose base
is ``news.uploads.SafeDocumentForm`` through ``WAGTAILDOCS_DOCUMENT_FORM_BASE``: content
matches extension, empty files). An upload either ends as one committed row with its file,
or leaves nothing behind: the row is written in a transaction, and on any failure the files
already written to storage (original and renditions) are deleted.

Answers (errors are ``application/problem+json``):

* 201 — the created object;
* 401 — no valid bearer token; 403 — the token's user may not add images/documents (in
  that collection);
* 413 — the file (or the whole request) is over ``WAGTAIL{IMAGES,DOCS}_MAX_UPLOAD_SIZE``;
* 422 — any other refusal by the form (the admin's message, located at ``["form", field]``),
  or a missing field; 422 is what Wagtail's v3 write endpoints answer for form errors;
* 503 — the database failed while saving; nothing was stored, the client may retry.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, transaction
from django.db.models import Model
from django.forms import BaseForm
from django.http import HttpRequest, HttpResponse
from ninja import File, Form, Router, UploadedFile
from ninja.decorators import decorate_view
from pydantic import Field
from wagtail.actions import action_registry
from wagtail.api.v3.auth import BearerTokenAuth
from wagtail.api.v3.errors import problem_response
from wagtail.documents import get_document_model
from wagtail.documents.forms import get_document_form
from wagtail.images import get_image_model
from wagtail.images.forms import get_image_form
from wagtail.models import Collection
from wagtail.permissions import policy_registry

from cms.api.http import JSON, ProblemError, json_bytes
from cms.api.schemas import Image, Problem, Strict
from news.read.images import image_data
from news.read.rendition_cache import rendition_cache_key

logger = logging.getLogger(__name__)

router = Router(tags=["uploads"])

# What a multipart request may carry besides the file itself (boundaries, part headers, the
# title): a request longer than the file limit plus this is refused before it is read.
FORM_OVERHEAD = 1024 * 1024


# --- Response schemas ------------------------------------------------------------------------


class UploadedImage(Image):
    """The image as the rest of the API represents it, plus what the uploader needs."""

    collection: int
    original_url: str = Field(description="URL of the original file as uploaded.")
    file_size: int | None = Field(description="Size of the original file in bytes.")


class UploadedDocument(Strict):
    id: int
    title: str
    collection: int
    filename: str
    file_size: int | None = Field(description="Size of the file in bytes.")
    download_url: str = Field(
        description="Wagtail's serve URL for the document (as v2's meta.download_url)."
    )


ERROR_RESPONSES: dict[int, Any] = {
    401: Problem,
    403: Problem,
    413: Problem,
    422: Problem,
    503: Problem,
}


# --- What differs between images and documents ----------------------------------------------


@dataclass(frozen=True)
class UploadKind:
    noun: str
    plural: str
    get_model: Callable[[], type[Model]]
    get_form_class: Callable[[type[Model]], type[BaseForm]]
    max_size_setting: str
    present: Callable[[Any], dict]

    def max_upload_size(self) -> int | None:
        return getattr(settings, self.max_size_setting, None)


def present_image(image: Any) -> dict:
    """The image in the API's shared representation (renditions made now), plus upload facts."""
    return {
        **image_data(image),
        "collection": image.collection_id,
        "original_url": image.file.url,
        "file_size": image.file_size,
    }


def present_document(document: Any) -> dict:
    return {
        "id": document.pk,
        "title": document.title,
        "collection": document.collection_id,
        "filename": document.filename,
        "file_size": document.file_size,
        "download_url": document.url,
    }


IMAGES = UploadKind(
    noun="image",
    plural="images",
    get_model=get_image_model,
    get_form_class=get_image_form,
    max_size_setting="WAGTAILIMAGES_MAX_UPLOAD_SIZE",
    present=present_image,
)
DOCUMENTS = UploadKind(
    noun="document",
    plural="documents",
    get_model=get_document_model,
    get_form_class=get_document_form,
    max_size_setting="WAGTAILDOCS_MAX_UPLOAD_SIZE",
    present=present_document,
)


# --- The upload ------------------------------------------------------------------------------


class _Unprocessable(Exception):
    """The form accepted the file, but its representation could not be built."""


def _collection_data(kind: UploadKind, model: type[Model], user: Any, requested: int | None):
    """The collection value to give the form, after checking the user may add there.

    Permission problems are 403s here rather than the form's "Select a valid choice", and a
    user without any add permission never reaches the form (which cannot be built for them).
    """
    policy = policy_registry.get_by_type(model)
    allowed = policy.collections_user_has_permission_for(user, "add")
    if not allowed.exists():
        raise ProblemError(403, f"You do not have permission to add {kind.plural}.")
    if requested is None:
        # As in the admin: the root collection (the model's default) is preselected when the
        # user may add there; otherwise the form asks for one (or uses the only one allowed).
        root = Collection.get_first_root_node()
        return str(root.pk) if allowed.filter(pk=root.pk).exists() else ""
    if not Collection.objects.filter(pk=requested).exists():
        raise ProblemError(
            422,
            f"The {kind.noun} was not stored. collection: there is no collection {requested}.",
            [
                {
                    "type": "invalid_choice",
                    "loc": ["form", "collection"],
                    "msg": f"There is no collection {requested}.",
                }
            ],
        )
    if not allowed.filter(pk=requested).exists():
        raise ProblemError(
            403, f"You do not have permission to add {kind.plural} to collection {requested}."
        )
    return str(requested)


def _form_problem(kind: UploadKind, form: BaseForm) -> ProblemError:
    """The form's errors (the admin's own messages) as problem details."""
    errors = []
    for field, field_errors in form.errors.as_data().items():
        loc = ["form"] if field == "__all__" else ["form", field]
        for error in field_errors:
            for message in error.messages:
                errors.append({"type": error.code or "invalid", "loc": loc, "msg": message})
    too_large = any(error["type"].startswith("file_too_large") for error in errors)
    summary = "; ".join(f"{error['loc'][-1]}: {error['msg']}" for error in errors)
    return ProblemError(
        413 if too_large else 422, f"The {kind.noun} was not stored. {summary}", errors
    )


def _stored_rendition_files(instance: Any) -> list[tuple[Any, str]]:
    renditions = getattr(instance, "renditions", None)
    if renditions is None:
        return []
    try:
        return [(r.file.storage, r.file.name) for r in renditions.all() if r.file.name]
    except DatabaseError:
        # The transaction is already broken; those rows roll back, their files stay unknown.
        return []


def _discard(instance: Any, extra: list[tuple[Any, str]]) -> None:
    """Delete what was written to storage for an upload whose row is rolled back."""
    stored = list(extra)
    field_file = instance.file
    # ``_committed`` turns True once FileField.pre_save has written the upload to storage
    # (and ``name`` is then the stored name, not the client's).
    if getattr(field_file, "_committed", False) and field_file.name:
        stored.append((field_file.storage, field_file.name))
    for storage, name in stored:
        try:
            storage.delete(name)
        except Exception:  # noqa: BLE001 - cleanup must not mask the original failure
            logger.exception("Could not delete %s after a failed upload", name)
    if hasattr(instance, "get_rendition") and instance.pk is not None:
        # Rendition data cached while building the answer describes files just deleted; a
        # later image could get the same id and file name (SQLite reuses ids).
        cache.delete(rendition_cache_key(instance, "std"))


def _unprocessable_message(kind: UploadKind) -> str:
    """Why the representation failed, as far as the client can act on it.

    An image too long for its WebP renditions never gets here: the form refuses it
    (``news.uploads.SafeImageForm``), as the admin and Wagtail's own v3 endpoint do.
    """
    return f"This {kind.noun} could not be processed (its renditions could not be made)."


def _store(kind: UploadKind, form: BaseForm, user: Any) -> dict:
    """Save through Wagtail's create action (as the admin does) and build the answer; all or
    nothing."""
    instance = form.instance
    renditions: list[tuple[Any, str]] = []
    try:
        with transaction.atomic():
            action_class = action_registry.get_action_class(type(instance), "create")
            # Permission was checked for the chosen collection already.
            action_class(instance, user=user, form=form).execute(skip_permission_checks=True)
            try:
                payload = kind.present(instance)
            except DatabaseError:
                raise  # the database's failure, not the file's: a 503 below
            except Exception as exc:
                raise _Unprocessable from exc
            finally:
                # Rendition files are written outside the transaction: note them now, to
                # delete them below if it does not commit (the commit itself may fail).
                renditions = _stored_rendition_files(instance)
    except _Unprocessable:
        _discard(instance, renditions)
        logger.exception("Uploaded %s could not be processed", kind.noun)
        message = _unprocessable_message(kind)
        raise ProblemError(
            422,
            f"The {kind.noun} was not stored. file: {message}",
            [{"type": "unprocessable", "loc": ["form", "file"], "msg": message}],
        ) from None
    except DatabaseError:
        _discard(instance, renditions)
        logger.exception("Database failure while storing an uploaded %s", kind.noun)
        raise ProblemError(
            503, f"The {kind.noun} could not be saved; nothing was stored. Try again."
        ) from None
    except BaseException:
        _discard(instance, renditions)
        raise
    return payload


def upload(
    request: HttpRequest,
    kind: UploadKind,
    file: UploadedFile,
    fields: dict[str, str],
    collection: int | None,
) -> HttpResponse:
    """Validate an upload with the admin's form and store it: 201 or problem details."""
    try:
        model = kind.get_model()
        user = request.user
        data = {**fields, "collection": _collection_data(kind, model, user, collection)}
        form_class = kind.get_form_class(model)
        form = form_class(
            data=data,
            files={"file": file},
            instance=model(uploaded_by_user=user),
            user=user,
        )
        if not form.is_valid():
            raise _form_problem(kind, form)
        payload = _store(kind, form, user)
    except ProblemError as error:
        return problem_response(status=error.status, detail=error.detail, errors=error.errors)
    return HttpResponse(json_bytes(payload), status=201, content_type=JSON)


def refuse_oversized(kind: UploadKind) -> Callable:
    """A view decorator: a request announcing more bytes than any valid upload is refused
    before Django spools it to disk."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            limit = kind.max_upload_size()
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            if limit is not None and length > limit + FORM_OVERHEAD:
                return problem_response(
                    status=413,
                    detail=f"The {kind.noun} was not stored: the request is larger than "
                    f"the {limit} bytes allowed for a file.",
                )
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


# --- Endpoints -------------------------------------------------------------------------------

REFUSALS = (
    "401 without a valid bearer token; 403 when the token's user may not add {plural} (in "
    "that collection); 413 when the file is over the size limit; 422 when the admin's form "
    "refuses it ({what}), with the admin's message in `detail` and in `errors[].msg` at "
    '`["form", field]`; 503 when the database failed (nothing stored, retry). A refused '
    "upload leaves no row and no file."
)


@router.post(
    "/images/",
    response={201: UploadedImage, **ERROR_RESPONSES},
    auth=BearerTokenAuth(),
    summary="Upload an image",
    description="Validated exactly as in the Wagtail admin. "
    + REFUSALS.format(
        plural="images",
        what="format not matching the extension, unsupported format, too many "
        "pixels or a decompression bomb, empty or not an image",
    )
    + " The answer is the image in the representation the rest of the API uses (renditions "
    "are made at upload); an image whose renditions cannot be made (a side over 16383 px, "
    "WebP's limit) is refused with 422 too. SVG is accepted and stored sanitised (scripts, "
    "event handlers, foreignObject, external references and data: URLs removed); its `src` "
    "is the SVG and its `renditions` are PNG/WebP rasters.",
    operation_id="images_upload",
    url_name="newsroom_images_upload",
)
@decorate_view(refuse_oversized(IMAGES))
def upload_image(
    request: HttpRequest,
    file: File[UploadedFile],
    title: Form[str],
    collection: Form[int | None] = None,
    description: Form[str] = "",
) -> HttpResponse:
    return upload(request, IMAGES, file, {"title": title, "description": description}, collection)


@router.post(
    "/documents/",
    response={201: UploadedDocument, **ERROR_RESPONSES},
    auth=BearerTokenAuth(),
    summary="Upload a document",
    description="Validated exactly as in the Wagtail admin. "
    + REFUSALS.format(
        plural="documents",
        what="extension not allowed, content not matching the extension, empty file",
    ),
    operation_id="documents_upload",
    url_name="newsroom_documents_upload",
)
@decorate_view(refuse_oversized(DOCUMENTS))
def upload_document(
    request: HttpRequest,
    file: File[UploadedFile],
    title: Form[str],
    collection: Form[int | None] = None,
) -> HttpResponse:
    return upload(request, DOCUMENTS, file, {"title": title}, collection)
