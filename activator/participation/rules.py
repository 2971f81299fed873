"""Who may do what in participation spaces: the one place this is decided.

A space is managed by the Secretariat, the regional office serving the city and the city's
representatives; they and the people named moderators of the space moderate it. Staff (Secretariat
and regional office) set the plan. Taking part needs a verified participant of an open space; the
services add *when* (the process's phase, the space's plan, the rate limits).
"""

import rules

from activator.accounts.predicates import is_regional_staff_for, is_secretariat, represents
from activator.participation.enums import ParticipantStatus, ProcessStatus


def space_of(obj):
    if obj is None:
        return None
    name = obj.__class__.__name__
    if name == "Space":
        return obj
    if name in ("Process",):
        return obj.space
    if name in ("Proposal", "Debate", "Survey"):
        return obj.process.space
    if name == "Comment":
        return (obj.proposal or obj.debate).process.space
    if name == "Participant":
        return obj.space
    return None


@rules.predicate
def is_staff_for_space(user, obj) -> bool:
    space = space_of(obj)
    if space is None or not user.is_authenticated:
        return False
    return bool(is_secretariat(user) or is_regional_staff_for(user, space.organisation))


@rules.predicate
def manages_space(user, obj) -> bool:
    space = space_of(obj)
    if space is None or not user.is_authenticated:
        return False
    return bool(is_staff_for_space(user, space) or represents(user, space.organisation))


@rules.predicate
def moderates_space(user, obj) -> bool:
    space = space_of(obj)
    if space is None or not user.is_authenticated:
        return False
    return manages_space(user, space) or space.moderators.filter(pk=user.pk).exists()


@rules.predicate
def is_verified_participant(user, obj) -> bool:
    space = space_of(obj)
    if space is None or not user.is_authenticated or not user.is_active:
        return False
    return space.participants.filter(user=user, status=ParticipantStatus.VERIFIED).exists()


@rules.predicate
def space_is_open(user, obj) -> bool:
    space = space_of(obj)
    return space is not None and space.is_open


@rules.predicate
def process_is_published(user, process) -> bool:
    return process is not None and process.status == ProcessStatus.PUBLISHED


@rules.predicate
def is_author(user, content) -> bool:
    return content is not None and user.is_authenticated and content.author_id == user.pk


rules.add_perm("participation.set_plan", is_staff_for_space)
rules.add_perm("participation.manage_space", manages_space)
rules.add_perm("participation.moderate", moderates_space)
rules.add_perm("participation.answer_proposal", manages_space)
rules.add_perm("participation.link_project", manages_space)
rules.add_perm("participation.view_process", process_is_published | manages_space)
rules.add_perm("participation.take_part", space_is_open & is_verified_participant)
# The person who wrote hidden content and the moderators still read it; others see the reason.
rules.add_perm("participation.view_hidden", is_author | moderates_space)
rules.add_perm("participation.appeal", is_author)
rules.add_perm("participation.view_survey_results", moderates_space)


# --- Spaces: opening a city's space -----------------------------------------------------------
# The object is the city (an Organisation): only local governments have participation spaces.


@rules.predicate
def is_local_government(user, organisation) -> bool:
    from activator.members.enums import OrganisationType

    return organisation is not None and organisation.type == OrganisationType.LOCAL_GOVERNMENT


rules.add_perm(
    "participation.open_space",
    is_local_government & (is_secretariat | is_regional_staff_for | represents),
)
