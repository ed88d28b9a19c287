"""Upload safety for documents: the file's content must match its extension.

Wagtail already checks images (format matches extension, pixel limits against decompression
bombs, empty files); documents are checked here, so an HTML page renamed ``.pdf`` or an
executable renamed ``.docx`` is refused with a message instead of being served to readers.
"""

from __future__ import annotations

import os
import zipfile

from django import forms
from wagtail.documents.forms import BaseDocumentForm

# Leading bytes of each binary format we accept.
MAGIC_PREFIXES = {
    "pdf": (b"%PDF-",),
    "rtf": (b"{\\rtf",),
}
ZIP_FORMATS = {"docx", "xlsx", "pptx", "odt", "key", "zip"}
TEXT_FORMATS = {"csv", "txt"}
SNIFF_BYTES = 4096


def check_document_content(name: str, head: bytes, file_obj) -> str | None:
    """Why this file must be refused, or None when its content fits its extension."""
    extension = os.path.splitext(name)[1].lower().lstrip(".")
    if not head:
        return "The file is empty."
    if extension in MAGIC_PREFIXES:
        if not head.startswith(MAGIC_PREFIXES[extension]):
            return (
                f"This file does not look like a .{extension} file; check that it is not renamed."
            )
    elif extension in ZIP_FORMATS:
        file_obj.seek(0)
        if not zipfile.is_zipfile(file_obj):
            return (
                f"This file does not look like a .{extension} file; check that it is not renamed."
            )
    elif extension in TEXT_FORMATS:
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as exc:
            # A multi-byte character cut at the sniff boundary is fine; anything else is not.
            if exc.start < len(head) - 4:
                return f"A .{extension} file must be UTF-8 text."
        if b"\x00" in head:
            return f"A .{extension} file must be text, not binary data."
    return None


class SafeDocumentForm(BaseDocumentForm):
    def clean_file(self):
        uploaded = self.cleaned_data.get("file")
        if uploaded is None or "file" not in self.changed_data:
            return uploaded
        uploaded.seek(0)
        head = uploaded.read(SNIFF_BYTES)
        problem = check_document_content(uploaded.name, head, uploaded)
        uploaded.seek(0)
        if problem:
            raise forms.ValidationError(problem, code="content_mismatch")
        return uploaded
