"""Debates: opened by participants in the debate phase (managers any time), listed per process,
closed by the city with conclusions (audited), and only on plans that have them."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from activator.core.models import AuditEntry
from activator.core.ratelimit import RateLimited
from activator.participation import services_discussion as services
from activator.participation import services_notify
from activator.participation.enums import Moderation, PhaseKind, ProcessStatus
from activator.participation.models import Debate, Process
from tests.participation import test_discussion_setup as setup
from tests.participation.conftest import join, make_phases

pytestmark = pytest.mark.django_db

# The shared fixtures.
debate = setup.debate
debating = setup.debating
moderator = setup.moderator
pending = setup.pending


def url(process, tail=""):
    return f"/participate/{process.space.slug}/processes/{process.slug}/debates/{tail}"


@pytest.fixture
def free_process(free_space, other_representative):
    process = Process.objects.create(
        space=free_space, slug="roads", title="Roads", status=ProcessStatus.PUBLISHED
    )
    make_phases(process, PhaseKind.DEBATE)
    return process


# --- Opening ------------------------------------------------------------------------------------


def test_a_participant_opens_a_debate_in_the_debate_phase(debating, participant):
    debate = services.debate_create(
        participant, process=debating, title="  Trams   again? ", body="<p>Why <em>not</em>?</p>"
    )
    assert debate.title == "Trams again?"
    assert debate.body == "<p>Why <em>not</em>?</p>"
    assert services_notify.is_following(participant, debate)


def test_outside_the_debate_phase_only_managers_open_debates(process, participant, representative):
    assert services.debate_refusal(participant, process) == "debate_phase"
    with pytest.raises(ValidationError):
        services.debate_create(participant, process=process, title="T", body="B")
    assert services.debate_create(representative, process=process, title="T", body="B").pk
    assert Debate.objects.count() == 1


def test_managers_prepare_debates_in_a_draft_process(debating, staff, participant):
    debating.status = ProcessStatus.DRAFT
    debating.save()
    assert services.debate_refusal(participant, debating) == "unpublished"
    assert services.debate_create(staff, process=debating, title="T", body="B").pk


@pytest.mark.parametrize(
    ("who", "code"), [("outsider", "join"), ("pending", "pending"), ("moderator", "join")]
)
def test_people_who_are_not_verified_participants_may_not_open_debates(
    request, debating, who, code
):
    user = request.getfixturevalue(who)
    assert services.debate_refusal(user, debating) == code
    with pytest.raises(PermissionDenied):
        services.debate_create(user, process=debating, title="T", body="B")
    assert not Debate.objects.exists()


def test_the_body_is_sanitised_and_needs_words(debating, participant):
    debate = services.debate_create(
        participant, process=debating, title="T", body="<p>ok</p><script>bad()</script>"
    )
    assert "script" not in debate.body
    with pytest.raises(ValidationError) as error:
        services.debate_create(participant, process=debating, title="T", body="<img src=x>")
    assert "body" in error.value.message_dict


def test_debates_have_a_rate_limit(settings, debating, participant):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "debate": (1, 3600)}
    services.debate_create(participant, process=debating, title="One", body="B")
    with pytest.raises(RateLimited):
        services.debate_create(participant, process=debating, title="Two", body="B")
    assert Debate.objects.count() == 1


def test_a_free_plan_has_no_debates(free_process, other_representative):
    join(free_process.space, other_representative)
    assert services.debate_refusal(other_representative, free_process) == "feature"
    with pytest.raises(PermissionDenied):
        services.debate_create(other_representative, process=free_process, title="T", body="B")


def test_the_new_debate_page_opens_one(client, debating, participant):
    client.force_login(participant)
    assert client.get(url(debating, "new/")).status_code == 200
    response = client.post(url(debating, "new/"), {"title": "Night buses", "body": "More?"})
    debate = Debate.objects.get()
    assert response.status_code == 302 and response["Location"] == debate.get_absolute_url()
    page = client.get(debate.get_absolute_url()).content.decode()
    assert "Night buses" in page and "<p>More?</p>" in page


def test_the_new_debate_page_shows_field_errors(client, debating, participant):
    client.force_login(participant)
    response = client.post(url(debating, "new/"), {"title": "", "body": "<script></script>"})
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert not Debate.objects.exists()


def test_the_new_debate_page_says_why_to_an_outsider(client, debating, outsider):
    client.force_login(outsider)
    response = client.get(url(debating, "new/"))
    assert response.status_code == 403
    assert "Join the space to take part." in response.content.decode()
    assert client.post(url(debating, "new/"), {"title": "T", "body": "B"}).status_code == 403
    assert not Debate.objects.exists()


def test_free_plan_debate_pages_are_forbidden(client, free_process, other_representative):
    client.force_login(other_representative)
    assert client.get(url(free_process)).status_code == 403
    assert client.get(url(free_process, "new/")).status_code == 403
    debate = Debate.objects.create(
        process=free_process, author=other_representative, title="T", body="B"
    )
    assert client.get(url(free_process, f"{debate.pk}/")).status_code == 403


# --- Reading ------------------------------------------------------------------------------------


def test_the_list_shows_visible_debates_newest_first(client, debating, debate, neighbour):
    later = Debate.objects.create(process=debating, author=neighbour, title="Later", body="B")
    Debate.objects.create(
        process=debating,
        author=neighbour,
        title="Spammy",
        body="B",
        moderation=Moderation.HIDDEN,
    )
    page = client.get(url(debating)).content.decode()
    assert page.index("Later") < page.index(debate.title)
    assert "Spammy" not in page
    assert later.get_absolute_url() in page


def test_moderators_see_hidden_debates_in_the_list(client, debating, moderator, neighbour):
    Debate.objects.create(
        process=debating, author=neighbour, title="Spammy", body="B", moderation=Moderation.HIDDEN
    )
    client.force_login(moderator)
    assert "Spammy" in client.get(url(debating)).content.decode()


def test_the_list_offers_to_open_a_debate_only_to_who_may(client, debating, participant, outsider):
    new = url(debating, "new/")
    client.force_login(participant)
    assert new in client.get(url(debating)).content.decode()
    client.force_login(outsider)
    page = client.get(url(debating)).content.decode()
    assert new not in page and "Join the space to take part." in page


def test_the_list_is_paginated_without_a_query_per_debate(
    client, debating, neighbour, django_assert_max_num_queries
):
    Debate.objects.bulk_create(
        Debate(process=debating, author=neighbour, title=f"Debate {n}", body="B") for n in range(25)
    )
    with django_assert_max_num_queries(12):
        page = client.get(url(debating)).content.decode()
    assert page.count('<li class="card">') == 20
    assert "?page=2" in page


def test_a_draft_process_debates_are_not_found(client, debating, debate):
    debating.status = ProcessStatus.DRAFT
    debating.save()
    assert client.get(url(debating)).status_code == 404
    assert client.get(debate.get_absolute_url()).status_code == 404


def test_a_debate_of_another_process_is_not_found(client, debate, process):
    assert client.get(url(process, f"{debate.pk}/")).status_code == 404


def test_a_hidden_debate_shows_the_reason_not_the_body(client, debate, participant, neighbour):
    Debate.objects.filter(pk=debate.pk).update(
        moderation=Moderation.HIDDEN, hidden_reason="Off topic for this process"
    )
    client.force_login(participant)
    page = client.get(debate.get_absolute_url()).content.decode()
    assert "Off topic for this process" in page
    assert "Let us talk." not in page
    client.force_login(neighbour)
    assert "Let us talk." in client.get(debate.get_absolute_url()).content.decode()


# --- Closing ------------------------------------------------------------------------------------


def test_a_manager_closes_a_debate_with_conclusions_audited(debate, representative):
    services.debate_close(
        representative, debate=debate, conclusions="<p>We <b>try</b> it in May.</p><script>"
    )
    debate.refresh_from_db()
    assert debate.closed_at is not None
    assert debate.conclusions == "<p>We <b>try</b> it in May.</p>"
    entry = AuditEntry.objects.get(action="participation.debate_close")
    assert entry.actor == representative and entry.object_id == str(debate.pk)
    assert entry.changes["conclusions"][1] == debate.conclusions


def test_closing_twice_is_refused(debate, representative):
    services.debate_close(representative, debate=debate, conclusions="Done")
    with pytest.raises(ValidationError):
        services.debate_close(representative, debate=debate, conclusions="Again")
    assert AuditEntry.objects.filter(action="participation.debate_close").count() == 1


@pytest.mark.parametrize("who", ["participant", "moderator", "outsider"])
def test_only_managers_close_debates(request, debate, who):
    with pytest.raises(PermissionDenied):
        services.debate_close(request.getfixturevalue(who), debate=debate, conclusions="No")
    debate.refresh_from_db()
    assert debate.closed_at is None


def test_the_close_page(client, debate, representative, participant):
    close = debate.get_absolute_url() + "close/"
    client.force_login(participant)
    assert client.get(close).status_code == 403
    assert close not in client.get(debate.get_absolute_url()).content.decode()
    client.force_login(representative)
    assert close in client.get(debate.get_absolute_url()).content.decode()
    assert client.post(close, {"conclusions": ""}).status_code == 200
    response = client.post(close, {"conclusions": "Sundays without cars from June."})
    assert response.status_code == 302
    page = client.get(debate.get_absolute_url()).content.decode()
    assert "Conclusions" in page and "Sundays without cars from June." in page
    assert 'name="body"' not in page  # no comment form on a closed debate


def test_closing_tells_the_followers(debate, representative, participant):
    services_notify.follow(participant, debate)
    services.debate_close(representative, debate=debate, conclusions="Done")
    assert participant.participation_notifications.get().verb == "debate_closed"
    assert not representative.participation_notifications.exists()
