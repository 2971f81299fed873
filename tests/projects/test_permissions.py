"""Who may see and change projects: every role against every action, on every visibility.

The project belongs to `city` (Seoul, Asia-Pacific): `representative` and `contact` are its
people, `regional_officer` serves Asia-Pacific and `africa_officer` serves Africa only;
`other_representative` acts for Abuja. Refused actions answer 403 when the person sees the
project, 404 when they do not (an organisation-only project is hidden even from staff); an
anonymous visitor sees public projects and is sent to log in to change anything. In every case
nothing changes.
"""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from activator.accounts.enums import PlatformRole
from activator.projects.models import Project, ProjectPartner
from tests.factories import RegionalOfficeFactory, UserFactory

pytestmark = pytest.mark.django_db

PERSONAS = [
    None,
    "citizen",
    "reviewer",
    "contact",
    "representative",
    "other_representative",
    "regional_officer",
    "africa_officer",
    "staff",
]
NETWORK = {
    "contact",
    "representative",
    "other_representative",
    "regional_officer",
    "africa_officer",
    "staff",
}
VISIBILITIES = ["organisation", "members", "public"]
MAY_VIEW = {
    "organisation": {"contact", "representative"},
    "members": NETWORK,
    "public": set(PERSONAS),
}
MAY_CHANGE = {
    "organisation": {"representative"},
    "members": {"representative", "regional_officer", "staff"},
    "public": {"representative", "regional_officer", "staff"},
}


@pytest.fixture
def africa_officer(africa):
    office = RegionalOfficeFactory(name="Africa Regional Office", regions=[africa])
    return UserFactory(
        email="africa-officer@example.org",
        platform_role=PlatformRole.REGIONAL_STAFF,
        regional_office=office,
    )


@pytest.fixture
def cast(request, city, representative, contact, other_representative):
    """Everybody exists in every test, so each sees the same world; returns the persona."""

    def resolve(persona):
        return AnonymousUser() if persona is None else request.getfixturevalue(persona)

    return resolve


@pytest.fixture
def project_of(city, make_project):
    def make(visibility):
        return make_project(city, title="Smart parking pilot", visibility=visibility)

    return make


def act_as(client, user):
    if user.is_authenticated:
        client.force_login(user)


def assert_refused(response, persona, visibility):
    """The refusal a person gets: login for the anonymous, 404 if hidden, 403 if seen."""
    if persona is None:
        assert response.status_code == 302
        assert response.url.startswith(reverse("accounts:login"))
    elif persona in MAY_VIEW[visibility]:
        assert response.status_code == 403
    else:
        assert response.status_code == 404


@pytest.mark.parametrize("visibility", VISIBILITIES)
@pytest.mark.parametrize("persona", PERSONAS)
def test_rules(cast, project_of, persona, visibility):
    user = cast(persona)
    project = project_of(visibility)
    assert user.has_perm("projects.view_project", project) is (persona in MAY_VIEW[visibility])
    assert user.has_perm("projects.change_project", project) is (persona in MAY_CHANGE[visibility])


@pytest.mark.parametrize("visibility", VISIBILITIES)
@pytest.mark.parametrize("persona", PERSONAS)
def test_view_page(client, cast, project_of, persona, visibility):
    user = cast(persona)
    project = project_of(visibility)
    act_as(client, user)
    response = client.get(project.get_absolute_url())
    if persona in MAY_VIEW[visibility]:
        assert response.status_code == 200
        html = response.content.decode()
        assert "Smart parking pilot" in html
        assert ("Add a partner" in html) is (persona in MAY_CHANGE[visibility])
    else:
        assert response.status_code == 404
        assert "Smart parking pilot" not in response.content.decode()


@pytest.mark.parametrize("visibility", VISIBILITIES)
@pytest.mark.parametrize("persona", PERSONAS)
def test_edit(client, cast, project_of, persona, visibility):
    user = cast(persona)
    project = project_of(visibility)
    act_as(client, user)
    response = client.post(
        reverse("projects:edit", args=[project.slug]),
        {
            "title": "Smart parking pilot",
            "summary": "Changed by someone",
            "stage": "pilot",
            "budget_currency": "USD",
            "visibility": visibility,
        },
    )
    project.refresh_from_db()
    if persona in MAY_CHANGE[visibility]:
        assert response.status_code == 302
        assert (project.summary, project.stage) == ("Changed by someone", "pilot")
    else:
        assert_refused(response, persona, visibility)
        assert (project.summary, project.stage) == ("Parking sensors on the main streets.", "idea")


@pytest.mark.parametrize("visibility", VISIBILITIES)
@pytest.mark.parametrize("persona", PERSONAS)
def test_publish(client, cast, project_of, persona, visibility):
    user = cast(persona)
    project = project_of(visibility)
    act_as(client, user)
    response = client.post(reverse("projects:publish", args=[project.slug]))
    project.refresh_from_db()
    if persona in MAY_CHANGE[visibility]:
        assert response.status_code == 302
        assert project.is_published and project.visibility == "public"
    else:
        assert_refused(response, persona, visibility)
        assert not project.is_published and project.visibility == visibility


@pytest.mark.parametrize("visibility", VISIBILITIES)
@pytest.mark.parametrize("persona", PERSONAS)
def test_add_partner(client, cast, project_of, persona, visibility):
    user = cast(persona)
    project = project_of(visibility)
    act_as(client, user)
    response = client.post(
        reverse("projects:partner_add", args=[project.slug]),
        {"partner-name": "KAIST", "partner-role": "academia"},
    )
    added = ProjectPartner.objects.filter(project=project, name="KAIST").exists()
    if persona in MAY_CHANGE[visibility]:
        assert response.status_code == 302 and added
    else:
        assert_refused(response, persona, visibility)
        assert not added


@pytest.mark.parametrize("visibility", VISIBILITIES)
@pytest.mark.parametrize("persona", PERSONAS)
def test_history_and_delete(client, cast, project_of, persona, visibility):
    user = cast(persona)
    project = project_of(visibility)
    act_as(client, user)
    history = client.get(reverse("projects:history", args=[project.slug]))
    response = client.post(reverse("projects:delete", args=[project.slug]))
    exists = Project.objects.filter(pk=project.pk).exists()
    if persona in MAY_CHANGE[visibility]:
        assert history.status_code == 200
        assert response.status_code == 302 and not exists
    else:
        assert_refused(history, persona, visibility)
        assert_refused(response, persona, visibility)
        assert exists


def test_staff_do_not_see_an_organisation_only_project(client, project_of, staff, representative):
    project = project_of("organisation")
    client.force_login(staff)
    assert client.get(project.get_absolute_url()).status_code == 404
    listed = client.get(reverse("projects:list")).context["projects"]
    assert project not in list(listed)
    client.force_login(representative)
    assert project in list(client.get(reverse("projects:list")).context["projects"])


@pytest.mark.parametrize("persona", PERSONAS)
def test_starting_a_project(cast, city, other_city, persona, africa_officer):
    user = cast(persona)
    may_add_for_city = {"representative", "regional_officer", "staff"}
    may_add_for_other = {"other_representative", "africa_officer", "staff"}
    assert user.has_perm("projects.add_project", city) is (persona in may_add_for_city)
    assert user.has_perm("projects.add_project", other_city) is (persona in may_add_for_other)
    assert user.has_perm("projects.start_any_project") is (
        persona in {"regional_officer", "africa_officer", "staff"}
    )
    assert user.has_perm("projects.manage_templates") is (persona == "staff")
