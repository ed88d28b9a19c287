"""Makes Wagtail's v3 OpenAPI document valid OpenAPI 3.1 (and caches it per process).

Wagtail 8.0.1 declares its ``AllowAnonymous`` auth as an ``http`` security scheme without a
``scheme``, which OpenAPI 3.1 forbids (openapi-spec-validator rejects the document). The
standard way to say "authentication is optional" is an empty requirement ``{}`` in an
operation's ``security`` list, so the scheme is dropped and its uses replaced by ``{}``.
"""

from __future__ import annotations

from typing import Any

from ninja import NinjaAPI

ANONYMOUS = "AllowAnonymous"


def fix_document(document: dict[str, Any]) -> dict[str, Any]:
    schemes = document.get("components", {}).get("securitySchemes", {})
    schemes.pop(ANONYMOUS, None)
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            if not isinstance(operation, dict) or "security" not in operation:
                continue
            requirements = []
            for requirement in operation["security"]:
                requirement = {k: v for k, v in requirement.items() if k != ANONYMOUS}
                if requirement not in requirements:
                    requirements.append(requirement)
            operation["security"] = requirements
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
