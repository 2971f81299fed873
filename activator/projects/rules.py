"""Who may see and change projects: the one place this is decided.

"Organisation only" means exactly that: only the organisation's own people see such a project,
network staff included. Staff act on every project they can see; regional staff on those of
their region's members.
"""

import rules

from activator.accounts.predicates import (
    belongs_to,
    is_network_member,
    is_regional_staff,
    is_regional_staff_for,
    is_secretariat,
    represents,
)
from activator.projects.enums import Visibility


@rules.predicate
def can_see_project(user, project) -> bool:
    if project is None:
        return False
    if project.visibility == Visibility.PUBLIC:
        return True
    if project.visibility == Visibility.MEMBERS and is_network_member(user):
        return True
    return belongs_to(user, project.organisation)


@rules.predicate
def acts_for_project_owner(user, project) -> bool:
    if project is None:
        return False
    organisation = project.organisation
    return bool(
        is_secretariat(user)
        or is_regional_staff_for(user, organisation)
        or represents(user, organisation)
    )


rules.add_perm("projects.view_project", can_see_project)
rules.add_perm("projects.change_project", can_see_project & acts_for_project_owner)
# Checked against the organisation the project is for.
rules.add_perm("projects.add_project", is_secretariat | is_regional_staff_for | represents)
rules.add_perm("projects.start_any_project", is_secretariat | is_regional_staff)
rules.add_perm("projects.manage_templates", is_secretariat)
