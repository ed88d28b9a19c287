"""URL routes: the Wagtail admin, documents, the APIs; pages themselves render on the frontend."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from cms import documents, ops

urlpatterns = [
    path("healthz", ops.healthz, name="healthz"),
    path("readyz", ops.readyz, name="readyz"),
    path("django-admin/", admin.site.urls),
    path("admin/", include(wagtailadmin_urls)),
    # Wagtail's serve view (restrictions checked) with Cache-Control; before Wagtail's own.
    re_path(r"^documents/(\d+)/(.*)$", documents.serve, name="wagtaildocs_serve"),
    path("documents/", include(wagtaildocs_urls)),
    path("api/", include("cms.api.urls")),
]

if settings.DEBUG:
    from django.contrib.staticfiles.urls import staticfiles_urlpatterns
    from django.views.static import serve as serve_media

    urlpatterns += staticfiles_urlpatterns()
    if settings.MEDIA_URL.startswith("/"):
        # Images and renditions only: documents go through the serve view above, which
        # checks collection restrictions (never /media/documents/<name>).
        prefix = settings.MEDIA_URL.strip("/")
        urlpatterns.append(
            re_path(
                rf"^{prefix}/(?!documents/)(?P<path>.*)$",
                serve_media,
                {"document_root": settings.MEDIA_ROOT},
            )
        )

urlpatterns += [path("", include(wagtail_urls))]
