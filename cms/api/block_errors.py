"""Write-API errors that say which block and which field to fix.

Wagtail 8.0.1's v3 write API reports an invalid StreamField as a single "Validation error in
StreamBlock". Editors' forms show the nested errors; API clients deserve the same: this
expands every block error into its own entry, located as ``["body", <index>, <field>]``.
"""

from __future__ import annotations

from typing import Any

from wagtail.blocks.list_block import ListBlockValidationError
from wagtail.blocks.stream_block import StreamBlockValidationError
from wagtail.blocks.struct_block import StructBlockValidationError
from wagtail.utils.forms import FormValidationError

BLOCK_ERRORS = (StreamBlockValidationError, StructBlockValidationError, ListBlockValidationError)

_original = FormValidationError.get_form_errors_as_dict.__func__


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


def install() -> None:
    """Route Wagtail's form-error collection through the block-aware version (idempotent)."""
    FormValidationError.get_form_errors_as_dict = classmethod(get_form_errors_as_dict)
