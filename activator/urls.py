from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path, re_path

from activator.api import api, api_not_found

urlpatterns = [
    path("", include("activator.core.urls")),
    path("accounts/", include("activator.accounts.urls")),
    path("members/", include("activator.members.urls")),
    path("", include("activator.projects.urls")),
    path("", include("activator.calls.urls")),
    path("", include("activator.index.urls")),
    path("", include("activator.events.urls")),
    path("", include("activator.matching.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
    path("open311/v2/", include("activator.open311.urls_api")),
    path("open311/", include("activator.open311.urls")),
    path("participate/", include("activator.participation.urls")),
    re_path(r"^api/", api_not_found),
    path("admin/", admin.site.urls),
]
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
