"""Strict OpenAPI tools accept the document the code serves (docs/contract.md).

The document is fetched once from ``/api/v3/openapi.json`` (Django's test client) and written
to a temporary file; contract/'s npm tools, installed from its lock file (contract/install.sh:
``npm ci`` only when node_modules is missing or stale), then run on it:

- its bytes parse with a JSON parser that refuses duplicate keys;
- ``redocly lint`` with the recommended rules (contract/redocly.yaml) reports 0 errors;
- the project's one type generator (frontend/scripts/gen-types.mjs: openapi-typescript, as
  ``make types`` runs it for the committed frontend/src/lib/api-types.ts) generates types
  from it;
- contract/src/consumer.ts compiles with ``tsc --strict`` against those fresh types, and a
  ``switch`` over block types that misses one does not; it also compiles against the
  committed types, which contract/tsconfig.json shares with the frontend
  (tests/test_frontend.py checks that they are not stale).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest
from django.test import Client

REPO = Path(__file__).resolve().parent.parent
CONTRACT = REPO / "contract"
BIN = CONTRACT / "node_modules" / ".bin"
GENERATOR = REPO / "frontend" / "scripts" / "gen-types.mjs"
COMMITTED_TYPES = REPO / "frontend" / "src" / "lib" / "api-types.ts"
# No update checks or usage data from the tools; plain output.
TOOL_ENV = {
    **os.environ,
    "REDOCLY_TELEMETRY": "off",
    "REDOCLY_SUPPRESS_UPDATE_NOTICE": "true",
    "NO_COLOR": "1",
    "NO_UPDATE_NOTIFIER": "1",
}
BLOCK_TYPES = {
    "paragraph",
    "heading",
    "image",
    "quote",
    "bio",
    "boilerplate",
    "call_to_action",
    "embed",
    "code",
    "table",
}


def run(args: list[str], *, timeout: int = 180) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(a) for a in args],
        cwd=CONTRACT,
        env=TOOL_ENV,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def output(result: subprocess.CompletedProcess) -> str:
    stdout, stderr = result.stdout[-4000:], result.stderr[-4000:]
    return f"exit {result.returncode}\n--- stdout\n{stdout}\n--- stderr\n{stderr}"


class DuplicateKey(ValueError):
    pass


def reject_duplicates(pairs: list[tuple[str, object]]) -> dict:
    seen: dict = {}
    for key, value in pairs:
        if key in seen:
            raise DuplicateKey(f"duplicate key {key!r}")
        seen[key] = value
    return seen


def strict_loads(data: bytes):
    return json.loads(data, object_pairs_hook=reject_duplicates)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("contract")


@pytest.fixture(scope="module")
def served(django_db_setup, django_db_blocker, workdir) -> Path:
    """The served document's bytes, as they are, in a file the tools read."""
    with django_db_blocker.unblock():
        response = Client().get("/api/v3/openapi.json")
    assert response.status_code == 200
    path = workdir / "openapi.json"
    path.write_bytes(response.content)
    return path


@pytest.fixture(scope="module")
def tools() -> None:
    """contract/'s npm tools and the frontend's (where the type generator's openapi-typescript
    lives), each installed from its package-lock.json when missing or stale."""
    for script in (CONTRACT / "install.sh", REPO / "scripts" / "frontend.sh"):
        args = [str(script)] + (["install"] if script.name == "frontend.sh" else [])
        result = subprocess.run(args, capture_output=True, text=True, timeout=600)
        assert result.returncode == 0, f"{script.name} failed:\n" + output(result)
    for tool in ("redocly", "tsc"):
        assert (BIN / tool).exists(), f"{tool} is not installed in contract/node_modules"


@pytest.fixture(scope="module")
def lint(tools, served) -> tuple[subprocess.CompletedProcess, dict]:
    result = run([BIN / "redocly", "lint", "--config", "redocly.yaml", "--format", "json", served])
    # The JSON report is on stdout (Redocly's notices go to stderr).
    start = result.stdout.find("{")
    assert start >= 0, "no JSON report from redocly lint:\n" + output(result)
    return result, json.loads(result.stdout[start:])


@pytest.fixture(scope="module")
def generated(tools, served, workdir) -> tuple[subprocess.CompletedProcess, Path]:
    path = workdir / "api-types.ts"
    result = run(["node", GENERATOR, "--file", served, "--out", path])
    return result, path


def tsconfig_for(workdir: Path, name: str, types: Path, files: list[Path]) -> Path:
    """contract/tsconfig.json with "newsroom-api" mapped to ``types`` and only ``files``."""
    config = {
        "extends": str(CONTRACT / "tsconfig.json"),
        "compilerOptions": {"paths": {"newsroom-api": [str(types)]}},
        "files": [str(f) for f in files],
    }
    path = workdir / name
    path.write_text(json.dumps(config, indent=2))
    return path


