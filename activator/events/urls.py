from django.urls import path

from activator.events import (
    views,
    views_agenda,
    views_governance,
    views_manage,
    views_registration,
)

app_name = "events"

urlpatterns = [
    # The calendar (views.py).
    path("events/", views.event_list, name="list"),
    path("events/calendar/", views.month, name="calendar"),
    path("events/statistics/", views.statistics, name="statistics"),
    path("events/feed.ics", views.feed, name="feed"),
    path("events/documents/<int:pk>/", views.document, name="document"),
    # Staff set-up (views_manage.py).
    path("events/new/", views_manage.create, name="create"),
    path("events/<slug:slug>/edit/", views_manage.edit, name="edit"),
    path("events/<slug:slug>/status/", views_manage.change_status, name="status"),
    path("events/<slug:slug>/documents/", views_manage.documents, name="documents"),
    path("events/<slug:slug>/photos/", views_manage.photos, name="photos"),
    # Registration (views_registration.py).
    path("events/mine/", views_registration.my_events, name="mine"),
    path(
        "events/certificates/<str:code>/",
        views_registration.certificate_verify,
        name="certificate_verify",
    ),
    path(
        "events/certificates/<str:code>/pdf/",
        views_registration.certificate_pdf,
        name="certificate",
    ),
    path("events/<slug:slug>/register/", views_registration.register, name="register"),
    path("events/<slug:slug>/cancel/", views_registration.cancel, name="cancel"),
    path("events/<slug:slug>/questions/", views_registration.questions, name="questions"),
    path(
        "events/<slug:slug>/registrations/", views_registration.registrations, name="registrations"
    ),
    path(
        "events/<slug:slug>/registrations/<int:pk>/<str:action>/",
        views_registration.registration_action,
        name="registration_action",
    ),
    path("events/<slug:slug>/check-in/", views_registration.check_in, name="check_in"),
    path(
        "events/<slug:slug>/certificates/",
        views_registration.certificates_issue,
        name="certificates_issue",
    ),
    # Agenda (views_agenda.py).
    path("events/mine/agenda.ics", views_agenda.my_agenda_ics, name="my_agenda_ics"),
    path("events/sessions/<int:pk>/pick/", views_agenda.session_pick, name="session_pick"),
    path("events/<slug:slug>/agenda/", views_agenda.agenda, name="agenda"),
    path("events/<slug:slug>/agenda/edit/", views_agenda.agenda_edit, name="agenda_edit"),
    # Governance meetings (views_governance.py).
    path("events/governance/", views_governance.governance, name="governance"),
    path("events/motions/<int:pk>/", views_governance.motion, name="motion"),
    path("events/motions/<int:pk>/vote/", views_governance.vote, name="vote"),
    path(
        "events/motions/<int:pk>/<str:action>/",
        views_governance.motion_action,
        name="motion_action",
    ),
    path("events/<slug:slug>/meeting/", views_governance.meeting, name="meeting"),
    path("events/<slug:slug>/meeting/edit/", views_governance.meeting_edit, name="meeting_edit"),
    # Last: any other single word is an event's address.
    path("events/<slug:slug>/", views.detail, name="detail"),
    path("events/<slug:slug>/event.ics", views.event_ics, name="ics"),
]
