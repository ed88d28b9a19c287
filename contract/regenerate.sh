#!/usr/bin/env bash
# Regenerates src/generated/api.d.ts from the OpenAPI document the code serves now (read
# through Django's test client: no server needed). Run it when the document changes.
set -euo pipefail
cd "$(dirname "$0")"
./install.sh
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
(cd .. && DJANGO_SETTINGS_MODULE=cms.settings.test PYTHONPATH=. .venv/bin/python -W ignore - "$tmp/openapi.json" <<'PY'
import sys

import django

django.setup()
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

setup_test_environment()  # "testserver" is an allowed host
response = Client().get("/api/v3/openapi.json")
assert response.status_code == 200, response.status_code
open(sys.argv[1], "wb").write(response.content)
PY
)
node_modules/.bin/openapi-typescript "$tmp/openapi.json" -o src/generated/api.d.ts
