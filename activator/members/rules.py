"""Who may do what with organisations and memberships: the one place this is decided."""

import rules

from activator.accounts.predicates import (
    is_regional_staff,
    is_regional_staff_for,
    is_secretariat,
    represents,
    served_region_ids,
)
from activator.core.models import CountryRegion


@rules.predicate
def is_regional_staff_for_application(user, application) -> bool:
    if application is None:
        return False
    region_ids = set(
        CountryRegion.objects.filter(country=application.country.code).values_list(
            "region_id", flat=True
        )
    )
    return bool(region_ids & served_region_ids(user))


is_network_staff = is_secretariat | is_regional_staff

rules.add_perm("members.add_organisation", is_network_staff)
rules.add_perm("members.change_organisation", is_secretariat | is_regional_staff_for | represents)
rules.add_perm("members.manage_membership", is_secretariat | is_regional_staff_for)
rules.add_perm(
    "members.view_membership_history", is_secretariat | is_regional_staff_for | represents
)
rules.add_perm("members.view_audit", is_secretariat | is_regional_staff_for)
rules.add_perm("members.view_audit_trail", is_secretariat)
rules.add_perm("members.import_organisations", is_secretariat)
rules.add_perm("members.export_organisations", is_network_staff)
rules.add_perm("members.list_applications", is_network_staff)
rules.add_perm("members.review_application", is_secretariat | is_regional_staff_for_application)
rules.add_perm("members.manage_governance", is_secretariat)
rules.add_perm("members.invite_person", is_secretariat | is_regional_staff_for)
