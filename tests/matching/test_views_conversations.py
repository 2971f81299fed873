"""Conversations about a match: starting one, reading and answering it, and who may."""

import pytest
from django.core import mail
from django.urls import reverse

from activator.matching import services_matches
from activator.matching.models import Conversation, Message

LIST = reverse("matching:conversations")
START = reverse("matching:conversation_start")


def login(client, user):
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def pair(make_solution, make_challenge):
    return make_challenge(title="Flooded streets"), make_solution(name="Flood sensors")


@pytest.fixture
def conversation(pair, representative):
    challenge, solution = pair
    return services_matches.conversation_start(
        actor=representative, challenge=challenge, solution=solution, body="Can you help us?"
    )


def test_city_starts_a_conversation(
    client, pair, representative, provider_rep, django_capture_on_commit_callbacks
):
    challenge, solution = pair
    login(client, representative)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            START,
            {"challenge": challenge.pk, "solution": solution.pk, "body": "Can you help us?"},
        )
    conversation = Conversation.objects.get()
    assert response.status_code == 302 and response.url == conversation.get_absolute_url()
    assert conversation.started_by == representative
    assert mail.outbox[0].to == ["provider@example.org"]
    page = client.get(conversation.get_absolute_url()).content.decode()
    assert "Can you help us?" in page and "Flooded streets" in page and "Flood sensors" in page


def test_provider_starts_a_conversation(client, pair, provider_rep):
    challenge, solution = pair
    login(client, provider_rep)
    client.post(START, {"challenge": challenge.pk, "solution": solution.pk, "body": "We can."})
    assert Conversation.objects.get().started_by == provider_rep


@pytest.mark.parametrize("persona", ["citizen", "other_representative"], indirect=True)
def test_outsiders_may_not_start_one(client, pair, persona):
    challenge, solution = pair
    login(client, persona)
    response = client.post(
        START, {"challenge": challenge.pk, "solution": solution.pk, "body": "Hello"}
    )
    assert response.status_code == 403
    assert not Conversation.objects.exists()


def test_start_needs_login(client, pair):
    challenge, solution = pair
    response = client.post(START, {"challenge": challenge.pk, "solution": solution.pk, "body": "H"})
    assert response.status_code == 302 and "login" in response.url
    assert not Conversation.objects.exists()


def test_empty_message_starts_nothing(client, pair, representative):
    challenge, solution = pair
    login(client, representative)
    url = reverse("matching:challenge_matches", args=[challenge.slug])
    response = client.post(
        START, {"challenge": challenge.pk, "solution": solution.pk, "body": "  ", "next": url}
    )
    assert response.status_code == 302 and response.url == url
    assert not Conversation.objects.exists()


def test_unknown_match_is_refused(client, pair, representative):
    challenge, _solution = pair
    login(client, representative)
    response = client.post(START, {"challenge": challenge.pk, "solution": 99999, "body": "Hi"})
    assert response.status_code == 400


def test_conversation_about_a_draft_is_refused(
    client, make_challenge, make_solution, representative
):
    challenge = make_challenge(publish=False)
    solution = make_solution()
    login(client, representative)
    response = client.post(
        START, {"challenge": challenge.pk, "solution": solution.pk, "body": "Hi"}
    )
    assert response.status_code == 302
    assert not Conversation.objects.exists()


@pytest.mark.parametrize(
    "persona,status",
    [
        ("citizen", 404),
        ("other_representative", 404),
        ("representative", 200),
        ("contact", 200),
        ("provider_rep", 200),
        ("regional_officer", 200),
        ("staff", 200),
    ],
    indirect=["persona"],
)
def test_who_reads_a_conversation(client, conversation, persona, status):
    assert login(client, persona).get(conversation.get_absolute_url()).status_code == status


def test_anonymous_is_sent_to_login(client, conversation):
    response = client.get(conversation.get_absolute_url())
    assert response.status_code == 302 and "login" in response.url


def test_answer_mails_the_other_side(
    client, conversation, provider_rep, django_capture_on_commit_callbacks
):
    login(client, provider_rep)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(conversation.get_absolute_url(), {"body": "Yes we can."})
    assert response.status_code == 302
    assert [m.body for m in conversation.messages.all()] == ["Can you help us?", "Yes we can."]
    assert mail.outbox[0].to == ["rep@example.org"]
    assert "Yes we can." in mail.outbox[0].body


def test_empty_answer_changes_nothing(client, conversation, provider_rep):
    login(client, provider_rep)
    response = client.post(conversation.get_absolute_url(), {"body": ""})
    assert response.status_code == 200 and "body" in response.context["form"].errors
    assert Message.objects.count() == 1


def test_outsider_may_not_answer(client, conversation, other_representative):
    login(client, other_representative)
    response = client.post(conversation.get_absolute_url(), {"body": "Spam"})
    assert response.status_code == 404
    assert Message.objects.count() == 1


def test_meeting_box_offers_the_other_side(client, conversation, representative, provider_rep):
    page = login(client, representative).get(conversation.get_absolute_url()).content.decode()
    assert "Meet at an event" in page
    assert f'name="recipient" value="{provider_rep.pk}"' in page or "Find an event" in page


def test_list_shows_my_conversations_only(
    client, conversation, make_challenge, make_solution, other_city, other_representative
):
    other = services_matches.conversation_start(
        actor=other_representative,
        challenge=make_challenge(title="Abuja traffic", city_org=other_city),
        solution=make_solution(name="Other solution"),
        body="Hello",
    )
    page = login(client, other_representative).get(LIST).content.decode()
    assert "Abuja traffic" in page and "Flooded streets" not in page
    assert other.get_absolute_url() in page


def test_list_for_provider_and_staff(client, conversation, provider_rep, staff):
    assert "Flooded streets" in login(client, provider_rep).get(LIST).content.decode()
    client.logout()
    assert "Flooded streets" in login(client, staff).get(LIST).content.decode()


def test_list_empty_state(client, citizen):
    assert "No conversation yet." in login(client, citizen).get(LIST).content.decode()


def test_list_queries_do_not_grow(
    client, make_challenge, make_solution, representative, django_assert_max_num_queries
):
    solution = make_solution()
    for n in range(22):
        services_matches.conversation_start(
            actor=representative,
            challenge=make_challenge(title=f"Challenge {n}"),
            solution=solution,
            body="Hello",
        )
    login(client, representative)
    with django_assert_max_num_queries(8):
        response = client.get(LIST)
    assert response.content.decode().count("<tr>") == 21  # the head and 20 rows
