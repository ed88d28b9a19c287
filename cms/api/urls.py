"""Mounts API v3 (with Newsroom's routers) at /api/v3/ and API v2 at /api/v2/.

Routers must be added to Wagtail's v3 ``api`` object before ``api.urls`` is first read.
"""

from django.urls import path
from wagtail.api.v3.urls import api as v3

from cms.api import preview
from search import api as search_api

v3.add_router("/search/", search_api.router)
v3.add_router("/preview/", preview.router)

urlpatterns = [
    path("v3/", v3.urls),
]
