from django.urls import path

from activator.matching import views_finder, views_meetings, views_solutions

app_name = "matching"

urlpatterns = [
    # Solutions, challenges, matches and conversations (views_solutions.py).
    path("solutions/", views_solutions.solution_list, name="solutions"),
    path("solutions/new/", views_solutions.solution_create, name="solution_create"),
    path("solutions/<slug:slug>/", views_solutions.solution_detail, name="solution"),
    path("solutions/<slug:slug>/edit/", views_solutions.solution_edit, name="solution_edit"),
    path(
        "solutions/<slug:slug>/matches/", views_solutions.solution_matches, name="solution_matches"
    ),
    path("challenges/", views_solutions.challenge_list, name="challenges"),
    path("challenges/new/", views_solutions.challenge_create, name="challenge_create"),
    path("challenges/<slug:slug>/", views_solutions.challenge_detail, name="challenge"),
    path("challenges/<slug:slug>/edit/", views_solutions.challenge_edit, name="challenge_edit"),
    path(
        "challenges/<slug:slug>/matches/",
        views_solutions.challenge_matches,
        name="challenge_matches",
    ),
    path("matches/decide/", views_solutions.match_decide, name="match_decide"),
    path("conversations/", views_solutions.conversation_list, name="conversations"),
    path("conversations/start/", views_solutions.conversation_start, name="conversation_start"),
    path("conversations/<int:pk>/", views_solutions.conversation_detail, name="conversation"),
    # Solution Finder requests (views_finder.py).
    path("solution-finder/", views_finder.finder_home, name="finder"),
    path("solution-finder/requests/", views_finder.request_list, name="requests"),
    path("solution-finder/requests/<int:pk>/", views_finder.request_detail, name="request"),
    # One-to-one meetings at events with matchmaking (views_meetings.py).
    path("events/<slug:slug>/matchmaking/", views_meetings.event_meetings, name="event_meetings"),
    path(
        "events/<slug:slug>/matchmaking/manage/",
        views_meetings.meetings_manage,
        name="meetings_manage",
    ),
    path("meetings/", views_meetings.my_meetings, name="my_meetings"),
    path("meetings/agenda.ics", views_meetings.my_meetings_ics, name="my_meetings_ics"),
    path("meetings/request/", views_meetings.meeting_request, name="meeting_request"),
    path("meetings/<int:pk>/respond/", views_meetings.meeting_respond, name="meeting_respond"),
    path("meetings/<int:pk>/cancel/", views_meetings.meeting_cancel, name="meeting_cancel"),
]
