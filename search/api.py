"""The news search endpoint (/api/v3/search/)."""

from ninja import Router

router = Router(tags=["search"])
