"""Who may see and do what with events, registrations and meetings: the one place this is decided.

The Secretariat manages every event; regional office staff manage the events their office runs.
Everyone sees published events. Who may take part follows the audience: anyone with an account
for public events, people of the network for members-only events, and for invitation-only events
anyone may ask and staff approve. A registration is seen by its person and the event's managers.
Votes are cast by a member's representative for the member (see `services_governance`).
"""

import rules

from activator.accounts.predicates import (
    is_network_member,
    is_regional_staff,
    is_secretariat,
    represented_organisation_ids,
)
from activator.events.enums import (
    Audience,
    DocumentAccess,
    EventStatus,
    RegistrationMode,
    RegistrationStatus,
)


@rules.predicate
def manages_event(user, event) -> bool:
    if event is None or not user.is_authenticated:
        return False
    if user.is_secretariat:
        return True
    return bool(
        user.is_regional_staff
        and event.office_id is not None
        and event.office_id == user.regional_office_id
    )


@rules.predicate
def event_is_visible(user, event) -> bool:
    return event is not None and event.status != EventStatus.DRAFT


@rules.predicate
def audience_admits(user, event) -> bool:
    """The person may take part (or, for invitation-only events, ask to)."""
    if event is None or not user.is_authenticated or event.status != EventStatus.PUBLISHED:
        return False
    if event.audience == Audience.MEMBERS:
        return is_network_member(user)
    return True


def registration_of(user, event):
    """The person's registration for the event, read once per request-held user."""
    if not user.is_authenticated or event is None:
        return None
    cache = user.__dict__.setdefault("_event_registrations", {})
    if event.pk not in cache:
        cache[event.pk] = event.registrations.filter(person=user).first()
    return cache[event.pk]


@rules.predicate
def is_confirmed_participant(user, event) -> bool:
    registration = registration_of(user, event)
    return registration is not None and registration.status == RegistrationStatus.CONFIRMED


@rules.predicate
def may_join_without_registering(user, event) -> bool:
    """Events without registration: whoever the audience admits may follow the online link."""
    if event is None or event.registration != RegistrationMode.NONE:
        return False
    if event.audience == Audience.PUBLIC:
        return user.is_authenticated and event.status == EventStatus.PUBLISHED
    return audience_admits(user, event) and event.audience == Audience.MEMBERS


@rules.predicate
def owns_registration(user, registration) -> bool:
    return registration is not None and user.is_authenticated and registration.person_id == user.pk


@rules.predicate
def manages_registration_event(user, registration) -> bool:
    return registration is not None and manages_event(user, registration.event)


@rules.predicate
def document_is_readable(user, document) -> bool:
    if document is None or not event_is_visible(user, document.event):
        return False
    if document.access == DocumentAccess.PUBLIC:
        return True
    if document.access == DocumentAccess.PARTICIPANTS:
        return is_confirmed_participant(user, document.event)
    return False


@rules.predicate
def manages_document_event(user, document) -> bool:
    return document is not None and manages_event(user, document.event)


@rules.predicate
def manages_meeting(user, meeting) -> bool:
    return meeting is not None and manages_event(user, meeting.event)


@rules.predicate
def minutes_are_public(user, meeting) -> bool:
    return (
        meeting is not None
        and meeting.minutes_published_at is not None
        and event_is_visible(user, meeting.event)
    )


@rules.predicate
def represents_any_member(user) -> bool:
    return bool(represented_organisation_ids(user))


rules.add_perm("events.add_event", is_secretariat | is_regional_staff)
rules.add_perm("events.view_event", event_is_visible | manages_event)
rules.add_perm("events.manage_event", manages_event)
rules.add_perm("events.register", audience_admits)
rules.add_perm(
    "events.join_online", manages_event | is_confirmed_participant | may_join_without_registering
)
rules.add_perm("events.view_registration", owns_registration | manages_registration_event)
rules.add_perm("events.cancel_registration", owns_registration | manages_registration_event)
rules.add_perm("events.manage_registration", manages_registration_event)
rules.add_perm("events.view_document", document_is_readable | manages_document_event)
rules.add_perm("events.manage_meeting", manages_meeting)
rules.add_perm("events.view_minutes", minutes_are_public | manages_meeting)
rules.add_perm("events.vote", represents_any_member)


@rules.predicate
def may_keep_agenda(user, event) -> bool:
    """Personal agendas: confirmed participants of an event with registration; for an event
    without registration, whoever its audience admits (invitation-only events have none)."""
    if event is None or not user.is_authenticated or event.status != EventStatus.PUBLISHED:
        return False
    if event.registration == RegistrationMode.NONE:
        return event.audience != Audience.INVITATION and audience_admits(user, event)
    return is_confirmed_participant(user, event)


rules.add_perm("events.pick_session", may_keep_agenda)
