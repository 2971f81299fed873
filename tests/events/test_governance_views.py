"""Governance pages as each persona sees them: history, the meeting, a motion, voting, set-up."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from activator.core.models import AuditEntry
from activator.events import services_governance as gov
from activator.events.enums import EventStatus, GoverningBody, MotionKind, MotionStatus
from activator.events.models import Document, Meeting, Motion, Vote
from activator.members.enums import GovernanceRoleKind
from activator.members.models import GovernanceRole
from tests.events.test_governance_services import (
    election,
    governance_event,
    member,
    new_meeting,
    put_to_vote,
    representative_of,
    voters_with_reps,
)
from tests.factories import PASSWORD

TODAY = timezone.localdate()


@pytest.fixture
def ga_event(make_event):
    return governance_event(make_event, slug="seventh-general-assembly")


@pytest.fixture
def ga(staff, ga_event):
    return new_meeting(staff, ga_event)


def login(client, user):
    assert client.login(username=user.email, password=PASSWORD)
    return client


def meeting_url(meeting):
    return reverse("events:meeting", args=[meeting.event.slug])


def edit_url(event):
    return reverse("events:meeting_edit", args=[event.slug])


# --- The meetings through the years ------------------------------------------------------------


def test_governance_page_lists_assemblies_excom_and_office_holders(
    client, staff, make_event, django_assert_max_num_queries
):
    for number, year, city, theme in [
        (3, 2014, "Chengdu", "Engaging Citizens"),
        (4, 2017, "Ulyanovsk Region", "Smart Sustainable Cities for All"),
    ]:
        event = governance_event(
            make_event,
            slug=f"ga-{number}",
            title=f"{number}th WeGO General Assembly",
            starts_at=None,
            year=year,
            month=None,
            city=city,
        )
        new_meeting(staff, event, number=number, theme=theme)
    excom = governance_event(make_event, slug="excom-2019", title="WeGO EXCOM 2019")
    new_meeting(staff, excom, body=GoverningBody.EXECUTIVE_COMMITTEE, number=None, theme="")
    hidden = governance_event(
        make_event, slug="ga-draft", title="Draft assembly", status=EventStatus.DRAFT
    )
    new_meeting(staff, hidden, number=9)
    seoul = member("Seoul")
    GovernanceRole.objects.create(
        organisation=seoul, role=GovernanceRoleKind.PRESIDENT_CITY, start_year=2023
    )
    GovernanceRole.objects.create(
        organisation=member("Makati"),
        role=GovernanceRoleKind.EXECUTIVE_VICE_PRESIDENT_CITY,
        start_year=2017,
        end_year=2017,
        approximate=True,
    )

    with django_assert_max_num_queries(8):
        response = client.get(reverse("events:governance"))

    page = response.content.decode()
    assert response.status_code == 200
    for text in ("3rd General Assembly", "2014", "Chengdu", "Engaging Citizens", "4th General"):
        assert text in page
    assert "WeGO EXCOM 2019" in page
    assert "9th General Assembly" not in page
    assert reverse("events:meeting", args=["ga-3"]) in page
    assert "Seoul</a>, 2023" in page
    assert "latest recorded term" in page  # Makati's c. 2017 term ended long ago
    assert "c. 2017" in page

    login(client, staff)
    assert "9th General Assembly" in client.get(reverse("events:governance")).content.decode()


# --- The meeting page ------------------------------------------------------------------------


def test_anonymous_sees_the_meeting_and_closed_results_but_cannot_vote(client, staff, ga):
    item = gov.agenda_item_save(actor=staff, meeting=ga, title="Budget 2027", presenter="CFO")
    voters = voters_with_reps(4)
    closed = put_to_vote(staff, ga, title="Approve the budget", agenda_item=item)
    for (organisation, person), choice in zip(
        voters, ["for", "for", "against", "abstain"], strict=True
    ):
        gov.vote_cast(actor=person, motion=closed, organisation=organisation, choice=choice)
    gov.motion_close(actor=staff, motion=closed)
    open_motion = put_to_vote(staff, ga, title="Adopt the work plan", agenda_item=item)
    gov.vote_cast(
        actor=voters[0][1], motion=open_motion, organisation=voters[0][0], choice="against"
    )
    gov.motion_save(actor=staff, meeting=ga, title="Secret draft", kind=MotionKind.RESOLUTION)

    response = client.get(meeting_url(ga))

    page = response.content.decode()
    assert response.status_code == 200
    assert "7th General Assembly" in page
    assert "Budget 2027" in page and "Presented by CFO" in page
    # The rules in words.
    assert "at least 50% of the voting members must vote" in page
    assert "more members vote for it than against it" in page
    # The closed motion: its result, bar and public roll call.
    assert "Carried" in page
    assert "For: 2 · Against: 1 · Abstain: 1." in page
    assert 'class="vote-bar"' in page
    assert "How each member voted" in page and "City 02" in page
    # The open motion: counts only, and no ballot for an anonymous visitor.
    assert "1 of 4 voting members have voted." in page
    assert "Quorum not reached yet: 2 votes needed" in page
    assert 'name="choice"' not in page
    assert "Members' representatives log in to vote." in page
    assert "Secret draft" not in page

    response = client.post(
        reverse("events:vote", args=[open_motion.pk]),
        {"organisation": voters[1][0].pk, "choice": "for"},
    )
    assert response.status_code == 302 and "/login" in response["Location"]
    assert open_motion.votes.count() == 1


def test_a_representative_votes_on_the_meeting_page_and_sees_the_vote(
    client, staff, ga, city, representative
):
    motion = put_to_vote(staff, ga)
    login(client, representative)

    page = client.get(meeting_url(ga)).content.decode()
    assert "Vote of Seoul" in page
    assert "No vote cast yet." in page

    response = client.post(
        reverse("events:vote", args=[motion.pk]),
        {"organisation": city.pk, "choice": "for", "next": meeting_url(ga)},
    )
    assert response.status_code == 302
    assert response["Location"] == meeting_url(ga)
    assert Vote.objects.get().choice == "for"

    page = client.get(meeting_url(ga)).content.decode()
    assert "Current vote: <strong>For</strong>" in page
    # Changing the vote, through htmx: the ballot comes back alone.
    response = client.post(
        reverse("events:vote", args=[motion.pk]),
        {"organisation": city.pk, "choice": "abstain"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    fragment = response.content.decode()
    assert "<html" not in fragment
    assert "Your vote is recorded." in fragment
    assert "Current vote: <strong>Abstain</strong>" in fragment
    assert list(Vote.objects.values_list("choice", flat=True)) == ["abstain"]
    refused = client.post(
        reverse("events:vote", args=[motion.pk]),
        {"organisation": city.pk, "choice": "maybe"},
        headers={"HX-Request": "true"},
    )
    assert refused.status_code == 200  # htmx swaps only 2xx answers in
    assert "Select a valid choice." in refused.content.decode()
    assert "Your vote is recorded." not in refused.content.decode()
    assert list(Vote.objects.values_list("choice", flat=True)) == ["abstain"]


def test_bad_ballots_change_nothing(client, staff, ga, city, representative):
    motion = put_to_vote(staff, ga)
    login(client, representative)

    response = client.post(reverse("events:vote", args=[motion.pk]), {"organisation": city.pk})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    response = client.post(
        reverse("events:vote", args=[motion.pk]), {"organisation": city.pk, "choice": "maybe"}
    )
    assert response.status_code == 400
    assert not Vote.objects.exists()


def test_an_election_ballot_on_the_motion_page(client, staff, ga, city, representative):
    a, b, c = member("Alpha"), member("Bravo"), member("Charlie")
    motion = election(staff, ga, [a, b, c])
    candidates = {x.organisation.name: x for x in motion.candidates.all()}
    login(client, representative)

    page = client.get(reverse("events:motion", args=[motion.pk])).content.decode()
    assert "Choose up to 2 candidates, or cast a blank ballot." in page
    assert 'type="checkbox"' in page

    too_many = client.post(
        reverse("events:vote", args=[motion.pk]),
        {"organisation": city.pk, "candidates": [x.pk for x in candidates.values()]},
    )
    assert too_many.status_code == 400
    assert "Choose at most 2 candidates." in too_many.content.decode()
    assert not Vote.objects.exists()

    client.post(
        reverse("events:vote", args=[motion.pk]),
        {"organisation": city.pk, "candidates": [candidates["Alpha"].pk, candidates["Bravo"].pk]},
    )
    vote = Vote.objects.get()
    assert {x.organisation.name for x in vote.candidates.all()} == {"Alpha", "Bravo"}
    client.post(reverse("events:vote", args=[motion.pk]), {"organisation": city.pk, "blank": "1"})
    vote.refresh_from_db()
    assert (vote.choice, vote.candidates.count()) == ("abstain", 0)
    page = client.get(reverse("events:motion", args=[motion.pk])).content.decode()
    assert "Current vote: <strong>Blank ballot</strong>" in page


def test_an_expired_members_representative_cannot_vote(client, staff, ga):
    expired = member("Expired City", paid_through=TODAY - datetime.timedelta(days=400))
    person = representative_of(expired)
    motion = put_to_vote(staff, ga)
    login(client, person)

    page = client.get(meeting_url(ga)).content.decode()
    assert "Expired City does not vote at this meeting." in page
    assert "Vote of Expired City" not in page

    response = client.post(
        reverse("events:vote", args=[motion.pk]), {"organisation": expired.pk, "choice": "for"}
    )
    assert response.status_code == 400
    assert "does not vote at this meeting" in response.content.decode()
    assert not Vote.objects.exists()


def test_a_person_who_is_not_a_representative_cannot_vote(
    client, staff, ga, city, contact, other_representative
):
    motion = put_to_vote(staff, ga)

    login(client, contact)
    response = client.post(
        reverse("events:vote", args=[motion.pk]), {"organisation": city.pk, "choice": "for"}
    )
    assert response.status_code == 403
    login(client, other_representative)  # represents another member, not Seoul
    response = client.post(
        reverse("events:vote", args=[motion.pk]), {"organisation": city.pk, "choice": "for"}
    )
    assert response.status_code == 404
    assert not Vote.objects.exists()


def test_excom_meeting_ballots_only_for_role_holders(client, staff, make_event, city):
    event = governance_event(make_event, slug="excom", title="EXCOM")
    meeting = new_meeting(staff, event, body=GoverningBody.EXECUTIVE_COMMITTEE, number=None)
    holder = member("Holder City")
    GovernanceRole.objects.create(
        organisation=holder, role=GovernanceRoleKind.EXCOM_MEMBER, start_year=event.year
    )
    holder_rep = representative_of(holder)
    plain_rep = representative_of(city)
    motion = put_to_vote(staff, meeting)

    page = login(client, plain_rep).get(meeting_url(meeting)).content.decode()
    assert "Seoul does not vote at this meeting." in page
    page = login(client, holder_rep).get(meeting_url(meeting)).content.decode()
    assert "Vote of Holder City" in page
    response = client.post(
        reverse("events:vote", args=[motion.pk]), {"organisation": holder.pk, "choice": "for"}
    )
    assert response.status_code == 302
    assert motion.votes.count() == 1


def test_minutes_stay_hidden_until_published(client, staff, ga, representative):
    gov.minutes_save(actor=staff, meeting=ga, minutes="Opened at 9:00 by the President City.")

    assert "Opened at 9:00" not in client.get(meeting_url(ga)).content.decode()
    assert (
        "Opened at 9:00" not in login(client, representative).get(meeting_url(ga)).content.decode()
    )
    page = login(client, staff).get(meeting_url(ga)).content.decode()
    assert "Opened at 9:00" in page and "Draft: only the meeting" in page

    gov.minutes_publish(actor=staff, meeting=ga)
    client.logout()
    page = client.get(meeting_url(ga)).content.decode()
    assert "Opened at 9:00" in page and "Draft: only the meeting" not in page


def test_a_draft_event_meeting_is_hidden(client, staff, make_event):
    event = governance_event(make_event, slug="draft-ga", status=EventStatus.DRAFT)
    meeting = new_meeting(staff, event)

    assert client.get(meeting_url(meeting)).status_code == 404
    assert login(client, staff).get(meeting_url(meeting)).status_code == 200


def test_meeting_page_queries_do_not_grow_with_the_agenda(
    client, staff, ga, city, representative, django_assert_max_num_queries
):
    def grow(n):
        for i in range(n):
            item = gov.agenda_item_save(actor=staff, meeting=ga, title=f"Item {n}-{i}")
            Document.objects.create(
                event=ga.event,
                agenda_item=item,
                title=f"Paper {n}-{i}",
                file=SimpleUploadedFile(f"paper-{n}-{i}.pdf", b"%PDF-1.4"),
            )
            put_to_vote(staff, ga, title=f"Open {n}-{i}", agenda_item=item)
            closed = put_to_vote(staff, ga, title=f"Closed {n}-{i}", agenda_item=item)
            gov.vote_cast(actor=representative, motion=closed, organisation=city, choice="for")
            gov.motion_close(actor=staff, motion=closed)
            election(staff, ga, [member(f"Candidate {n}-{i}")], seats=1, title=f"Seat {n}-{i}")

    login(client, representative)
    grow(1)
    with django_assert_max_num_queries(20) as small:
        assert client.get(meeting_url(ga)).status_code == 200
    grow(5)
    with django_assert_max_num_queries(20) as large:
        response = client.get(meeting_url(ga))
    assert response.content.decode().count("Vote of Seoul") == 12
    assert len(large.captured_queries) == len(small.captured_queries)


# --- The motion page --------------------------------------------------------------------------


def test_motion_page_live_counts_then_public_roll_call(client, staff, ga):
    voters = voters_with_reps(3)
    motion = put_to_vote(staff, ga)
    gov.vote_cast(actor=voters[0][1], motion=motion, organisation=voters[0][0], choice="against")
    url = reverse("events:motion", args=[motion.pk])

    page = client.get(url).content.decode()
    assert f'hx-get="{url}?live=1"' in page
    assert 'hx-trigger="every 5s"' in page
    assert "1 of 3 voting members have voted." in page
    assert "City 00" not in page  # no one's vote shows while voting is open
    live = client.get(f"{url}?live=1", headers={"HX-Request": "true"})
    fragment = live.content.decode()
    assert "<html" not in fragment and "1 of 3 voting members have voted." in fragment
    assert "Quorum not reached yet: 2 votes needed" in fragment

    gov.vote_cast(actor=voters[1][1], motion=motion, organisation=voters[1][0], choice="for")
    fragment = client.get(f"{url}?live=1", headers={"HX-Request": "true"}).content.decode()
    assert "2 of 3 voting members have voted." in fragment and "Quorum reached" in fragment

    gov.motion_close(actor=staff, motion=motion)
    fragment = client.get(f"{url}?live=1", headers={"HX-Request": "true"}).content.decode()
    assert "hx-trigger" not in fragment and "Voting is closed." in fragment
    page = client.get(url).content.decode()
    assert "Rejected" in page
    assert "City 00" in page and "City 01" in page
    assert "each member's vote is published once voting closes" in page


def test_draft_motions_are_for_managers_only(client, staff, regional_officer, ga):
    draft = gov.motion_save(actor=staff, meeting=ga, title="Draft", kind=MotionKind.RESOLUTION)
    url = reverse("events:motion", args=[draft.pk])

    assert client.get(url).status_code == 404
    assert login(client, regional_officer).get(url).status_code == 404
    assert login(client, staff).get(url).status_code == 200


def test_only_managers_open_and_close_votes(client, staff, representative, ga):
    motion = gov.motion_save(actor=staff, meeting=ga, title="Budget", kind=MotionKind.RESOLUTION)
    open_url = reverse("events:motion_action", args=[motion.pk, "open"])

    login(client, representative)
    gov.motion_open(actor=staff, motion=motion)
    close_url = reverse("events:motion_action", args=[motion.pk, "close"])
    assert client.post(close_url).status_code == 403
    motion.refresh_from_db()
    assert motion.status == MotionStatus.OPEN

    login(client, staff)
    assert client.get(close_url).status_code == 405
    assert client.post(reverse("events:motion_action", args=[motion.pk, "burn"])).status_code == 404
    response = client.post(close_url)
    assert response.status_code == 302
    motion.refresh_from_db()
    assert motion.status == MotionStatus.NO_QUORUM
    response = client.post(open_url, follow=True)
    assert "This motion has already been put to the vote." in response.content.decode()


def test_a_tied_election_offers_a_second_round(client, staff, ga):
    a, b = member("Alpha"), member("Bravo")
    voters = voters_with_reps(2)
    motion = election(staff, ga, [a, b], seats=1, role=GovernanceRoleKind.PRESIDENT_CITY)
    for (organisation, person), name in zip(voters, ["Alpha", "Bravo"], strict=True):
        gov.vote_cast(
            actor=person,
            motion=motion,
            organisation=organisation,
            candidates=[motion.candidates.get(organisation__name=name)],
        )
    gov.motion_close(actor=staff, motion=motion)
    login(client, staff)

    page = client.get(reverse("events:motion", args=[motion.pk])).content.decode()
    assert "No one elected" in page
    assert "Tie for the last seat between Alpha, Bravo — a second round is needed." in page
    response = client.post(reverse("events:motion_action", args=[motion.pk, "second-round"]))
    second = Motion.objects.exclude(pk=motion.pk).get()
    assert response["Location"].endswith(f"#motion-{second.pk}")
    assert second.status == MotionStatus.DRAFT


# --- Setting up ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "status"),
    [(None, 302), ("citizen", 403), ("representative", 403), ("regional_officer", 403)],
    indirect=["persona"],
)
def test_only_managers_set_up_a_meeting(client, ga, persona, status):
    if persona is not None:
        login(client, persona)
    assert client.get(edit_url(ga.event)).status_code == status
    response = client.post(edit_url(ga.event), {"part": "meeting", "body": "general_assembly"})
    assert response.status_code == status
    ga.refresh_from_db()
    assert ga.theme == "Cities for everyone"


def test_regional_staff_set_up_their_offices_meeting(client, regional_officer, make_event):
    event = governance_event(make_event, slug="ea-excom", office=regional_officer.regional_office)
    login(client, regional_officer)

    response = client.post(
        edit_url(event),
        {
            "part": "meeting",
            "body": GoverningBody.EXECUTIVE_COMMITTEE,
            "number": "",
            "theme": "Regional EXCOM",
            "quorum_percent": "60",
            "majority": "absolute",
        },
    )

    assert response.status_code == 302
    meeting = Meeting.objects.get(event=event)
    assert (meeting.body, meeting.quorum_percent, meeting.majority) == (
        "executive_committee",
        60,
        "absolute",
    )


def test_staff_build_the_agenda_motions_and_minutes(client, staff, ga, city, other_city):
    login(client, staff)
    url = edit_url(ga.event)
    assert "Add an agenda item" in client.get(url).content.decode()

    assert (
        client.post(
            url,
            {"part": "item", "item-new-title": "Elections", "item-new-presenter": "Secretariat"},
        ).status_code
        == 302
    )
    item = ga.items.get()
    bad = client.post(url, {"part": "item", "item-new-title": ""})
    assert bad.status_code == 400 and "This field is required." in bad.content.decode()
    assert ga.items.count() == 1

    response = client.post(
        url,
        {
            "part": "motion",
            "motion-new-agenda_item": item.pk,
            "motion-new-kind": "election",
            "motion-new-title": "Election of the President City",
            "motion-new-role": "president_city",
            "motion-new-seats": "1",
            "motion-new-term_start_year": "2027",
            "motion-new-term_end_year": "2029",
            "motion-new-candidates": [city.pk, other_city.pk],
        },
    )
    assert response.status_code == 302
    motion = Motion.objects.get()
    assert motion.agenda_item == item
    assert {c.organisation for c in motion.candidates.all()} == {city, other_city}

    bad = client.post(
        url,
        {
            "part": "motion",
            "motion-new-kind": "election",
            "motion-new-title": "Election without office",
            "motion-new-seats": "2",
        },
    )
    assert bad.status_code == 400
    assert "Name the office the election fills." in bad.content.decode()
    assert Motion.objects.count() == 1

    client.post(url, {"part": "minutes", "minutes": "Draft minutes.", "publish": "1"})
    ga.refresh_from_db()
    assert ga.minutes == "Draft minutes." and ga.minutes_published_at is not None

    document = client.post(
        url,
        {
            "part": "document",
            "document-title": "Candidacy letters",
            "document-access": "public",
            "document-agenda_item": item.pk,
            "document-file": SimpleUploadedFile(
                "letters.pdf", b"%PDF-1.4 letters", content_type="application/pdf"
            ),
        },
    )
    assert document.status_code == 302
    assert Document.objects.get().agenda_item == item
    assert "Candidacy letters" in client.get(meeting_url(ga)).content.decode()

    page = client.get(url).content.decode()
    for action in ("meeting.item_added", "motion.created", "meeting.minutes_published"):
        assert action in page
    assert AuditEntry.objects.filter(action="meeting.item_added").count() == 1


def test_an_open_motion_is_no_longer_edited(client, staff, ga):
    motion = put_to_vote(staff, ga, title="Budget")
    login(client, staff)

    response = client.post(
        edit_url(ga.event),
        {"part": "motion", "pk": motion.pk, f"motion-{motion.pk}-title": "Changed"},
        follow=True,
    )

    assert "Only a draft motion can be changed" in response.content.decode()
    motion.refresh_from_db()
    assert motion.title == "Budget"


def test_a_new_meeting_is_set_up_on_a_governance_event(client, staff, make_event, training):
    event = governance_event(make_event, slug="ga-8", title="8th General Assembly")
    login(client, staff)

    assert client.get(edit_url(training)).status_code == 404
    response = client.post(
        edit_url(event),
        {
            "part": "meeting",
            "body": "general_assembly",
            "number": "8",
            "theme": "Data for people",
            "quorum_percent": "101",
            "majority": "simple",
        },
    )
    assert response.status_code == 400
    assert not Meeting.objects.filter(event=event).exists()
    response = client.post(
        edit_url(event),
        {
            "part": "meeting",
            "body": "general_assembly",
            "number": "8",
            "theme": "Data for people",
            "quorum_percent": "50",
            "majority": "two_thirds",
        },
    )
    assert response.status_code == 302
    assert Meeting.objects.get(event=event).theme == "Data for people"


# --- The box on the event page ---------------------------------------------------------------


def test_meeting_box_shows_rules_agenda_and_open_votes(staff, ga, django_assert_max_num_queries):
    gov.agenda_item_save(actor=staff, meeting=ga, title="Opening")
    motion = put_to_vote(staff, ga, title="Adopt the agenda")
    gov.motion_save(actor=staff, meeting=ga, title="Hidden draft", kind=MotionKind.RESOLUTION)
    request = RequestFactory().get("/")

    with django_assert_max_num_queries(3):
        html = render_to_string("events/_meeting_box.html", {"event": ga.event}, request=request)

    assert "7th General Assembly" in html
    assert "Cities for everyone" in html
    assert "at least 50% of the voting members must vote" in html
    assert "Opening" in html
    assert reverse("events:motion", args=[motion.pk]) in html
    assert "Hidden draft" not in html
    assert meeting_url(ga) in html


def test_event_page_includes_the_meeting_box(client, ga):
    response = client.get(reverse("events:detail", args=[ga.event.slug]))

    assert response.status_code == 200
    assert "Agenda, votes and minutes" in response.content.decode()


def test_an_election_result_shows_on_the_profile_and_the_governance_page(client, staff, ga):
    year = TODAY.year
    seoul = member("Seoul")
    GovernanceRole.objects.create(
        organisation=seoul, role=GovernanceRoleKind.PRESIDENT_CITY, start_year=year - 3
    )
    abuja = member("Abuja")
    voters = voters_with_reps(3)
    motion = election(
        staff,
        ga,
        [abuja, seoul],
        seats=1,
        role=GovernanceRoleKind.PRESIDENT_CITY,
        term_start_year=year + 1,
        term_end_year=year + 3,
    )
    for organisation, person in voters:
        gov.vote_cast(
            actor=person,
            motion=motion,
            organisation=organisation,
            candidates=[motion.candidates.get(organisation=abuja)],
        )
    gov.motion_close(actor=staff, motion=motion)

    profile = client.get(reverse("members:detail", args=[abuja.slug])).content.decode()
    assert f"President city, {year + 1}–{year + 3}" in profile
    assert "Elected at 7th General Assembly" in profile
    seoul_profile = client.get(reverse("members:detail", args=[seoul.slug])).content.decode()
    assert f"President city, {year - 3}–{year}" in seoul_profile
    page = client.get(reverse("events:governance")).content.decode()
    assert f"Seoul</a>, {year - 3}–{year}" in page  # still in office this year
    assert f"Elected for the term from {year + 1}:" in page
    assert f"Abuja</a>, {year + 1}–{year + 3}" in page
