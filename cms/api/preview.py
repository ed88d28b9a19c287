"""Preview endpoints (/api/v3/preview/, /api/v2/preview/): drafts by signed, expiring token."""

from ninja import Router

router = Router(tags=["preview"])
