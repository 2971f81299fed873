"""The solution pages: the list and its filters, a solution's page, offering and editing one,
its deployments and media, and the challenges matched to it."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from activator.core.models import AuditEntry, Region
from activator.matching import services
from activator.matching.enums import PublicationStatus
from activator.matching.models import Deployment, MatchDecision, Solution, SolutionMedia
from activator.members.enums import OrganisationType
from activator.projects.services import project_unpublish
from tests.factories import MembershipFactory
from tests.matching.test_services_matches import png_bytes

LIST = reverse("matching:solutions")
CREATE = reverse("matching:solution_create")


def login(client, user):
    if user is not None:
        client.force_login(user)
    return client


# --- The list -----------------------------------------------------------------------------------


def test_list_shows_published_solutions_with_their_provider(client, make_solution, technologies):
    make_solution(
        name="Smart bins", summary="Bins that call the truck", technologies=[technologies[0]]
    )
    make_solution(name="Hidden draft", publish=False)
    response = client.get(LIST)
    assert response.status_code == 200
    text = response.content.decode()
    assert "Smart bins" in text and "Bins that call the truck" in text
    assert "Data Alliance" in text and "Big Data" in text
    assert "Hidden draft" not in text
    assert "Offer a solution" not in text


def test_list_shows_drafts_to_their_keepers(client, make_solution, provider_rep, staff):
    make_solution(name="Our draft", publish=False)
    assert "Our draft" in login(client, provider_rep).get(LIST).content.decode()
    assert "Our draft" in login(client, staff).get(LIST).content.decode()


def test_list_filters_and_chips(client, make_solution, technologies, taxonomy, asia, africa):
    traffic, waste = taxonomy["sectors"][:2]
    make_solution(
        name="Junction brain", sectors=[traffic], technologies=[technologies[1]], regions=[asia]
    )
    make_solution(name="Bins", sectors=[waste], regions=[africa])
    make_solution(name="Everywhere app", sectors=[waste])
    page = client.get(LIST, {"sector": "traffic-management"}).content.decode()
    assert "Junction brain" in page and "Bins" not in page
    assert "Remove the filter Traffic Management" in page
    page = client.get(LIST, {"technology": "smart-mobility"}).content.decode()
    assert "Junction brain" in page and "Bins" not in page
    page = client.get(LIST, {"region": "africa"}).content.decode()
    assert "Bins" in page and "Everywhere app" in page and "Junction brain" not in page
    page = client.get(LIST, {"q": "bins"}).content.decode()
    assert "Bins" in page and "Junction brain" not in page


def test_list_filters_by_provider_type(client, make_solution, asia):
    university = MembershipFactory(
        organisation__name="Tech University",
        organisation__type=OrganisationType.INSTITUTION,
        organisation__region=Region.objects.get(slug="asia-pacific"),
    ).organisation
    make_solution(name="Campus lab", provider=university)
    make_solution(name="Corporate thing")
    page = client.get(LIST, {"provider_type": "institution"}).content.decode()
    assert "Campus lab" in page and "Corporate thing" not in page
    assert "Institutions" in page


def test_list_empty_states(client, make_solution, taxonomy):
    assert "No solution is published yet." in client.get(LIST).content.decode()
    make_solution()
    page = client.get(LIST, {"sector": "waste-management"}).content.decode()
    assert "No solution matches these filters." in page


def test_list_htmx_returns_the_results_only(client, make_solution):
    make_solution(name="Signals")
    response = client.get(LIST, headers={"HX-Request": "true"})
    text = response.content.decode()
    assert 'id="results"' in text and "<html" not in text and "Signals" in text


def test_list_offers_to_offer_a_solution_to_people_of_an_organisation(client, provider_rep):
    page = login(client, provider_rep).get(LIST).content.decode()
    assert CREATE in page


def test_list_queries_do_not_grow_with_rows(
    client, make_solution, technologies, taxonomy, django_assert_max_num_queries
):
    for n in range(25):
        make_solution(
            name=f"Solution {n:02}",
            sectors=taxonomy["sectors"],
            pillars=taxonomy["pillars"],
            technologies=technologies,
        )
    with django_assert_max_num_queries(10):
        response = client.get(LIST)
    assert response.content.decode().count('class="call-card matching-card"') == 20
    assert "Solution 19" in response.content.decode()
    assert "Solution 20" in client.get(LIST, {"page": 2}).content.decode()


# --- A solution's page --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "persona,status",
    [
        (None, 404),
        ("citizen", 404),
        ("other_representative", 404),
        ("provider_rep", 200),
        ("staff", 200),
    ],
    indirect=["persona"],
)
def test_draft_is_seen_only_by_its_keepers(client, make_solution, persona, status):
    solution = make_solution(publish=False)
    response = login(client, persona).get(solution.get_absolute_url())
    assert response.status_code == status


def test_page_shows_what_was_saved(
    client, make_solution, make_project, city, technologies, taxonomy, asia, provider_rep
):
    solution = make_solution(
        name="Adaptive signals",
        summary="Green waves",
        description="Signals that learn.",
        sectors=[taxonomy["sectors"][0]],
        pillars=[taxonomy["pillars"][0]],
        technologies=[technologies[1]],
        regions=[asia],
        price_band="100k_1m",
        references="Busan\nIncheon",
        website="https://signals.example.org",
    )
    project = make_project(city, title="Seoul green wave", publish=True, visibility="public")
    services.deployment_add(
        actor=provider_rep, solution=solution, project=project, note="Fewer stops"
    )
    services.media_add(
        actor=provider_rep, solution=solution, kind="video", url="https://v.example.org/1"
    )
    page = client.get(solution.get_absolute_url()).content.decode()
    for text in [
        "Adaptive signals",
        "Green waves",
        "Signals that learn.",
        "Data Alliance",
        "Traffic Management",
        "Smart Mobility",
        "Asia-Pacific",
        "Busan",
        "Incheon",
        "https://signals.example.org",
        "Seoul green wave",
        project.get_absolute_url(),
        "Fewer stops",
        "South Korea",
        "https://v.example.org/1",
    ]:
        assert text in page, text
    assert "Keep this solution" not in page
    assert "Meet at an event" not in page  # anonymous: no request box


def test_request_box_for_other_people_not_for_the_provider(
    client, make_solution, provider_rep, representative
):
    solution = make_solution()
    page = login(client, representative).get(solution.get_absolute_url()).content.decode()
    assert "Meet at an event" in page
    client.logout()
    page = login(client, provider_rep).get(solution.get_absolute_url()).content.decode()
    assert "Meet at an event" not in page
    assert "Keep this solution" in page


# --- Offering and editing ----------------------------------------------------------------------


def test_offer_a_solution(client, provider_rep, company, technologies, taxonomy):
    login(client, provider_rep)
    assert client.get(CREATE).status_code == 200
    response = client.post(
        CREATE,
        {
            "provider": company.pk,
            "name": "Leak finder",
            "description": "Finds leaks in water pipes by their sound.",
            "technologies": [technologies[2].pk],
            "sectors": [taxonomy["sectors"][1].pk],
            "price_band": "",
            "website": "leaks.example.org",
        },
    )
    solution = Solution.objects.get(name="Leak finder")
    assert response.status_code == 302 and response.url == solution.get_absolute_url()
    assert solution.status == PublicationStatus.DRAFT
    assert solution.contact == provider_rep
    assert solution.website == "https://leaks.example.org"
    assert list(solution.technologies.all()) == [technologies[2]]


def test_offer_refused_for_another_organisation(client, provider_rep, city, company):
    login(client, provider_rep)
    response = client.post(CREATE, {"provider": city.pk, "name": "X", "description": "Y"})
    assert response.status_code == 200
    assert "provider" in response.context["form"].errors
    assert not Solution.objects.exists()


@pytest.mark.parametrize("persona", ["citizen"], indirect=True)
def test_offer_needs_an_organisation(client, persona):
    assert login(client, persona).get(CREATE).status_code == 403


def test_offer_needs_login(client):
    response = client.get(CREATE)
    assert response.status_code == 302 and "login" in response.url


def test_bad_input_changes_nothing(client, make_solution, provider_rep):
    solution = make_solution(name="Signals")
    login(client, provider_rep)
    response = client.post(
        reverse("matching:solution_edit", args=[solution.slug]),
        {"name": "", "description": "", "website": "not a site at all"},
    )
    assert response.status_code == 200
    assert {"name", "description"} <= set(response.context["form"].errors)
    solution.refresh_from_db()
    assert solution.name == "Signals"


@pytest.mark.parametrize(
    "persona,status",
    [("citizen", 403), ("other_representative", 403), ("provider_rep", 200), ("staff", 200)],
    indirect=["persona"],
)
def test_edit_is_for_keepers(client, make_solution, persona, status):
    solution = make_solution()
    response = login(client, persona).get(reverse("matching:solution_edit", args=[solution.slug]))
    assert response.status_code == status


def test_edit_saves(client, make_solution, provider_rep, company):
    solution = make_solution(name="Signals")
    login(client, provider_rep)
    response = client.post(
        reverse("matching:solution_edit", args=[solution.slug]),
        {
            "name": "Smarter signals",
            "description": "New text",
            "contact": provider_rep.pk,
            "price_band": "under_100k",
        },
    )
    assert response.status_code == 302
    solution.refresh_from_db()
    assert (solution.name, solution.description, solution.price_band) == (
        "Smarter signals",
        "New text",
        "under_100k",
    )
    assert AuditEntry.objects.filter(action="solution.changed").exists()


def test_publish_and_close(client, make_solution, provider_rep):
    solution = make_solution(publish=False)
    login(client, provider_rep)
    client.post(solution.get_absolute_url(), {"action": "status", "status": "published"})
    solution.refresh_from_db()
    assert solution.status == "published" and solution.published_at is not None
    client.post(solution.get_absolute_url(), {"action": "status", "status": "closed"})
    solution.refresh_from_db()
    assert solution.status == "closed"


def test_status_refused_to_others(client, make_solution, other_representative):
    solution = make_solution()
    login(client, other_representative)
    response = client.post(solution.get_absolute_url(), {"action": "status", "status": "draft"})
    assert response.status_code == 403
    solution.refresh_from_db()
    assert solution.status == "published"


def test_anonymous_post_goes_to_login(client, make_solution):
    solution = make_solution()
    response = client.post(solution.get_absolute_url(), {"action": "status", "status": "draft"})
    assert response.status_code == 302 and "login" in response.url
    solution.refresh_from_db()
    assert solution.status == "published"


# --- Deployments and media ----------------------------------------------------------------------


def test_add_and_remove_a_deployment(client, make_solution, make_project, city, provider_rep):
    solution = make_solution()
    project = make_project(city, title="Green wave", publish=True, visibility="public")
    make_project(city, title="Unpublished pilot")
    login(client, provider_rep)
    page = client.get(solution.get_absolute_url(), {"q": "green"}).content.decode()
    assert "Green wave — Seoul" in page and "Unpublished pilot" not in page
    response = client.post(
        solution.get_absolute_url(),
        {"action": "deployment_add", "project": project.pk, "note": "Fewer stops"},
    )
    assert response.status_code == 302
    deployment = Deployment.objects.get()
    assert deployment.note == "Fewer stops"
    client.post(
        solution.get_absolute_url(), {"action": "deployment_remove", "deployment": deployment.pk}
    )
    assert not Deployment.objects.exists()


def test_unpublished_project_is_refused(client, make_solution, make_project, city, provider_rep):
    solution = make_solution()
    draft = make_project(city, title="Unpublished pilot")
    login(client, provider_rep)
    response = client.post(
        solution.get_absolute_url(), {"action": "deployment_add", "project": draft.pk}
    )
    assert response.status_code == 200
    assert "project" in response.context["deployment_form"].errors
    assert not Deployment.objects.exists()


def test_deployment_refused_to_others(
    client, make_solution, make_project, city, other_representative
):
    solution = make_solution()
    project = make_project(city, publish=True, visibility="public")
    login(client, other_representative)
    response = client.post(
        solution.get_absolute_url(), {"action": "deployment_add", "project": project.pk}
    )
    assert response.status_code == 403
    assert not Deployment.objects.exists()


def test_add_and_remove_media(client, make_solution, provider_rep, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    solution = make_solution()
    login(client, provider_rep)
    response = client.post(
        solution.get_absolute_url(),
        {
            "action": "media_add",
            "kind": "image",
            "caption": "At the junction",
            "image": SimpleUploadedFile("junction.png", png_bytes(), content_type="image/png"),
        },
    )
    assert response.status_code == 302
    media = SolutionMedia.objects.get()
    page = client.get(solution.get_absolute_url()).content.decode()
    assert media.image.url in page and "At the junction" in page
    client.post(solution.get_absolute_url(), {"action": "media_remove", "media": media.pk})
    assert not SolutionMedia.objects.exists()


def test_fake_image_is_refused(client, make_solution, provider_rep, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    solution = make_solution()
    login(client, provider_rep)
    response = client.post(
        solution.get_absolute_url(),
        {
            "action": "media_add",
            "kind": "image",
            "image": SimpleUploadedFile("virus.png", b"MZ\x90\x00 not an image"),
        },
    )
    assert response.status_code == 200
    assert "image" in response.context["media_form"].errors
    assert not SolutionMedia.objects.exists()


def test_a_deployment_whose_project_left_the_catalog_is_not_shown(
    client, make_solution, make_project, city, provider_rep, staff
):
    solution = make_solution()
    project = make_project(city, title="Seoul green wave", publish=True, visibility="public")
    services.deployment_add(actor=provider_rep, solution=solution, project=project)
    assert "Seoul green wave" in client.get(solution.get_absolute_url()).content.decode()
    assert "1 deployment" in client.get(LIST).content.decode()

    project_unpublish(actor=staff, project=project)

    page = client.get(solution.get_absolute_url()).content.decode()
    assert "Seoul green wave" not in page
    assert "No deployment is listed yet." in page
    assert "1 deployment" not in client.get(LIST).content.decode()


@pytest.mark.parametrize("value", ["abc", "", "-1", "1.5", "9" * 30, "\u0661"])
@pytest.mark.parametrize(
    "action,field", [("deployment_remove", "deployment"), ("media_remove", "media")]
)
def test_removing_with_a_bad_id_answers_400_and_changes_nothing(
    client, make_solution, make_project, city, provider_rep, action, field, value
):
    solution = make_solution()
    project = make_project(city, publish=True, visibility="public")
    services.deployment_add(actor=provider_rep, solution=solution, project=project)
    services.media_add(
        actor=provider_rep, solution=solution, kind="video", url="https://v.example.org/1"
    )
    login(client, provider_rep)

    response = client.post(solution.get_absolute_url(), {"action": action, field: value})

    assert response.status_code == 400
    assert Deployment.objects.count() == 1 and SolutionMedia.objects.count() == 1


def test_unknown_action_is_refused(client, make_solution, provider_rep):
    solution = make_solution()
    login(client, provider_rep)
    assert client.post(solution.get_absolute_url(), {"action": "explode"}).status_code == 400


# --- The challenges matched to a solution -------------------------------------------------------


@pytest.mark.parametrize(
    "persona,status",
    [("citizen", 403), ("other_representative", 403), ("provider_rep", 200), ("staff", 200)],
    indirect=["persona"],
)
def test_solution_matches_are_for_keepers(client, make_solution, persona, status):
    solution = make_solution()
    url = reverse("matching:solution_matches", args=[solution.slug])
    assert login(client, persona).get(url).status_code == status


def test_solution_matches_of_a_draft_are_hidden(client, make_solution, citizen):
    solution = make_solution(publish=False)
    url = reverse("matching:solution_matches", args=[solution.slug])
    assert login(client, citizen).get(url).status_code == 404


def test_solution_matches_list_challenges_with_reasons(
    client, make_solution, make_challenge, provider_rep, taxonomy
):
    traffic = taxonomy["sectors"][0]
    solution = make_solution(
        name="Adaptive traffic signals",
        description="Signals that adapt their timing to the traffic at junctions, cutting queues.",
        sectors=[traffic],
    )
    challenge = make_challenge(
        title="Traffic jams at junctions",
        description="Queues of cars at the junctions of the main roads every morning.",
        sectors=[traffic],
    )
    login(client, provider_rep)
    url = reverse("matching:solution_matches", args=[solution.slug])
    page = client.get(url).content.decode()
    assert "Traffic jams at junctions" in page and "Seoul" in page
    assert "<meter" in page and "matching-reason" in page
    # Dismiss: gone from the list; shown again with the toggle.
    client.post(
        reverse("matching:match_decide"),
        {
            "challenge": challenge.pk,
            "solution": solution.pk,
            "side": "provider",
            "state": "dismissed",
            "next": url,
        },
    )
    assert MatchDecision.objects.get().side == "provider"
    assert "Traffic jams at junctions" not in client.get(url).content.decode()
    assert "Traffic jams at junctions" in client.get(url, {"dismissed": "1"}).content.decode()


def test_solution_matches_queries_do_not_grow(
    client, make_solution, make_challenge, provider_rep, taxonomy, django_assert_max_num_queries
):
    solution = make_solution(sectors=taxonomy["sectors"])
    for n in range(22):
        make_challenge(title=f"Traffic jams {n}", sectors=taxonomy["sectors"])
    login(client, provider_rep)
    url = reverse("matching:solution_matches", args=[solution.slug])
    client.get(url)  # builds the ranking's in-memory index
    with django_assert_max_num_queries(20):
        response = client.get(url)
    page = response.content.decode()
    assert page.count('class="call-card matching-match') == 20
    assert 'rel="next"' in page
