"""Who may see and do what in the Solution Finder: the one place this is decided.

Published solutions and challenges are public, like the catalog; drafts are seen by their
organisation's people and the staff who serve it. A provider's people (representatives and
contacts) keep its solutions; a city's people keep its challenges. Saving or dismissing a match
is done for one side by the people of that side. A conversation is read by the people of the
city and of the provider, and by staff. A Solution Finder request is seen by the city's people
and handled by the Secretariat and the city's regional office. Meetings: see `services_meetings`.
"""

import rules

from activator.accounts.predicates import (
    belongs_to,
    is_regional_staff,
    is_regional_staff_for,
    is_secretariat,
)
from activator.matching.enums import PublicationStatus
from activator.members.enums import OrganisationType


def _keeps(user, organisation) -> bool:
    return bool(
        is_secretariat(user)
        or is_regional_staff_for(user, organisation)
        or belongs_to(user, organisation)
    )


@rules.predicate
def can_see_solution(user, solution) -> bool:
    if solution is None:
        return False
    if solution.status != PublicationStatus.DRAFT:
        return True
    return _keeps(user, solution.provider)


@rules.predicate
def keeps_solution(user, solution) -> bool:
    return solution is not None and _keeps(user, solution.provider)


@rules.predicate
def can_see_challenge(user, challenge) -> bool:
    if challenge is None:
        return False
    if challenge.status != PublicationStatus.DRAFT:
        return True
    return _keeps(user, challenge.city)


@rules.predicate
def keeps_challenge(user, challenge) -> bool:
    return challenge is not None and _keeps(user, challenge.city)


@rules.predicate
def may_offer_solutions(user, organisation) -> bool:
    """Checked against the organisation a new solution is for."""
    return organisation is not None and _keeps(user, organisation)


@rules.predicate
def may_post_challenges(user, organisation) -> bool:
    """Checked against the city a new challenge is for: only local governments post them."""
    return (
        organisation is not None
        and organisation.type == OrganisationType.LOCAL_GOVERNMENT
        and _keeps(user, organisation)
    )


@rules.predicate
def takes_part_in_conversation(user, conversation) -> bool:
    if conversation is None or not user.is_authenticated:
        return False
    return _keeps(user, conversation.challenge.city) or _keeps(user, conversation.solution.provider)


@rules.predicate
def can_see_finder_request(user, request) -> bool:
    if request is None or not user.is_authenticated:
        return False
    application = request.application
    if application.applicant_id == user.pk:
        return True
    return (
        _keeps(user, application.organisation)
        if application.organisation_id
        else bool(is_secretariat(user))
    )


@rules.predicate
def handles_finder_request(user, request) -> bool:
    if request is None or not user.is_authenticated:
        return False
    organisation = request.application.organisation
    return bool(is_secretariat(user) or is_regional_staff_for(user, organisation))


rules.add_perm("matching.view_solution", can_see_solution)
rules.add_perm("matching.change_solution", keeps_solution)
rules.add_perm("matching.add_solution", may_offer_solutions)
rules.add_perm("matching.view_challenge", can_see_challenge)
rules.add_perm("matching.change_challenge", keeps_challenge)
rules.add_perm("matching.add_challenge", may_post_challenges)
# Save, dismiss or start a conversation about a match, for the side the object belongs to:
# checked against the challenge (city side) or the solution (provider side).
rules.add_perm("matching.decide_for_challenge", keeps_challenge)
rules.add_perm("matching.decide_for_solution", keeps_solution)
rules.add_perm("matching.view_conversation", takes_part_in_conversation)
rules.add_perm("matching.view_finder_request", can_see_finder_request | handles_finder_request)
rules.add_perm("matching.handle_finder_request", handles_finder_request)
# The queue of Solution Finder requests: the Secretariat (all) and regional staff (their region).
rules.add_perm("matching.view_finder_queue", is_secretariat | is_regional_staff)


# --- Meetings at events with matchmaking -------------------------------------------------------
# Participants are the people with a confirmed registration; the event's managers run the
# schedule (see `services_meetings`, which checks the same again).


@rules.predicate
def takes_part_in_matchmaking(user, event) -> bool:
    from activator.events.enums import EventStatus
    from activator.events.rules import is_confirmed_participant

    return bool(
        event is not None
        and event.matchmaking
        and event.status == EventStatus.PUBLISHED
        and is_confirmed_participant(user, event)
    )


@rules.predicate
def manages_matchmaking(user, event) -> bool:
    from activator.events.rules import manages_event

    return bool(event is not None and event.matchmaking and manages_event(user, event))


@rules.predicate
def is_asked_to_meet(user, meeting) -> bool:
    return meeting is not None and user.is_authenticated and meeting.recipient_id == user.pk


@rules.predicate
def is_in_meeting(user, meeting) -> bool:
    return (
        meeting is not None
        and user.is_authenticated
        and user.pk in (meeting.requester_id, meeting.recipient_id)
    )


@rules.predicate
def manages_meeting_event(user, meeting) -> bool:
    return meeting is not None and manages_matchmaking(user, meeting.event)


rules.add_perm("matching.take_part_in_matchmaking", takes_part_in_matchmaking)
rules.add_perm("matching.manage_matchmaking", manages_matchmaking)
rules.add_perm("matching.respond_meeting", is_asked_to_meet)
rules.add_perm("matching.cancel_meeting", is_in_meeting | manages_meeting_event)
