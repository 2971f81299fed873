"""Participation pages under /participate/; each part of the app lists its own."""

from activator.participation import urls_discussion, urls_moderation, urls_processes, urls_spaces

app_name = "participation"

urlpatterns = [
    *urls_spaces.urlpatterns,
    *urls_processes.urlpatterns,
    *urls_discussion.urlpatterns,
    *urls_moderation.urlpatterns,
]
