"""Makes Wagtail's v3 OpenAPI document valid OpenAPI 3.1 and true to the answers it describes
(and caches it per process).

- Wagtail 8.0.1 declares its ``AllowAnonymous`` auth as an ``http`` security scheme without a
  ``scheme``, which OpenAPI 3.1 forbids (openapi-spec-validator rejects the document). The
  standard way to say "authentication is optional" is an empty requirement ``{}`` in an
  operation's ``security`` list, so the scheme is dropped and its uses replaced by ``{}``.
- Every error answer is RFC 9457 problem details sent as ``application/problem+json``
  (Wagtail's exception handlers and ``cms.api.http``), but Django Ninja documents every
  response as ``application/json``: error responses are moved to the right media type. The
  one exception is the route lookup's "nothing is published here" 404, a problem body sent
  as ``application/json`` (tests/test_api_news.py pins it); its "no site" 404 is
  problem+json, so that response lists both.
- Wagtail documents only the success status of its own operations, while its exception
  handlers answer 400 (bad limit, rich text format), 404 and 422 (validation) on any of them,
  and 401/403 on those that need a token. Those answers are added (the ``Problem`` schema).
- Wagtail's ``find`` operations answer with a 302 redirect to the object's detail URL.
- Every operation may answer 400 (see ``fix_document``).
- Some views read their query parameters by hand so that a missing one is answered with
  the 400 problem the document declares (Ninja would answer 422); ``REQUIRED_QUERY`` marks
  them required in the document, as the server requires them.
- Django Ninja keys responses by integer status, so a string key added afterwards (``"400"``)
  would be a *second* ``"400"`` in the served JSON: strict parsers (openapi-typescript,
  Redocly, Spectral) refuse duplicate keys, while Python's ``json`` silently keeps the last.
  Every status key is made a string first, merging the two.
- Wagtail's listings refuse an ``offset`` over ``cms.api.stock.MAX_OFFSET`` (400): the
  document states that maximum.
- Strict linters (``@redocly/cli lint``: docs/contract.md) want a security requirement on
  every operation or at the root: the root says "no authentication" (``{}``).
"""

from __future__ import annotations

from typing import Any

from ninja import NinjaAPI

from cms.api.stock import MAX_OFFSET

ANONYMOUS = "AllowAnonymous"
JSON = "application/json"
PROBLEM_JSON = "application/problem+json"
PROBLEM_REF = "#/components/schemas/Problem"
# What Wagtail's v3 exception handlers may answer on any of its operations.
STOCK_ERRORS = {"400": "Bad Request", "404": "Not Found", "422": "Unprocessable Entity"}
AUTH_ERRORS = {"401": "Unauthorized", "403": "Forbidden"}
# Error answers that may come as application/json (with a problem body) as well.
JSON_ERRORS = {("route_lookup", "404")}
# Query parameters the server requires though the view reads them optionally (see above).
REQUIRED_QUERY = {
    "search_api_search": {"q"},
    "search_api_suggest": {"q"},
    "preview_draft": {"content_type", "token"},
}
# Wagtail operations that answer a lookup with a redirect to the detail URL.
REDIRECTING = {"pages_find", "redirects_find"}


def _fix_security(operation: dict[str, Any]) -> None:
    requirements = []
    for requirement in operation["security"]:
        requirement = {k: v for k, v in requirement.items() if k != ANONYMOUS}
        if requirement not in requirements:
            requirements.append(requirement)
    operation["security"] = requirements


def _problem(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {PROBLEM_JSON: {"schema": {"$ref": PROBLEM_REF}}},
    }


def _fix_error_media_types(operation: dict[str, Any]) -> None:
    for status, response in operation.get("responses", {}).items():
        content = response.get("content", {}) if isinstance(response, dict) else {}
        is_error = str(status).isdigit() and int(status) >= 400
        if is_error and JSON in content and PROBLEM_JSON not in content:
            if (operation.get("operationId"), str(status)) in JSON_ERRORS:
                content[PROBLEM_JSON] = content[JSON]
            else:
                content[PROBLEM_JSON] = content.pop(JSON)


def _complete_stock_operation(operation: dict[str, Any]) -> None:
    """Wagtail's own operation: its error answers, redirects and offset bound."""
    responses = operation.setdefault("responses", {})
    errors = dict(STOCK_ERRORS)
    if {} not in operation.get("security", []):
        errors.update(AUTH_ERRORS)
    for status, description in errors.items():
        responses.setdefault(status, _problem(description))
    if operation.get("operationId") in REDIRECTING:
        responses.setdefault(
            "302",
            {
                "description": "Found: the object's detail URL, with the other query parameters.",
                "headers": {"Location": {"required": True, "schema": {"type": "string"}}},
            },
        )
    for parameter in operation.get("parameters", []):
        if parameter.get("in") == "query" and parameter.get("name") == "offset":
            parameter.get("schema", {}).setdefault("maximum", MAX_OFFSET)


def _string_status_keys(operation: dict[str, Any]) -> None:
    """One key per status: ``400`` and ``"400"`` merged (the integer one is Ninja's own)."""
    responses: dict[str, Any] = {}
    for status, response in operation.get("responses", {}).items():
        responses.setdefault(str(status), response)
    operation["responses"] = responses


def fix_document(document: dict[str, Any]) -> dict[str, Any]:
    schemes = document.get("components", {}).get("securitySchemes", {})
    schemes.pop(ANONYMOUS, None)
    # Newsroom's operations are public and declare no requirement; strict linters (Redocly's
    # security-defined) want one on every operation or at the root: "no authentication" at
    # the root, which Wagtail's operations override with their own.
    document.setdefault("security", [{}])
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            if not isinstance(operation, dict):
                continue
            _string_status_keys(operation)
            _fix_error_media_types(operation)
            required = REQUIRED_QUERY.get(operation.get("operationId"), set())
            for parameter in operation.get("parameters", []):
                if parameter.get("in") == "query" and parameter.get("name") in required:
                    parameter["required"] = True
            # Any request under /api/ may be refused with a 400 before its view runs (a NUL
            # in a query parameter: cms.api.middleware), and Newsroom's views refuse unknown
            # parameters, also on the operations that take none (feeds).
            operation.setdefault("responses", {}).setdefault("400", _problem("Bad Request"))
            # A JSON body over NEWSROOM_API_MAX_JSON_BYTES is refused unread (middleware).
            if JSON in operation.get("requestBody", {}).get("content", {}):
                operation["responses"].setdefault("413", _problem("Content Too Large"))
            # Newsroom's operations (no security requirement: always public) document their
            # errors themselves; Wagtail's always declare a security requirement.
            if "security" in operation:
                _fix_security(operation)
                _complete_stock_operation(operation)
    return document


def install(api: NinjaAPI) -> None:
    """Wrap ``api.get_openapi_schema`` once: the fixed document, built once per process."""
    if getattr(api, "_newsroom_openapi_fixed", False):
        return
    original = api.get_openapi_schema
    cache: dict[str, Any] = {}

    def get_openapi_schema(*, path_prefix=None, path_params=None):
        key = repr((path_prefix, sorted((path_params or {}).items())))
        if key not in cache:
            cache[key] = fix_document(original(path_prefix=path_prefix, path_params=path_params))
        return cache[key]

    api.get_openapi_schema = get_openapi_schema
    api._newsroom_openapi_fixed = True
