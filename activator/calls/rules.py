"""Who may see and do what with calls, applications and reviews: the one place this is decided.

The Secretariat manages every call; regional office staff manage the calls their office runs.
Applicants see their own applications (and their organisation's representatives see the
organisation's); reviewers see only the reviews assigned to them.
"""

import rules

from activator.accounts.predicates import (
    belongs_to,
    is_regional_staff,
    is_secretariat,
    represents,
)
from activator.calls.enums import CallStatus


@rules.predicate
def manages_call(user, call) -> bool:
    if call is None or not user.is_authenticated:
        return False
    if user.is_secretariat:
        return True
    return bool(
        user.is_regional_staff
        and call.office_id is not None
        and call.office_id == user.regional_office_id
    )


@rules.predicate
def call_is_published(user, call) -> bool:
    return call is not None and call.status != CallStatus.DRAFT


@rules.predicate
def results_are_public(user, call) -> bool:
    return call is not None and call.results_published_at is not None


@rules.predicate
def owns_application(user, application) -> bool:
    """The person who applied, or anyone of the organisation it applied for."""
    if application is None or not user.is_authenticated:
        return False
    return application.applicant_id == user.pk or belongs_to(user, application.organisation)


@rules.predicate
def acts_for_application(user, application) -> bool:
    """The applicant, or a representative of the organisation (who may take over the file)."""
    if application is None or not user.is_authenticated:
        return False
    return application.applicant_id == user.pk or represents(user, application.organisation)


@rules.predicate
def manages_application_call(user, application) -> bool:
    return application is not None and manages_call(user, application.call)


@rules.predicate
def is_assigned_reviewer(user, review) -> bool:
    return review is not None and user.is_authenticated and review.reviewer_id == user.pk


@rules.predicate
def sits_in_pool(user, review_round) -> bool:
    if review_round is None or not user.is_authenticated:
        return False
    return review_round.pool.filter(reviewer=user).exists()


@rules.predicate
def manages_round_call(user, review_round) -> bool:
    return review_round is not None and manages_call(user, review_round.call)


rules.add_perm("calls.add_call", is_secretariat | is_regional_staff)
rules.add_perm("calls.view_call", call_is_published | manages_call)
rules.add_perm("calls.manage_call", manages_call)
rules.add_perm("calls.view_results", results_are_public | manages_call)
rules.add_perm("calls.view_application", owns_application | manages_application_call)
rules.add_perm("calls.change_application", acts_for_application)
rules.add_perm("calls.review", is_assigned_reviewer)
rules.add_perm("calls.bid", sits_in_pool)
rules.add_perm("calls.manage_round", manages_round_call)
