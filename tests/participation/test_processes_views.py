"""The process pages: the form with its phases, the phase timeline, who sees drafts, and the
proposals list (filters, sorting, pagination, what is left out, bounded queries)."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from activator.core.models import AuditEntry
from activator.participation.enums import AnswerStatus, Moderation, PhaseKind, ProcessStatus
from activator.participation.models import Process, Proposal
from activator.participation.selectors import proposals_for_list
from tests.factories import UserFactory
from tests.participation.test_proposals_services import make_proposal

pytestmark = pytest.mark.django_db


def page_url(process, **query) -> str:
    url = reverse("participation:process", args=[process.space.slug, process.slug])
    if query:
        from urllib.parse import urlencode

        url += "?" + urlencode(query)
    return url


def listed_titles(response) -> list[str]:
    return [p.title for p in response.context["proposals"]]


# --- The form ---------------------------------------------------------------------------------


def test_a_manager_creates_a_process_with_its_phases(client, space, representative):
    client.force_login(representative)
    url = reverse("participation:process_new", args=[space.slug])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "title": "Green Seoul",
            "slug": "",
            "summary": "Trees",
            "description": "<p>Plant <em>trees</em></p>",
            "support_threshold": "25",
            "status": "published",
            "information_starts_on": "2027-01-01",
            "information_ends_on": "2027-01-10",
            "proposals_starts_on": "2027-01-11",
            "proposals_ends_on": "2027-02-10",
        },
    )
    process = Process.objects.get(slug="green-seoul")
    assert response.status_code == 302 and response["Location"] == process.get_absolute_url()
    assert process.status == ProcessStatus.PUBLISHED and process.support_threshold == 25
    assert process.phases.count() == 2
    assert AuditEntry.objects.filter(action="participation.process_published").exists()


def test_overlapping_phases_show_a_clear_error(client, space, representative):
    client.force_login(representative)
    response = client.post(
        reverse("participation:process_new", args=[space.slug]),
        {
            "title": "Overlap",
            "support_threshold": "10",
            "status": "draft",
            "information_starts_on": "2027-01-01",
            "information_ends_on": "2027-01-10",
            "proposals_starts_on": "2027-01-08",
            "proposals_ends_on": "2027-02-10",
            "voting_starts_on": "2027-03-01",
        },
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert "after the information phase ends" in form.errors["proposals_starts_on"][0]
    assert "both dates" in form.errors["voting_ends_on"][0]
    assert "Nothing was saved" in response.content.decode()
    assert not Process.objects.filter(title="Overlap").exists()


@pytest.mark.parametrize("persona", ["citizen", "other_representative"], indirect=True)
def test_others_may_not_create_or_edit(client, process, persona):
    client.force_login(persona)
    assert client.get(reverse("participation:process_new", args=["seoul"])).status_code == 403
    edit = reverse("participation:process_edit", args=["seoul", process.slug])
    assert client.post(edit, {"title": "Mine"}).status_code == 403
    process.refresh_from_db()
    assert process.title == "Participatory budget 2027"


def test_editing_shows_the_saved_phases(client, process, representative):
    client.force_login(representative)
    edit = reverse("participation:process_edit", args=["seoul", process.slug])
    response = client.get(edit)
    proposals = process.phases.get(kind=PhaseKind.PROPOSALS)
    assert response.context["form"]["proposals_starts_on"].value() == proposals.starts_on
    assert proposals.starts_on.isoformat() in response.content.decode()


# --- The page ---------------------------------------------------------------------------------


def test_the_timeline_marks_the_current_phase_now(client, process):
    process.description = "<p>Our <strong>budget</strong></p><script>alert(1)</script>"
    process.save()
    response = client.get(page_url(process))
    assert response.status_code == 200
    text = response.content.decode()
    assert [state for _phase, state in response.context["steps"]] == [
        "past",
        "current",
        "future",
        "future",
        "future",
    ]
    current = text.index('aria-current="step"')
    assert "Proposals" in text[current : current + 600] and ">now<" in text[current : current + 600]
    assert "<strong>budget</strong>" in text and "<script>alert(1)" not in text


def test_a_draft_process_is_only_for_managers(client, process, representative, participant):
    Process.objects.filter(pk=process.pk).update(status=ProcessStatus.DRAFT)
    assert client.get(page_url(process)).status_code == 404
    client.force_login(participant)
    assert client.get(page_url(process)).status_code == 404
    proposal = make_proposal(process, participant)
    assert client.get(proposal.get_absolute_url()).status_code == 404
    client.force_login(representative)
    response = client.get(page_url(process))
    assert response.status_code == 200 and "Draft" in response.content.decode()


def test_an_unknown_process_is_404(client, space):
    assert client.get("/participate/seoul/processes/nope/").status_code == 404
    assert client.get("/participate/nowhere/processes/nope/").status_code == 404


def test_proposals_are_listed_with_their_supports_and_answer(
    client, process, participant, mobility
):
    make_proposal(
        process,
        participant,
        title="Bike lanes",
        category=mobility,
        supports_count=2,
        comments_count=4,
        answer=AnswerStatus.EVALUATING,
    )
    response = client.get(page_url(process))
    text = response.content.decode()
    assert "Bike lanes" in text and "Mobility" in text
    assert "2 of 3 supports" in text and 'max="3" value="2"' in text
    assert "4 comments" in text and "Evaluating" in text
    assert participant.full_name in text


def test_the_list_sorts_by_supports_then_newest_and_filters_by_category(
    client, process, participant, mobility, parks
):
    make_proposal(process, participant, title="A", category=mobility, supports_count=5)
    make_proposal(process, participant, title="B", category=parks, supports_count=9)
    make_proposal(process, participant, title="C", category=mobility, supports_count=7)
    make_proposal(process, participant, title="D", category=mobility, supports_count=5)
    assert listed_titles(client.get(page_url(process))) == ["B", "C", "D", "A"]
    by_category = client.get(page_url(process, category=mobility.pk))
    assert listed_titles(by_category) == ["C", "D", "A"]
    assert listed_titles(client.get(page_url(process, sort="recent"))) == ["D", "C", "B", "A"]
    assert listed_titles(client.get(page_url(process, q="c"))) == ["C"]
    # The selector the API and the benchmark use says the same.
    assert [p.title for p in proposals_for_list(process, category=mobility)] == ["C", "D", "A"]


def test_the_answer_filter_and_the_count(client, process, participant):
    make_proposal(process, participant, title="Yes", answer=AnswerStatus.ACCEPTED)
    make_proposal(process, participant, title="No", answer=AnswerStatus.REJECTED)
    make_proposal(process, participant, title="Open")
    accepted = client.get(page_url(process, answer="accepted"))
    assert listed_titles(accepted) == ["Yes"] and "1 proposal<" in accepted.content.decode()
    assert listed_titles(client.get(page_url(process, answer="unanswered"))) == ["Open"]
    assert "3 proposals" in client.get(page_url(process)).content.decode()


def test_withdrawn_and_hidden_proposals_are_not_listed(
    client, process, participant, representative
):
    make_proposal(process, participant, title="Shown")
    make_proposal(process, participant, title="Taken back", withdrawn_at=timezone.now())
    make_proposal(process, participant, title="Spam", moderation=Moderation.HIDDEN)
    make_proposal(process, participant, title="Reported", moderation=Moderation.AWAITING)
    assert listed_titles(client.get(page_url(process))) == ["Shown"]
    client.force_login(participant)
    assert listed_titles(client.get(page_url(process))) == ["Shown"]
    # Moderators see the hidden ones, marked; withdrawn ones stay out.
    client.force_login(representative)
    response = client.get(page_url(process))
    assert set(listed_titles(response)) == {"Shown", "Spam", "Reported"}
    assert "Hidden" in response.content.decode()


def test_empty_states(client, process, participant, mobility):
    response = client.get(page_url(process))
    assert "No proposal yet." in response.content.decode()
    make_proposal(process, participant, title="Parks only")
    response = client.get(page_url(process, category=mobility.pk))
    assert "No proposal matches these filters." in response.content.decode()


def test_pagination_by_twenty(client, process, participant):
    Proposal.objects.bulk_create(
        Proposal(process=process, author=participant, title=f"P{i:02}", body="x", supports_count=i)
        for i in range(25)
    )
    first = client.get(page_url(process))
    assert len(first.context["proposals"]) == 20 and first.context["page_obj"].paginator.count == 25
    second = client.get(page_url(process, page=2))
    assert listed_titles(second) == ["P04", "P03", "P02", "P01", "P00"]


def test_bad_filters_do_not_break_the_page(client, process, participant):
    make_proposal(process, participant, title="Kept")
    response = client.get(page_url(process, category="abc", sort="x", answer="y", page="zz"))
    assert response.status_code == 200
    assert "Some filters are not valid." in response.content.decode()


def test_htmx_filtering_returns_the_list_only(client, process, participant):
    make_proposal(process, participant, title="Only me")
    response = client.get(page_url(process), HTTP_HX_REQUEST="true", HTTP_HX_TARGET="proposals")
    text = response.content.decode()
    assert "Only me" in text and "<html" not in text and 'id="proposals"' in text


def test_list_queries_are_bounded(
    client,
    process,
    participant,
    mobility,
    representative,
    city,
    make_project,
    django_assert_max_num_queries,
):
    project = make_project(city)
    people = [UserFactory() for _ in range(5)]
    for i in range(30):
        make_proposal(
            process,
            people[i % 5],
            title=f"Idea {i}",
            category=mobility if i % 2 else None,
            supports_count=i,
            answer=AnswerStatus.ACCEPTED if i % 3 == 0 else AnswerStatus.NONE,
            project=project if i % 3 == 0 else None,
        )
    client.force_login(participant)
    with django_assert_max_num_queries(22):
        response = client.get(page_url(process))
    assert len(response.context["proposals"]) == 20
    client.force_login(representative)
    with django_assert_max_num_queries(24):
        response = client.get(page_url(process, category=mobility.pk))
    assert len(response.context["proposals"]) == 15


def test_proposals_link_and_button_for_participants(client, process, participant):
    make_proposal(process, participant, title="Supportable")
    client.force_login(participant)
    text = client.get(page_url(process)).content.decode()
    assert reverse("participation:proposal_new", args=["seoul", process.slug]) in text
    assert "Support</button>" in text


def test_no_proposal_button_outside_the_proposals_phase(client, process):
    process.phases.all().delete()
    today = timezone.localdate()
    process.phases.create(
        kind=PhaseKind.DEBATE, starts_on=today, ends_on=today + datetime.timedelta(days=3)
    )
    text = client.get(page_url(process)).content.decode()
    assert reverse("participation:proposal_new", args=["seoul", process.slug]) not in text
    assert "Now: Debate" in text
