"""Write-API errors that say which block and which field to fix.

Wagtail 8.0.1's v3 write API reports an invalid StreamField as a single "Validation error in
StreamBlock". Editors' forms show the nested errors; API clients deserve the same: this
expands every block error into its own entry, located as ``["body", <index>, <field>]``.

Before the form is built, the write API converts each rich-text value to the editor's format
(``form_data.flatten_block_value``); Wagtail's converter raises KeyError/ValueError on a bad
reference (an image embed with an unknown ``format``, a page link whose id is not a number),
which was a 500. Such a value is refused with a 422 located at the block (``["body", 0]``),
with the message the block's own validation gives (``news.blocks``). A StreamField of more
than ``NEWSROOM_MAX_BODY_BLOCKS`` blocks is refused there too (422 at ``["body"]``), before any
block is converted.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from wagtail.api.v3 import form_data
from wagtail.api.v3.errors import as_validation_error
from wagtail.blocks import BaseStreamBlock, RichTextBlock
from wagtail.blocks.list_block import ListBlockValidationError
from wagtail.blocks.stream_block import StreamBlockValidationError
from wagtail.blocks.struct_block import StructBlockValidationError
from wagtail.utils.forms import FormValidationError

BLOCK_ERRORS = (StreamBlockValidationError, StructBlockValidationError, ListBlockValidationError)

_original = FormValidationError.get_form_errors_as_dict.__func__
_flatten_block_value = form_data.flatten_block_value


def _flatten(data: dict[str, Any], path: tuple) -> list[tuple[tuple, str]]:
    found = [(path, message) for message in data.get("messages", [])]
    for key, child in (data.get("blockErrors") or {}).items():
        if isinstance(child, dict):
            found += _flatten(child, (*path, int(key) if str(key).isdigit() else key))
    return found


def get_form_errors_as_dict(cls, form, path=()):
    errors = _original(cls, form, path)
    for field_name, error_list in form.errors.as_data().items():
        block_errors = [e for e in error_list if isinstance(e, BLOCK_ERRORS)]
        if not block_errors:
            continue
        expanded: dict[tuple, list[tuple[str, str]]] = {}
        for error in block_errors:
            for location, message in _flatten(error.as_json_data(), (*path, field_name)):
                expanded.setdefault(location, []).append((message, "invalid"))
        if expanded:
            errors.pop((*path, field_name), None)
            errors.update(expanded)
    return errors


def _location(prefix: str) -> tuple:
    """``body-3-value-text`` (a form prefix) → ``("body", 3, "text")``."""
    parts = [part for part in prefix.split("-") if part != "value"]
    return tuple(int(part) if part.isdigit() else part for part in parts)


def flatten_block_value(block: Any, value: Any, prefix: str, data: Any) -> None:
    limit = int(getattr(settings, "NEWSROOM_MAX_BODY_BLOCKS", 500))
    if isinstance(block, BaseStreamBlock) and isinstance(value, list) and len(value) > limit:
        # Refused before any block is converted: building and validating the form of
        # thousands of blocks held a worker for seconds.
        message = f"At most {limit} blocks; this has {len(value)}."
        raise as_validation_error(ValueError(message), message=message, loc=_location(prefix))
    if not isinstance(block, RichTextBlock) or not isinstance(value, str):
        return _flatten_block_value(block, value, prefix, data)
    from news.richtext_checks import rich_text_reference_problems

    problems = rich_text_reference_problems(value, missing_id_ok=True)
    if problems:
        # Refused, not converted: the editor widget would leave the bad reference out
        # (news/widgets.py) and the client would never hear what was wrong.
        message = " ".join(dict.fromkeys(problems))
        raise as_validation_error(ValueError(message), message=message, loc=_location(prefix))
    try:
        return _flatten_block_value(block, value, prefix, data)
    except (KeyError, ValueError, TypeError, LookupError) as error:
        message = " ".join(problems) or f"This rich text cannot be read: {error!r}."
        raise as_validation_error(error, message=message, loc=_location(prefix)) from None


def install() -> None:
    """Route Wagtail's form-error collection through the block-aware version, and rich-text
    conversion through the version that refuses bad references (idempotent)."""
    FormValidationError.get_form_errors_as_dict = classmethod(get_form_errors_as_dict)
    form_data.flatten_block_value = flatten_block_value
