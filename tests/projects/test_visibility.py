"""A project shown only to its organisation never leaks: not in the catalog, the API or search.

Every persona asks every surface that lists or searches projects, by words and by facet.
"""

import pytest
from django.test import Client
from django.urls import reverse

from activator.accounts.services import api_token_create

pytestmark = pytest.mark.django_db

PERSONAS = [
    None,
    "citizen",
    "reviewer",
    "other_representative",
    "regional_officer",
    "staff",
    "contact",
    "representative",
]
INSIDERS = {"contact", "representative"}
NETWORK = {"other_representative", "regional_officer", "staff", *INSIDERS}
SECRET = "Zanzibarian lighthouse"


@pytest.fixture
def projects(city, make_project, taxonomy, staff):
    traffic = taxonomy["sectors"][0]
    return {
        visibility: make_project(
            city,
            title=f"{SECRET} {visibility}",
            summary=f"{SECRET} kept at {visibility} level.",
            visibility=visibility,
            sectors=[traffic],
            publish=visibility == "public",
        )
        for visibility in ("organisation", "members", "public")
    }


def surfaces(client: Client, headers: dict[str, str]) -> dict[str, str]:
    """What each listing answers to a search by words and to a search by facet."""
    words = {"q": "zanzibarian lighthouse"}
    facet = {"sector": "traffic-management"}
    answers = {}
    for name, url in [
        ("catalog page", reverse("projects:catalog")),
        ("catalog API", "/api/v1/catalog"),
        ("projects API", "/api/v1/projects"),
        ("catalog CSV", reverse("projects:catalog_export")),
    ]:
        for label, params in (("words", words), ("facet", facet)):
            response = client.get(url, params, headers=headers)
            assert response.status_code == 200, (name, label, response.status_code)
            body = response.getvalue().decode() if response.streaming else response.content.decode()
            answers[f"{name} by {label}"] = body
    return answers


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
@pytest.mark.parametrize("via_token", [False, True])
def test_projects_appear_only_where_their_visibility_allows(persona, via_token, projects, request):
    client, headers = Client(), {}
    if persona is not None:
        if via_token:
            headers["Authorization"] = f"Bearer {api_token_create(user=persona, name='t')[1]}"
        else:
            client.force_login(persona)
    name = request.node.callspec.params["persona"]
    for surface, body in surfaces(client, headers).items():
        in_catalog = surface.startswith("catalog")
        signed_in = persona is not None and (not via_token or "API" in surface)
        sees_members = signed_in and name in NETWORK and not in_catalog
        sees_private = signed_in and name in INSIDERS and not in_catalog
        assert (f"{SECRET} public" in body) is True, surface
        assert (f"{SECRET} members" in body) is sees_members, (surface, name)
        assert (f"{SECRET} organisation" in body) is sees_private, (surface, name)
    # The project's own page answers 404, not 403, to whoever may not see it.
    private = projects["organisation"]
    response = client.get(private.get_absolute_url())
    if name in INSIDERS and not via_token:
        assert response.status_code == 200
    elif persona is None or via_token:
        assert response.status_code in (302, 404)  # to the login page, or not found
    else:
        assert response.status_code == 404
    response = client.get(f"/api/v1/projects/{private.slug}", headers=headers)
    assert response.status_code == (200 if name in INSIDERS else 404)
