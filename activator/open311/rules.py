"""Who may triage service requests: the one place this is decided.

The Secretariat triages every city's requests; regional office staff those of the cities their
office serves; a city's representatives those of their own city. Anyone with a request's token
follows its status on the public tracking page, which shows no personal data.
"""

import rules

from activator.accounts.predicates import (
    is_regional_staff,
    is_regional_staff_for,
    is_secretariat,
    represented_organisation_ids,
    represents,
)


@rules.predicate
def represents_any_member(user) -> bool:
    return bool(represented_organisation_ids(user))


@rules.predicate
def triages_jurisdiction(user, jurisdiction) -> bool:
    if jurisdiction is None or not user.is_authenticated:
        return False
    city = jurisdiction.organisation
    return bool(is_secretariat(user) or is_regional_staff_for(user, city) or represents(user, city))


@rules.predicate
def triages_request(user, service_request) -> bool:
    return service_request is not None and triages_jurisdiction(user, service_request.jurisdiction)


rules.add_perm("open311.view_triage", is_secretariat | is_regional_staff | represents_any_member)
# The main menu links the triage list for staff only: a query-free check on every page.
rules.add_perm("open311.staff_menu", is_secretariat | is_regional_staff)
rules.add_perm("open311.triage_jurisdiction", triages_jurisdiction)
rules.add_perm("open311.triage_request", triages_request)
