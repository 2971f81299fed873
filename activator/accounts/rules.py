"""Who may do what with people and their roles."""

import rules

from activator.accounts.predicates import is_secretariat


@rules.predicate
def is_self(user, person) -> bool:
    return person is not None and user.is_authenticated and user.pk == person.pk


rules.add_perm("accounts.change_platform_role", is_secretariat)
rules.add_perm("accounts.view_person", is_secretariat | is_self)
rules.add_perm("accounts.manage_tokens", rules.is_authenticated)
