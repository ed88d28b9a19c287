"""URL routes: the Wagtail admin, documents, the APIs; pages themselves render on the frontend."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from wagtail import urls as wagtail_urls
from wagtail import views as wagtail_views
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls
from wagtail.documents.views import serve as wagtaildocs_serve

from cms import documents, ops
from cms.signin import throttled_password_form
from news import headless

# Wagtail's password forms of restricted pages and documents, throttled (cms/signin.py); the
# same paths as Wagtail's, listed before Wagtail's own so that these answer.
page_password = throttled_password_form("page-restriction", "page_view_restriction_id")(
    wagtail_views.authenticate_with_password
)
document_password = throttled_password_form("document-restriction", "restriction_id")(
    wagtaildocs_serve.authenticate_with_password
)

urlpatterns = [
    path("healthz", ops.healthz, name="healthz"),
    path("readyz", ops.readyz, name="readyz"),
    path("django-admin/", admin.site.urls),
    path("admin/", include(wagtailadmin_urls)),
    # Wagtail's serve view (restrictions checked) with Cache-Control; before Wagtail's own.
    re_path(r"^documents/(\d+)/(.*)$", documents.serve, name="wagtaildocs_serve"),
    path("documents/authenticate_with_password/<int:restriction_id>/", document_password),
    path("documents/", include(wagtaildocs_urls)),
    path("api/", include("cms.api.urls")),
    path("headless/userbar/", headless.userbar, name="headless-userbar"),
]

if settings.DEBUG:
    from django.contrib.staticfiles.urls import staticfiles_urlpatterns

    from cms.media import media_urlpatterns

    urlpatterns += staticfiles_urlpatterns()
    # Media with nosniff, SVG with a Content-Security-Policy (cms/media.py); documents only
    # through the serve view above, which checks collection restrictions.
    urlpatterns += media_urlpatterns()

urlpatterns += [
    path(
        "_util/authenticate_with_password/<int:page_view_restriction_id>/<int:page_id>/",
        page_password,
    ),
    path("", include(wagtail_urls)),
]
