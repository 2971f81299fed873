"""Debates, comments, surveys, following and notifications under /participate/."""

from django.urls import path

from activator.participation import views_discussion as views

PROCESS = "<slug:space>/processes/<slug:process>/"

urlpatterns = [
    path(f"{PROCESS}debates/", views.debate_list, name="debates"),
    path(f"{PROCESS}debates/new/", views.debate_new, name="debate_new"),
    path(f"{PROCESS}debates/<int:pk>/", views.debate_detail, name="debate"),
    path(f"{PROCESS}debates/<int:pk>/close/", views.debate_close, name="debate_close"),
    path("comments/new/", views.comment_new, name="comment_new"),
    path(f"{PROCESS}surveys/", views.survey_list, name="surveys"),
    path(f"{PROCESS}surveys/new/", views.survey_new, name="survey_new"),
    path(f"{PROCESS}surveys/<int:pk>/", views.survey_detail, name="survey"),
    path(f"{PROCESS}surveys/<int:pk>/edit/", views.survey_edit, name="survey_edit"),
    path(f"{PROCESS}surveys/<int:pk>/results/", views.survey_results, name="survey_results"),
    path(
        f"{PROCESS}surveys/<int:pk>/results.csv",
        views.survey_results_csv,
        name="survey_results_csv",
    ),
    path("follow/", views.follow, name="follow"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/read/", views.notifications_read, name="notifications_read"),
    path("notifications/mode/", views.notification_mode, name="notification_mode"),
    path("notifications/<int:pk>/", views.notification_open, name="notification_open"),
]