def tsc(config: Path) -> subprocess.CompletedProcess:
    return run([BIN / "tsc", "--strict", "--noEmit", "--listFiles", "-p", config])


def test_served_bytes_have_no_duplicate_keys(served):
    # The parser itself refuses duplicates (Python's json alone keeps the last one).
    with pytest.raises(DuplicateKey):
        strict_loads(b'{"responses": {"400": {}, "400": {}}}')
    document = strict_loads(served.read_bytes())
    assert document["openapi"].startswith("3.1")
    assert "/api/v3/news/{page_id}/" in document["paths"]


def test_redocly_recommended_rules_report_no_errors(lint):
    result, report = lint
    errors = [p for p in report["problems"] if p["severity"] == "error"]
    listing = "\n".join(
        f"{p['ruleId']}: {p['message']} at {[loc.get('pointer') for loc in p['location']]}"
        for p in errors[:20]
    )
    assert report["totals"]["errors"] == 0, f"redocly lint errors:\n{listing}"
    assert not errors
    assert result.returncode == 0, output(result)
    # contract/redocly.yaml was read: every path ends in a slash, and that rule is off.
    assert not [p for p in report["problems"] if p["ruleId"] == "no-path-trailing-slash"]


def test_the_type_generator_generates_types(generated, served):
    result, path = generated
    assert result.returncode == 0, output(result)
    types = path.read_text()
    for operation in ("news_list", "news_detail", "route_lookup", "search_api_search"):
        assert f'operations["{operation}"]' in types
    # Every block of NewsPageDetail's body is a schema of its own, with its `type` literal.
    document = json.loads(served.read_bytes())
    body = document["components"]["schemas"]["NewsPageDetail"]["properties"]["body"]["items"]
    block_schemas = {ref["$ref"].rsplit("/", 1)[1] for ref in body["oneOf"]}
    assert len(block_schemas) == len(BLOCK_TYPES)
    for name in block_schemas:
        assert re.search(rf"^\s+{name}: {{$", types, re.M), f"{name} missing from the types"
    for block_type in BLOCK_TYPES:
        assert f'type: "{block_type}";' in types


def test_consumer_compiles_strictly_against_the_fresh_types(generated, workdir):
    _, types = generated
    assert types.exists(), "the type generator wrote no types"
    config = tsconfig_for(workdir, "tsconfig.json", types, [CONTRACT / "src" / "consumer.ts"])
    result = tsc(config)
    assert result.returncode == 0, output(result)
    # The consumer was checked against the types generated just now, not the committed ones.
    listed = {Path(line).resolve() for line in result.stdout.splitlines() if line.strip()}
    assert types.resolve() in listed
    assert COMMITTED_TYPES.resolve() not in listed


def test_a_switch_missing_a_block_type_does_not_compile(generated, workdir):
    """The `never` check is real: with one block type unhandled, tsc fails."""
    _, types = generated
    probe = workdir / "probe.ts"
    cases = "\n".join(f'    case "{t}":' for t in sorted(BLOCK_TYPES - {"table"}))
    probe.write_text(
        'import type { components } from "newsroom-api";\n'
        'type Block = components["schemas"]["NewsPageDetail"]["body"][number];\n'
        "export function kind(block: Block): string {\n"
        "  switch (block.type) {\n"
        f"{cases}\n"
        "      return block.type;\n"
        "    default: {\n"
        "      const _exhaustive: never = block;\n"
        "      return _exhaustive;\n"
        "    }\n"
        "  }\n"
        "}\n"
    )
    result = tsc(tsconfig_for(workdir, "tsconfig.probe.json", types, [probe]))
    assert result.returncode != 0, "tsc accepted a non-exhaustive switch:\n" + output(result)
    assert "TS2322" in result.stdout and "'never'" in result.stdout, output(result)
    assert '"table"' in result.stdout, output(result)


def test_consumer_compiles_against_the_committed_types(tools):
    """contract/ has no types of its own: its tsconfig maps "newsroom-api" to the frontend's
    committed file, the one ``make types`` regenerates."""
    result = run([BIN / "tsc", "--strict", "--noEmit", "--listFiles", "-p", "tsconfig.json"])
    assert result.returncode == 0, output(result)
    listed = {Path(line).resolve() for line in result.stdout.splitlines() if line.strip()}
    assert COMMITTED_TYPES.resolve() in listed
    assert not list((CONTRACT / "src").rglob("*.d.ts")), "contract/ keeps a second copy"
