"""The Solution Finder in the admin: records to inspect, and the technologies to keep."""

import pytest
from django.urls import reverse

from activator.matching.models import (
    Challenge,
    Conversation,
    FinderRequest,
    MatchmakingSetup,
    MeetingRequest,
    MeetingSlot,
    Solution,
)
from activator.matching.services_matches import conversation_start

MODELS = [
    Solution,
    Challenge,
    Conversation,
    FinderRequest,
    MatchmakingSetup,
    MeetingSlot,
    MeetingRequest,
]


@pytest.mark.parametrize("model", MODELS)
def test_staff_see_the_records_but_add_none(admin_client, model):
    name = f"admin:matching_{model._meta.model_name}"
    page = admin_client.get(reverse(f"{name}_changelist"))
    assert page.status_code == 200
    assert admin_client.get(reverse(f"{name}_add")).status_code == 403


def test_a_solution_is_shown_read_only(admin_client, make_solution, technologies):
    solution = make_solution(technologies=technologies[:1])
    page = admin_client.get(reverse("admin:matching_solution_change", args=[solution.pk]))
    assert page.status_code == 200
    assert solution.name in page.content.decode()
    assert b'name="_save"' not in page.content
    admin_client.post(
        reverse("admin:matching_solution_change", args=[solution.pk]),
        {"name": "Changed in the admin"},
    )
    solution.refresh_from_db()
    assert solution.name == "Adaptive traffic signals"


def test_renaming_a_technology_refreshes_the_solutions_text(
    admin_client, make_solution, technologies
):
    big_data = technologies[0]
    solution = make_solution(technologies=[big_data])
    assert "big data" in solution.search_text
    before = bytes(solution.embedding)
    response = admin_client.post(
        reverse("admin:matching_solutiondomain_change", args=[big_data.pk]),
        {"name": "Data Lakes", "slug": big_data.slug, "position": big_data.position},
    )
    assert response.status_code == 302
    solution.refresh_from_db()
    assert "data lakes" in solution.search_text and "big data" not in solution.search_text
    assert bytes(solution.embedding) != before


def test_a_conversation_shows_its_messages(
    admin_client, make_solution, make_challenge, representative
):
    conversation = conversation_start(
        actor=representative,
        challenge=make_challenge(),
        solution=make_solution(),
        body="Could your signals work with our old controllers?",
    )
    for name, pk in [
        ("conversation", conversation.pk),
        ("challenge", conversation.challenge_id),
        ("solution", conversation.solution_id),
    ]:
        page = admin_client.get(reverse(f"admin:matching_{name}_change", args=[pk]))
        assert page.status_code == 200
    page = admin_client.get(reverse("admin:matching_conversation_change", args=[conversation.pk]))
    assert "Could your signals work with our old controllers?" in page.content.decode()
