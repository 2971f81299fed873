"""The named facts that permissions are built from (see each app's rules.py)."""

import rules

from activator.accounts.enums import AffiliationRole


@rules.predicate
def is_secretariat(user) -> bool:
    return bool(user.is_authenticated and user.is_secretariat)


@rules.predicate
def is_regional_staff(user) -> bool:
    return bool(user.is_authenticated and user.is_regional_staff)


def served_region_ids(user) -> set[int]:
    """The regions a regional officer's office serves, read once per request-held user."""
    if not (user.is_authenticated and user.is_regional_staff):
        return set()
    if not hasattr(user, "_served_region_ids"):
        user._served_region_ids = set(user.regional_office.regions.values_list("id", flat=True))
    return user._served_region_ids


def represented_organisation_ids(user) -> set[int]:
    if not user.is_authenticated:
        return set()
    if not hasattr(user, "_represented_ids"):
        user._represented_ids = set(
            user.affiliations.filter(role=AffiliationRole.REPRESENTATIVE).values_list(
                "organisation_id", flat=True
            )
        )
    return user._represented_ids


@rules.predicate
def is_regional_staff_for(user, organisation) -> bool:
    return organisation is not None and organisation.region_id in served_region_ids(user)


@rules.predicate
def represents(user, organisation) -> bool:
    return organisation is not None and organisation.pk in represented_organisation_ids(user)


@rules.predicate
def is_reviewer(user) -> bool:
    return bool(user.is_authenticated and user.is_active and user.platform_role == "reviewer")


def affiliated_organisation_ids(user) -> set[int]:
    """Every organisation the person belongs to, as representative or contact."""
    if not user.is_authenticated:
        return set()
    if not hasattr(user, "_affiliated_ids"):
        user._affiliated_ids = set(user.affiliations.values_list("organisation_id", flat=True))
    return user._affiliated_ids


def is_network_member(user) -> bool:
    """Staff of the network, or a person of any organisation in it."""
    if not user.is_authenticated:
        return False
    return bool(user.is_secretariat or user.is_regional_staff or affiliated_organisation_ids(user))


@rules.predicate
def belongs_to(user, organisation) -> bool:
    return organisation is not None and organisation.pk in affiliated_organisation_ids(user)
