"""The report form, the moderation queue, one item's page, the appeal page and the template tags,
as people use them in a browser."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.template import Context, Template
from django.test import RequestFactory

from activator.core.models import AuditEntry
from activator.participation import services_moderation as moderation
from activator.participation.enums import AppealStatus, FlagReason, Moderation
from activator.participation.models import Comment, Debate, Flag, Proposal
from tests.participation import test_moderation_services as shared
from tests.participation.test_moderation_services import fresh, hide_by_reports

pytestmark = pytest.mark.django_db

# The moderation fixtures (content, more participants, a named moderator).
comment = shared.comment
debate = shared.debate
make_participants = shared.make_participants
proposal = shared.proposal
space_moderator = shared.space_moderator

FLAG = "/participate/flag/"


def queue_url(space, tab=None):
    return f"/participate/{space.slug}/moderation/" + (f"?tab={tab}" if tab else "")


def moderate_url(target):
    return f"/participate/moderation/{moderation.kind_of(target)}/{target.pk}/"


def appeal_url(target):
    return f"/participate/appeal/{moderation.kind_of(target)}/{target.pk}/"


def render(text: str, viewer, **context) -> str:
    request = RequestFactory().get("/participate/seoul/processes/budget-2027/")
    request.user = viewer or AnonymousUser()
    return Template("{% load moderation_tags %}" + text).render(
        Context({"request": request, **context})
    )


# --- Reporting from a page ----------------------------------------------------------------------


def test_reporting_from_a_page_goes_back_with_a_thank_you(client, proposal, neighbour):
    client.force_login(neighbour)
    back = "/participate/seoul/processes/budget-2027/"
    response = client.post(
        FLAG,
        {"kind": "proposal", "id": proposal.pk, "reason": "spam", "details": "Ads", "next": back},
        follow=True,
    )
    assert response.redirect_chain[0] == (back, 302)
    assert "The moderators will look at your report" in response.content.decode()
    report = Flag.objects.get()
    assert report.user == neighbour and report.reason == "spam" and report.details == "Ads"


def test_reporting_twice_says_so_and_keeps_one(client, proposal, neighbour):
    client.force_login(neighbour)
    data = {"kind": "proposal", "id": proposal.pk, "reason": "spam", "next": "/participate/"}
    client.post(FLAG, data)
    response = client.post(FLAG, data, follow=True)
    assert "You already reported this." in response.content.decode()
    assert Flag.objects.count() == 1 and fresh(proposal).flags_count == 1


def test_reporting_with_htmx_swaps_the_answer_in(client, proposal, neighbour):
    client.force_login(neighbour)
    data = {"kind": "proposal", "id": proposal.pk, "reason": "spam"}
    response = client.post(FLAG, data, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "The moderators will look at your report" in response.content.decode()
    again = client.post(FLAG, data, HTTP_HX_REQUEST="true")
    assert "You already reported this." in again.content.decode()


def test_reporting_own_content_from_a_page_is_refused(client, proposal, participant):
    client.force_login(participant)
    response = client.post(
        FLAG, {"kind": "proposal", "id": proposal.pk, "reason": "spam"}, follow=True
    )
    assert "You cannot report what you wrote." in response.content.decode()
    assert not Flag.objects.exists()


def test_an_outside_address_in_next_is_not_followed(client, proposal, neighbour):
    client.force_login(neighbour)
    response = client.post(
        FLAG,
        {"kind": "proposal", "id": proposal.pk, "reason": "spam", "next": "https://evil.example/"},
    )
    assert response.status_code == 302
    assert response["Location"] == proposal.get_absolute_url()


def test_outsiders_get_403_and_anonymous_people_log_in(client, proposal, outsider):
    data = {"kind": "proposal", "id": proposal.pk, "reason": "spam"}
    response = client.post(FLAG, data)
    assert response.status_code == 302 and "/login" in response["Location"]
    client.force_login(outsider)
    assert client.post(FLAG, data).status_code == 403
    assert client.get(FLAG).status_code == 405
    assert not Flag.objects.exists()


@pytest.mark.parametrize(
    "kind, pk",
    [("nope", "1"), ("proposal", str(2**63)), ("proposal", "abc"), ("프로포절", "1"), ("", "")],
)
def test_reporting_what_does_not_exist_is_404(client, neighbour, proposal, kind, pk):
    client.force_login(neighbour)
    assert client.post(FLAG, {"kind": kind, "id": pk, "reason": "spam"}).status_code == 404
    assert client.post(FLAG, {"kind": "proposal", "id": 999_999, "reason": "spam"}).status_code == (
        404
    )


def test_a_bad_reason_is_an_error_message(client, proposal, neighbour):
    client.force_login(neighbour)
    response = client.post(
        FLAG, {"kind": "proposal", "id": proposal.pk, "reason": "because"}, follow=True
    )
    assert response.status_code == 200
    assert not Flag.objects.exists()


# --- The queue ----------------------------------------------------------------------------------


def test_queue_tabs_show_what_waits(
    client,
    space,
    process,
    proposal,
    debate,
    comment,
    representative,
    participant,
    make_participants,
):
    people = make_participants(3)
    hide_by_reports(proposal, people)  # awaiting
    moderation.flag(people[0], debate, FlagReason.OFF_TOPIC)  # reported, still visible
    moderation.flag(people[1], debate, FlagReason.SPAM)
    other = Comment.objects.create(proposal=proposal, author=participant, body="<p>Rude</p>")
    moderation.hide(representative, other, "Insults <b>people</b>.")  # hidden
    moderation.appeal(participant, fresh(other), "I was quoting someone.")  # appeal
    client.force_login(representative)

    awaiting = client.get(queue_url(space, "awaiting"))
    assert awaiting.status_code == 200
    page = awaiting.content.decode()
    assert "Bike lanes on Jongno" in page and "Spam (3)" in page
    assert "Car-free Sundays?" not in page

    flagged = client.get(queue_url(space, "flagged")).content.decode()
    assert "Car-free Sundays?" in flagged
    assert "Off topic (1)" in flagged and "Spam (1)" in flagged
    assert "Bike lanes on Jongno" not in flagged
    assert f'action="{moderate_url(debate)}"' in flagged

    hidden = client.get(queue_url(space, "hidden")).content.decode()
    assert "Insults &lt;b&gt;people&lt;/b&gt;." in hidden and "Bike lanes" not in hidden

    appeals = client.get(queue_url(space, "appeals")).content.decode()
    assert "I was quoting someone." in appeals and 'value="grant_appeal"' in appeals
    assert [item.target for item in client.get(queue_url(space, "appeals")).context["items"]] == [
        fresh(other)
    ]


def test_the_queue_is_empty_without_reports(client, space, proposal, representative):
    client.force_login(representative)
    response = client.get(queue_url(space))
    assert response.status_code == 200 and "Nothing to look at here." in response.content.decode()
    assert client.get(queue_url(space, "junk")).status_code == 200


@pytest.mark.parametrize(
    "who, status",
    [
        ("representative", 200),
        ("regional_officer", 200),
        ("staff", 200),
        ("space_moderator", 200),
        ("neighbour", 403),
        ("participant", 403),
        ("outsider", 403),
        ("other_representative", 403),
    ],
)
def test_who_sees_the_queue(request, client, space, who, status):
    client.force_login(request.getfixturevalue(who))
    assert client.get(queue_url(space)).status_code == status


def test_queue_needs_a_login_and_a_space(client, space, representative):
    response = client.get(queue_url(space))
    assert response.status_code == 302 and "/login" in response["Location"]
    client.force_login(representative)
    assert client.get("/participate/nowhere/moderation/").status_code == 404


def test_queue_queries_do_not_grow_with_30_reported_items(
    client,
    space,
    process,
    participant,
    representative,
    make_participants,
    django_assert_max_num_queries,
):
    space.flag_threshold = 5
    space.save()
    reporters = make_participants(2)
    proposal = Proposal.objects.create(process=process, author=participant, title="P", body="b")
    items = [proposal]
    for i in range(10):
        items.append(
            Proposal.objects.create(process=process, author=participant, title=f"P{i}", body="b")
        )
        items.append(
            Debate.objects.create(process=process, author=participant, title=f"D{i}", body="b")
        )
        items.append(Comment.objects.create(proposal=proposal, author=participant, body=f"C{i}"))
    items = items[:30]
    for item in items:
        for person in reporters:
            moderation.flag(person, item, FlagReason.SPAM)
    client.force_login(representative)
    with django_assert_max_num_queries(20):
        response = client.get(queue_url(space, "flagged"))
    assert response.status_code == 200
    assert len(response.context["items"]) == 20
    assert response.context["page_obj"].paginator.count == 30
    with django_assert_max_num_queries(20):
        second = client.get(queue_url(space, "flagged") + "&page=2")
    assert len(second.context["items"]) == 10
    shown = {(i.kind, i.target.pk) for i in response.context["items"]} | {
        (i.kind, i.target.pk) for i in second.context["items"]
    }
    assert shown == {(moderation.kind_of(t), t.pk) for t in items}
    assert all(i.reason_counts == {"spam": 2} for i in response.context["items"])


def test_a_restored_item_leaves_the_reported_tab(
    client, space, proposal, representative, make_participants
):
    people = make_participants(2)
    for person in people:
        moderation.flag(person, proposal, FlagReason.SPAM)
    client.force_login(representative)
    assert client.get(queue_url(space, "flagged")).context["page_obj"].paginator.count == 1
    moderation.restore(representative, fresh(proposal), "Fine.")
    assert client.get(queue_url(space, "flagged")).context["page_obj"].paginator.count == 0


# --- One item: decide ---------------------------------------------------------------------------


def test_moderator_hides_from_the_queue_and_goes_back(
    client, space, proposal, representative, make_participants
):
    moderation.flag(make_participants(1)[0], proposal, FlagReason.SPAM)
    client.force_login(representative)
    back = queue_url(space, "flagged")
    response = client.post(
        moderate_url(proposal), {"action": "hide", "reason": "Advertising.", "next": back}
    )
    assert response.status_code == 302 and response["Location"] == back
    proposal = fresh(proposal)
    assert proposal.moderation == Moderation.HIDDEN and proposal.hidden_reason == "Advertising."
    assert AuditEntry.objects.filter(action="participation.hidden", actor=representative).exists()


def test_hiding_without_a_reason_shows_the_error(client, proposal, representative):
    client.force_login(representative)
    response = client.post(moderate_url(proposal), {"action": "hide", "reason": ""})
    assert response.status_code == 422
    assert "everyone will see the reason" in response.content.decode()
    assert fresh(proposal).moderation == Moderation.VISIBLE


def test_item_page_shows_body_reports_and_history(
    client, proposal, participant, representative, make_participants
):
    people = make_participants(3)
    moderation.flag(people[0], proposal, FlagReason.SPAM, "Sells bicycles")
    moderation.flag(people[1], proposal, FlagReason.SPAM)
    moderation.flag(people[2], proposal, FlagReason.OFFENSIVE)
    moderation.appeal(participant, fresh(proposal), "I sell nothing.")
    client.force_login(representative)
    page = client.get(moderate_url(proposal)).content.decode()
    assert "Protected lanes from the station" in page
    assert "Sells bicycles" in page and "Spam (2)" in page
    assert "Hidden by reports until a moderator decides" in page
    assert "Appealed by the author" in page and "I sell nothing." in page
    assert 'value="grant_appeal"' in page and 'value="hide"' not in page

    response = client.post(moderate_url(proposal), {"action": "grant_appeal", "reason": ""})
    assert response.status_code == 302
    page = client.get(moderate_url(proposal)).content.decode()
    assert "Appeal granted" in page and 'value="hide"' in page
    assert fresh(proposal).moderation == Moderation.VISIBLE


@pytest.mark.parametrize(
    "who, status",
    [
        ("representative", 200),
        ("regional_officer", 200),
        ("staff", 200),
        ("space_moderator", 200),
        ("neighbour", 403),
        ("participant", 403),
        ("outsider", 403),
        ("other_representative", 403),
    ],
)
def test_who_may_decide_on_an_item(request, client, proposal, who, status):
    client.force_login(request.getfixturevalue(who))
    assert client.get(moderate_url(proposal)).status_code == status
    response = client.post(moderate_url(proposal), {"action": "hide", "reason": "Spam."})
    assert response.status_code == (302 if status == 200 else 403)
    assert (fresh(proposal).moderation == Moderation.HIDDEN) == (status == 200)


@pytest.mark.parametrize(
    "path",
    [
        "/participate/moderation/nope/1/",
        "/participate/moderation/proposal/99999/",
        f"/participate/moderation/proposal/{2**63}/",
        f"/participate/moderation/proposal/{10**40}/",
        "/participate/moderation/%ED%94%84%EB%A1%9C/1/",
        "/participate/moderation/proposal%00/1/",
        "/participate/appeal/nope/1/",
        f"/participate/appeal/comment/{2**64}/",
        "/participate/appeal/%C3%B1/1/",
    ],
)
def test_bad_kinds_and_ids_are_404_not_500(client, representative, proposal, path):
    client.force_login(representative)
    assert client.get(path).status_code == 404
    assert client.post(path, {"action": "hide", "reason": "x", "text": "x"}).status_code == 404


def test_non_numeric_ids_do_not_resolve(client, representative):
    client.force_login(representative)
    assert client.get("/participate/moderation/proposal/abc/").status_code == 404


# --- Appeal page --------------------------------------------------------------------------------


def test_author_appeals_from_the_appeal_page_once(client, proposal, participant, representative):
    moderation.hide(representative, proposal, "Spam.")
    client.force_login(participant)
    page = client.get(appeal_url(proposal)).content.decode()
    assert "Hidden by the moderators: Spam." in page and 'name="text"' in page
    response = client.post(appeal_url(proposal), {"text": "It is about bike lanes."})
    assert response.status_code == 302
    proposal = fresh(proposal)
    assert proposal.appeal_status == AppealStatus.PENDING
    page = client.get(appeal_url(proposal)).content.decode()
    assert "Your appeal is waiting for the moderators." in page and 'name="text"' not in page
    again = client.post(appeal_url(proposal), {"text": "Second try."})
    assert again.status_code == 422 and "already appealed" in again.content.decode()
    assert fresh(proposal).appeal_text == "It is about bike lanes."
    assert AuditEntry.objects.filter(action="participation.appealed").count() == 1


def test_empty_appeal_is_refused(client, proposal, participant, representative):
    moderation.hide(representative, proposal, "Spam.")
    client.force_login(participant)
    assert client.post(appeal_url(proposal), {"text": ""}).status_code == 422
    assert fresh(proposal).appeal_status == AppealStatus.NONE


@pytest.mark.parametrize("who", ["neighbour", "representative", "outsider", "staff"])
def test_only_the_author_opens_the_appeal_page(request, client, proposal, representative, who):
    moderation.hide(representative, proposal, "Spam.")
    client.force_login(request.getfixturevalue(who))
    assert client.get(appeal_url(proposal)).status_code == 403
    assert client.post(appeal_url(proposal), {"text": "Please"}).status_code == 403
    assert fresh(proposal).appeal_status == AppealStatus.NONE


# --- Template tags ------------------------------------------------------------------------------


def test_flag_button_for_a_verified_participant(proposal, neighbour):
    html = render("{% flag_button proposal %}", neighbour, proposal=proposal)
    assert 'action="/participate/flag/"' in html and "<details>" in html
    assert 'name="reason"' in html and 'value="spam"' in html
    assert f'name="id" value="{proposal.pk}"' in html
    assert 'name="next" value="/participate/seoul/processes/budget-2027/"' in html
    assert "csrfmiddlewaretoken" in html


def test_flag_button_says_when_already_reported(proposal, neighbour):
    moderation.flag(neighbour, proposal, FlagReason.SPAM)
    html = render("{% flag_button proposal %}", neighbour, proposal=fresh(proposal))
    assert "You reported this." in html and "<form" not in html


def test_flag_button_nobody_else_sees(proposal, participant, outsider, representative):
    assert render("{% flag_button proposal %}", None, proposal=proposal).strip() == ""
    assert render("{% flag_button proposal %}", participant, proposal=proposal).strip() == ""
    assert render("{% flag_button proposal %}", outsider, proposal=proposal).strip() == ""
    assert render("{% flag_button proposal %}", representative, proposal=proposal).strip() == ""


def test_flag_button_hides_for_hidden_content(proposal, neighbour, representative):
    moderation.hide(representative, proposal, "Spam.")
    assert render("{% flag_button proposal %}", neighbour, proposal=fresh(proposal)).strip() == ""


def test_flag_buttons_in_a_thread_read_once(
    proposal, participant, neighbour, django_assert_max_num_queries
):
    comments = [
        Comment.objects.select_related("proposal__process__space").get(
            pk=Comment.objects.create(proposal=proposal, author=participant, body=f"c{i}").pk
        )
        for i in range(10)
    ]
    moderation.flag(neighbour, comments[3], FlagReason.SPAM)
    reported = moderation.flagged_ids(neighbour, "comment", [c.pk for c in comments])
    template = "{% for c in comments %}{% flag_button c flagged=reported %}{% endfor %}"
    with django_assert_max_num_queries(3):
        html = render(template, neighbour, comments=comments, reported=reported)
    assert html.count("You reported this.") == 1 and html.count("<details>") == 9


def test_flag_buttons_without_the_set_still_read_once(
    proposal, participant, neighbour, django_assert_max_num_queries
):
    comments = list(
        Comment.objects.select_related("proposal__process__space").filter(
            pk__in=[
                Comment.objects.create(proposal=proposal, author=participant, body=f"c{i}").pk
                for i in range(12)
            ]
        )
    )
    moderation.flag(neighbour, comments[5], FlagReason.SPAM)
    with django_assert_max_num_queries(4):
        html = render(
            "{% for c in comments %}{% flag_button c %}{% endfor %}", neighbour, comments=comments
        )
    assert html.count("You reported this.") == 1 and html.count("<details>") == 11


def test_notice_says_nothing_while_visible(proposal, neighbour):
    assert render("{% moderation_notice proposal %}", neighbour, proposal=proposal).strip() == ""


def test_notice_while_moderators_review(proposal, make_participants, neighbour):
    awaiting = hide_by_reports(proposal, make_participants(3))
    html = render("{% moderation_notice proposal %}", neighbour, proposal=awaiting)
    assert "Hidden while moderators review reports." in html
    assert "appeal" not in html.lower() and "/participate/moderation/" not in html


def test_notice_shows_the_reason_escaped_to_everyone(proposal, representative):
    moderation.hide(representative, proposal, "<script>alert(1)</script> & insults")
    html = render("{% moderation_notice proposal %}", None, proposal=fresh(proposal))
    assert "Hidden by the moderators: &lt;script&gt;alert(1)&lt;/script&gt; &amp; insults" in html
    assert "<script>" not in html


def test_notice_offers_the_author_an_appeal_then_its_state(proposal, participant, representative):
    moderation.hide(representative, proposal, "Spam.")
    html = render("{% moderation_notice proposal %}", participant, proposal=fresh(proposal))
    assert f'action="{appeal_url(proposal)}"' in html and 'name="text"' in html
    moderation.appeal(participant, fresh(proposal), "Not spam.")
    html = render("{% moderation_notice proposal %}", participant, proposal=fresh(proposal))
    assert "Your appeal is waiting for the moderators." in html and "<form" not in html
    moderation.decide_appeal(representative, fresh(proposal), grant=False, reason="Spam links.")
    html = render("{% moderation_notice proposal %}", participant, proposal=fresh(proposal))
    assert "The moderators refused your appeal." in html and "Spam links." in html


def test_notice_links_moderators_to_the_decision(proposal, representative, space_moderator):
    moderation.hide(representative, proposal, "Spam.")
    for person in (representative, space_moderator):
        html = render("{% moderation_notice proposal %}", person, proposal=fresh(proposal))
        assert f'href="{moderate_url(proposal)}"' in html


def test_can_view_body_filter(proposal, participant, neighbour, representative):
    moderation.hide(representative, proposal, "Spam.")
    template = "{% if user|can_view_body:proposal %}BODY{% else %}NONE{% endif %}"
    assert render(template, None, user=participant, proposal=fresh(proposal)) == "BODY"
    assert render(template, None, user=neighbour, proposal=fresh(proposal)) == "NONE"
    assert render(template, None, user=AnonymousUser(), proposal=fresh(proposal)) == "NONE"


# --- The public proposal page -------------------------------------------------------------------


def test_hidden_proposal_loses_its_body_and_keeps_its_reason_on_its_page(
    client, proposal, participant, neighbour, representative
):
    url = proposal.get_absolute_url()
    assert "Protected lanes from the station" in client.get(url).content.decode()
    moderation.hide(representative, proposal, "Advertises a shop.")
    for viewer in (None, neighbour):
        if viewer:
            client.force_login(viewer)
        page = client.get(url).content.decode()
        assert "Protected lanes from the station" not in page
        assert "Advertises a shop." in page
    client.force_login(participant)
    page = client.get(url).content.decode()
    assert "Protected lanes from the station" in page and f'action="{appeal_url(proposal)}"' in page
    moderation.appeal(participant, fresh(proposal), "Not an ad.")
    moderation.decide_appeal(representative, fresh(proposal), grant=True)
    client.logout()
    assert "Protected lanes from the station" in client.get(url).content.decode()
