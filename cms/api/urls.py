"""Mounts API v3 (with Newsroom's routers) at /api/v3/ and API v2 at /api/v2/.

Routers must be added to Wagtail's v3 ``api`` object before ``api.urls`` is first read.
"""

from django.urls import path
from wagtail.api.v3.urls import api as v3

from cms.api import block_errors, news, openapi, people, preview, search, site, stock, uploads
from cms.api.v2 import api_router as v2_router
from cms.csp import ShippedSwagger

# Wagtail's own v3 pages endpoints: only what an anonymous reader may see (no expired pages).
stock.install()
block_errors.install()
# A valid OpenAPI 3.1 document (Wagtail's declares an invalid security scheme).
openapi.install(v3)

# Swagger UI from the files Django Ninja ships (no CDN script); NEWSROOM_API_DOCS turns it off.
v3.docs = ShippedSwagger()
v3.title = "Newsroom API"
v3.description = (
    "Wagtail's API v3 with Newsroom's endpoints: news cards and fully resolved posts, route "
    "lookup by path, organisations, persons, feeds. Errors are application/problem+json."
)
# Paths start with /api/v3/: the server is the site serving this document (OpenAPI's relative
# server URL), so generated clients need only a base URL (strict linters refuse no servers).
v3.servers = [{"url": "/", "description": "The site serving this document"}]
v3.add_router("/news/", news.router)
v3.add_router("/route/", news.route_router)
v3.add_router("/organisations/", people.organisations_router)
v3.add_router("/persons/", people.persons_router)
v3.add_router("/feeds/", news.feeds_router)
v3.add_router("/", news.ping_router)
v3.add_router("/search/", search.router)
v3.add_router("/preview/", preview.router)
v3.add_router("/uploads/", uploads.router)
v3.add_router("/site/", site.router)

urlpatterns = [
    path("v3/", v3.urls),
    # Before the v2 router, whose page routes would otherwise take the path.
    path("v2/preview/", preview.v2_preview_view, name="newsroom_v2_preview"),
    path("v2/", v2_router.urls),
]
