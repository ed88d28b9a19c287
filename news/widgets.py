"""The admin's rich-text editor widget, safe with malformed stored references.

Wagtail converts stored rich text for the editor by looking up every linked page, document
and image; a malformed id (``id="abc"``, posted by hand or stored before the checks in
``news.richtext_checks``) made that conversion — and so the edit form — a server error. The
form shown again with the "numeric id" error must render too. This widget leaves malformed
references out of the editor's copy; the stored value is only changed when the editor saves.
A posted value that is not Draftail's JSON (a hand-made request: the editor always sends
JSON) reads as empty instead of a server error.
"""

from __future__ import annotations

from wagtail.admin.rich_text import DraftailRichTextArea

from news.richtext_checks import without_bad_references


class SafeDraftailRichTextArea(DraftailRichTextArea):
    def format_value(self, value):
        return super().format_value(without_bad_references(value) if value else value)

    def value_from_datadict(self, data, files, name):
        try:
            return super().value_from_datadict(data, files, name)
        except (ValueError, KeyError, TypeError, AttributeError):  # not Draftail JSON
            return None
