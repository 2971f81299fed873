"""Who may do what with members: every role against every action, allowed and refused."""

import pytest

from tests.factories import ApplicationFactory

pytestmark = pytest.mark.django_db

PERSONAS = [None, "citizen", "reviewer", "representative", "regional_officer", "staff"]

# action -> the personas allowed; `city` is in the officer's region and represented by
# `representative`; `other_city` is in another region.
ON_OWN_CITY = {
    "members.change_organisation": {"representative", "regional_officer", "staff"},
    "members.manage_membership": {"regional_officer", "staff"},
    "members.view_membership_history": {"representative", "regional_officer", "staff"},
    "members.view_audit": {"regional_officer", "staff"},
    "members.invite_person": {"regional_officer", "staff"},
    "members.manage_governance": {"staff"},
}
ON_OTHER_CITY = {
    "members.change_organisation": {"staff"},
    "members.manage_membership": {"staff"},
    "members.view_membership_history": {"staff"},
    "members.view_audit": {"staff"},
    "members.invite_person": {"staff"},
    "members.manage_governance": {"staff"},
}
GLOBAL = {
    "members.add_organisation": {"regional_officer", "staff"},
    "members.import_organisations": {"staff"},
    "members.export_organisations": {"regional_officer", "staff"},
    "members.list_applications": {"regional_officer", "staff"},
    "members.view_audit_trail": {"staff"},
    "accounts.change_platform_role": {"staff"},
}


def user_for(request, persona):
    from django.contrib.auth.models import AnonymousUser

    return AnonymousUser() if persona is None else request.getfixturevalue(persona)


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("permission", sorted(ON_OWN_CITY))
def test_permission_on_a_city_in_the_officers_region(
    request, city, other_city, representative, persona, permission
):
    user = user_for(request, persona)
    assert user.has_perm(permission, city) is (persona in ON_OWN_CITY[permission])
    assert user.has_perm(permission, other_city) is (persona in ON_OTHER_CITY[permission])


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("permission", sorted(GLOBAL))
def test_permission_without_an_object(request, city, representative, persona, permission):
    user = user_for(request, persona)
    assert user.has_perm(permission) is (persona in GLOBAL[permission])


@pytest.mark.parametrize("persona", PERSONAS)
def test_review_application_follows_the_applicants_region(
    request, asia, africa, representative, persona
):
    user = user_for(request, persona)
    korean = ApplicationFactory(country="KR")
    nigerian = ApplicationFactory(country="NG")
    assert user.has_perm("members.review_application", korean) is (
        persona in {"regional_officer", "staff"}
    )
    assert user.has_perm("members.review_application", nigerian) is (persona == "staff")


def test_inactive_staff_loses_every_permission(staff, city):
    staff.is_active = False
    staff.save()
    assert not staff.has_perm("members.manage_membership", city)
    assert not staff.has_perm("members.import_organisations")
