"""URL routes: the Wagtail admin, documents, the APIs; pages themselves render on the frontend."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from cms import ops

urlpatterns = [
    path("healthz", ops.healthz, name="healthz"),
    path("readyz", ops.readyz, name="readyz"),
    path("django-admin/", admin.site.urls),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("api/", include("cms.api.urls")),
]

if settings.DEBUG:
    from django.contrib.staticfiles.urls import staticfiles_urlpatterns

    from cms.media import media_urlpatterns

    urlpatterns += staticfiles_urlpatterns()
    # Media with nosniff, and SVG with a Content-Security-Policy (cms/media.py).
    urlpatterns += media_urlpatterns()

urlpatterns += [path("", include(wagtail_urls))]
