"""Print the served OpenAPI document (``/api/v3/openapi.json``) without a running server.

Used by the frontend's ``npm run gen:types`` and by the test that fails when the committed
TypeScript types are stale. The document is fetched through Django's test client, so it is
exactly what the API serves; keys are re-serialised as strings (a JSON document cannot hold
the integer and the string form of the same status code twice).
"""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand
from django.test import Client


def _string_keys(value):
    if isinstance(value, dict):
        merged: dict[str, object] = {}
        for key, item in value.items():
            merged.setdefault(str(key), _string_keys(item))
        return merged
    if isinstance(value, list):
        return [_string_keys(item) for item in value]
    return value


class Command(BaseCommand):
    help = "Print the API v3 OpenAPI document as JSON (sorted keys)."

    def add_arguments(self, parser):
        parser.add_argument("--output", "-o", help="Write to this file instead of stdout.")

    def handle(self, *args, output=None, **options):
        response = Client(HTTP_HOST="localhost").get("/api/v3/openapi.json")
        if response.status_code != 200:
            raise SystemExit(f"/api/v3/openapi.json answered {response.status_code}")
        document = _string_keys(json.loads(response.content, object_pairs_hook=_pairs))
        text = json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
        if output:
            with open(output, "w", encoding="utf-8") as handle:
                handle.write(text)
        else:
            self.stdout.write(text, ending="")


def _pairs(pairs):
    # Keep the first occurrence of a duplicated key (json.loads would keep the last).
    result: dict = {}
    for key, value in pairs:
        result.setdefault(key, value)
    return result
