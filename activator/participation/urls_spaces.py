"""Pages of the spaces: /participate/ and /participate/<space>/…"""

from django.urls import path, register_converter

from activator.participation import views_spaces as views
from activator.participation.services_spaces import RESERVED_SLUGS


class SpaceSlugConverter:
    """A space's slug; the words other participation pages start with are not one, so those
    pages (/participate/notifications/, /participate/flag/, …) are reached whatever the order."""

    regex = "[-a-zA-Z0-9_]+"

    def to_python(self, value: str) -> str:
        if value in RESERVED_SLUGS:
            raise ValueError(value)
        return value

    def to_url(self, value: str) -> str:
        if value in RESERVED_SLUGS:
            raise ValueError(value)
        return value


register_converter(SpaceSlugConverter, "space")

urlpatterns = [
    path("", views.spaces, name="spaces"),
    path("new/", views.space_new, name="space_new"),
    path("<space:space>/", views.space, name="space"),
    path("<space:space>/join/", views.join, name="join"),
    path("<space:space>/join/confirm/<str:token>/", views.join_confirm, name="join_confirm"),
    path("<space:space>/leave/", views.leave, name="leave"),
    path("<space:space>/notifications/", views.notifications, name="space_notifications"),
    path("<space:space>/manage/", views.space_manage, name="space_manage"),
    path("<space:space>/participants/", views.participants, name="participants"),
    path("<space:space>/report/", views.report_problem, name="report_problem"),
]
