"""Who may see and do what with the index: the one place this is decided.

A city's assessment is its own until submitted: only its people and the network's staff see a
draft. Experts named on an assessment see and verify it once submitted. Results are public when
staff publish them; a city always sees its own report.
"""

import rules

from activator.accounts.predicates import (
    belongs_to,
    is_regional_staff_for,
    is_secretariat,
    represents,
)


def _organisation(obj):
    return getattr(obj, "organisation", None)


@rules.predicate
def staff_for_city(user, obj) -> bool:
    """The Secretariat, or regional staff of the city's region (obj: assessment or result)."""
    organisation = _organisation(obj)
    if organisation is None:
        return False
    return bool(is_secretariat(user) or is_regional_staff_for(user, organisation))


@rules.predicate
def of_the_city(user, obj) -> bool:
    return belongs_to(user, _organisation(obj))


@rules.predicate
def represents_the_city(user, obj) -> bool:
    return represents(user, _organisation(obj))


@rules.predicate
def is_submitted(user, assessment) -> bool:
    return assessment is not None and assessment.is_submitted


@rules.predicate
def is_named_expert(user, assessment) -> bool:
    if assessment is None or not user.is_authenticated:
        return False
    return assessment.experts.filter(pk=user.pk).exists()


@rules.predicate
def is_published(user, result) -> bool:
    """obj: a ResultSet, or a CityResult (its set decides)."""
    result_set = getattr(result, "result_set", result)
    return result_set is not None and result_set.published_at is not None


@rules.predicate
def may_start_for(user, organisation) -> bool:
    """obj: the organisation the assessment would be for."""
    return bool(
        represents(user, organisation)
        or is_secretariat(user)
        or is_regional_staff_for(user, organisation)
    )


rules.add_perm("index.start_assessment", may_start_for)
rules.add_perm(
    "index.view_assessment",
    of_the_city | staff_for_city | (is_submitted & is_named_expert),
)
rules.add_perm("index.change_assessment", represents_the_city | staff_for_city)
# Once submitted there is nothing left to submit: the city answers queries through changes.
rules.add_perm("index.submit_assessment", ~is_submitted & (represents_the_city | staff_for_city))
rules.add_perm("index.verify_assessment", is_submitted & (staff_for_city | is_named_expert))
rules.add_perm("index.reopen_assessment", is_submitted & staff_for_city)
rules.add_perm("index.name_experts", staff_for_city)
# A result set has no city, so staff_for_city never holds for it: the Secretariat sees it anyway.
rules.add_perm("index.view_report", is_published | of_the_city | staff_for_city | is_secretariat)
rules.add_perm("index.view_result_set", is_published | is_secretariat)
rules.add_perm("index.manage_results", is_secretariat)
rules.add_perm("index.import_values", is_secretariat)
rules.add_perm("index.import_framework", is_secretariat)
