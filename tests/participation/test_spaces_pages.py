"""The pages of spaces: the list, a space, joining from it, managing it, its participants and
opening a space for a city; who may see and do what."""

import pytest
from django.core import mail
from django.urls import reverse

from activator.core.models import AuditEntry
from activator.members.enums import OrganisationType
from activator.participation import services_spaces as services
from activator.participation.enums import (
    NotificationMode,
    ParticipantStatus,
    PhaseKind,
    Plan,
    ProcessStatus,
    Verification,
)
from activator.participation.models import Category, Participant, Process, Space
from tests.factories import MembershipFactory, UserFactory
from tests.participation.conftest import join, make_phases

pytestmark = pytest.mark.django_db

MANAGERS = ["representative", "regional_officer", "staff"]
OTHERS = ["citizen", "outsider", "other_representative"]


def _html(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


# --- The list ---------------------------------------------------------------------------------


def test_the_list_says_so_when_there_is_no_space(client, db):
    html = _html(client.get("/participate/"))
    assert "No city has opened a participation space yet." in html


def test_the_list_shows_each_space_with_its_city_plan_and_open_processes(
    client, space, free_space, process
):
    Process.objects.create(space=space, slug="draft", title="Draft", status=ProcessStatus.DRAFT)
    over = Process.objects.create(
        space=space, slug="old", title="Old", status=ProcessStatus.PUBLISHED
    )
    make_phases(over, PhaseKind.RESULTS)
    over.phases.update(starts_on="2020-01-01", ends_on="2020-01-02")
    html = _html(client.get("/participate/"))
    assert "Seoul Participates" in html and "Abuja Participates" in html
    assert "South Korea" in html and "Nigeria" in html
    assert "Premium plan" in html and "Free plan" in html
    # Only the published process not over counts; the draft and the past one do not.
    assert "1 open process<" in html
    assert "0 open processes" in html


def test_the_list_needs_the_same_queries_for_many_spaces(
    client, space, organisation_factory, django_assert_max_num_queries
):
    with django_assert_max_num_queries(8) as few:
        client.get("/participate/")
    for n in range(12):
        city = MembershipFactory(organisation__name=f"City {n}").organisation
        Space.objects.create(organisation=city, slug=f"city-{n}", title=f"City {n} speaks")
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = _html(client.get("/participate/"))
    assert "City 11 speaks" in html


# --- A space ----------------------------------------------------------------------------------


def test_the_description_is_sanitised_on_the_page(client, space):
    Space.objects.filter(pk=space.pk).update(
        description="<p>Hello <strong>Seoul</strong></p><script>alert(1)</script>"
        '<a href="javascript:alert(2)" onclick="x()">link</a><img src=x onerror=alert(3)>'
    )
    html = _html(client.get("/participate/seoul/"))
    assert "<strong>Seoul</strong>" in html
    assert "<script>alert(1)" not in html
    assert "javascript:" not in html and "onclick" not in html and "onerror" not in html


def test_the_page_describes_the_plan_and_who_may_take_part(client, space):
    Space.objects.filter(pk=space.pk).update(
        verification=Verification.DOMAIN, email_domains="seoul.go.kr"
    )
    html = _html(client.get("/participate/seoul/"))
    assert "Premium" in html
    assert "Verified participants (code, e-mail domain or manual)" in html
    assert "Daily digest of notifications" in html
    assert "People with an e-mail address at seoul.go.kr" in html


def test_processes_show_by_time_and_drafts_only_to_managers(client, space, process, staff):
    draft = Process.objects.create(
        space=space, slug="idea", title="Unpublished idea", status=ProcessStatus.DRAFT
    )
    make_phases(draft, PhaseKind.INFORMATION)
    html = _html(client.get("/participate/seoul/"))
    assert "Participatory budget 2027" in html
    assert "Running now" in html and "Now: Proposals" in html
    assert "Unpublished idea" not in html
    client.force_login(staff)
    html = _html(client.get("/participate/seoul/"))
    assert "Unpublished idea" in html and ">Draft<" in html
    assert reverse("participation:process_new", args=["seoul"]) in html


def test_upcoming_and_past_processes(client, space):
    soon = Process.objects.create(
        space=space, slug="soon", title="Coming soon", status=ProcessStatus.PUBLISHED
    )
    done = Process.objects.create(
        space=space, slug="done", title="Long done", status=ProcessStatus.PUBLISHED
    )
    make_phases(done, PhaseKind.RESULTS)
    done.phases.update(starts_on="2020-01-01", ends_on="2020-01-05")
    html = _html(client.get("/participate/seoul/"))
    assert html.index("Coming up") < html.index("Coming soon") < html.index("Past")
    assert html.index("Past") < html.index("Long done")
    assert soon.title in html


def test_no_process_yet(client, space):
    assert "No process yet" in _html(client.get("/participate/seoul/"))


def test_an_unknown_space_is_not_found(client, db):
    assert client.get("/participate/nowhere/").status_code == 404


def test_anonymous_visitors_are_sent_to_log_in_or_sign_up_and_back(client, space):
    html = _html(client.get("/participate/seoul/"))
    assert "/accounts/login/?next=%2Fparticipate%2Fseoul%2F" in html
    assert "/accounts/signup/?next=%2Fparticipate%2Fseoul%2F" in html
    response = client.post("/participate/seoul/join/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert not Participant.objects.exists()


def test_joining_from_the_page(client, space, outsider):
    client.force_login(outsider)
    assert ">Join</button>" in _html(client.get("/participate/seoul/"))
    response = client.post("/participate/seoul/join/")
    assert response.status_code == 302
    html = _html(client.get("/participate/seoul/"))
    assert "You take part in this space." in html
    assert Participant.objects.get(user=outsider).status == "verified"


def test_a_wrong_code_on_the_page_shows_an_error_and_saves_nothing(client, space, outsider):
    Space.objects.filter(pk=space.pk).update(
        verification=Verification.CODE,
        invitation_code_hash=services.invitation_code_hash("SEOUL-2027"),
    )
    client.force_login(outsider)
    assert 'name="code"' in _html(client.get("/participate/seoul/"))
    html = _html(client.post("/participate/seoul/join/", {"code": "WRONG-CODE"}))
    assert "This is not the invitation code of this space." in html
    assert not Participant.objects.exists()
    client.post("/participate/seoul/join/", {"code": "seoul-2027"})
    assert Participant.objects.get(user=outsider).verified_by == "code"


def test_a_manual_space_shows_waiting_for_approval(client, space, outsider):
    Space.objects.filter(pk=space.pk).update(verification=Verification.MANUAL)
    client.force_login(outsider)
    assert "Ask to join" in _html(client.get("/participate/seoul/"))
    client.post("/participate/seoul/join/")
    assert "Waiting for approval" in _html(client.get("/participate/seoul/"))


def test_a_participant_chooses_notifications_digest_only_where_the_plan_has_it(
    client, space, free_space, participant
):
    client.force_login(participant)
    html = _html(client.get("/participate/seoul/"))
    assert 'value="digest"' in html
    client.post("/participate/seoul/notifications/", {"notifications": "digest"})
    assert Participant.objects.get(user=participant, space=space).notifications == "digest"
    join(free_space, participant)
    assert 'value="digest"' not in _html(client.get("/participate/abuja/"))
    client.post("/participate/abuja/notifications/", {"notifications": "digest"})
    row = Participant.objects.get(user=participant, space=free_space)
    assert row.notifications == NotificationMode.IMMEDIATE


def test_leaving_from_the_page(client, space, participant):
    client.force_login(participant)
    client.post("/participate/seoul/leave/")
    assert not Participant.objects.filter(user=participant).exists()


def test_other_participation_pages_are_not_taken_for_a_space(client, space, participant):
    """/participate/notifications/ is the inbox, not a space called “notifications”."""
    client.force_login(participant)
    response = client.get("/participate/notifications/")
    assert response.resolver_match.url_name == "notifications"


# --- Service requests on the space page -------------------------------------------------------


@pytest.fixture
def jurisdiction(city):
    from activator.open311.models import Jurisdiction, Service

    jurisdiction = Jurisdiction.objects.create(
        organisation=city, jurisdiction_id="seoul.kr", enabled=True
    )
    Service.objects.create(
        jurisdiction=jurisdiction, service_code="pothole", service_name="Pothole"
    )
    return jurisdiction


def test_the_jurisdiction_id_and_services_show_on_the_space_page(client, space, jurisdiction):
    html = _html(client.get("/participate/seoul/"))
    assert "jurisdiction_id <code>seoul.kr</code>" in html
    assert "Pothole" in html
    assert 'href="/participate/seoul/report/"' in html
    assert 'href="/open311/v2/discovery.json"' in html


def test_a_disabled_jurisdiction_does_not_show(client, space, jurisdiction):
    jurisdiction.enabled = False
    jurisdiction.save()
    html = _html(client.get("/participate/seoul/"))
    assert "seoul.kr" not in html and "/report/" not in html


# --- Managing: who may ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "code"),
    [(p, 200) for p in MANAGERS] + [(p, 403) for p in OTHERS],
    indirect=["persona"],
)
def test_who_may_open_the_settings_and_participants(client, space, persona, code):
    client.force_login(persona)
    assert client.get("/participate/seoul/manage/").status_code == code
    assert client.get("/participate/seoul/participants/").status_code == code


def test_anonymous_visitors_are_sent_to_log_in_from_the_settings(client, space):
    response = client.get("/participate/seoul/manage/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize(
    ("persona", "allowed"),
    [("staff", True), ("regional_officer", True), ("representative", False)]
    + [(p, False) for p in OTHERS],
    indirect=["persona"],
)
def test_only_staff_change_the_plan(client, free_space, space, persona, allowed):
    client.force_login(persona)
    page = client.get("/participate/seoul/manage/")
    if page.status_code == 200:
        assert ('name="plan"' in page.content.decode()) is allowed
    response = client.post("/participate/seoul/manage/", {"part": "plan", "plan": "free"})
    space.refresh_from_db()
    assert (space.plan == Plan.FREE) is allowed
    if allowed:
        assert response.status_code == 302
        assert AuditEntry.objects.filter(action="participation.plan_change").count() == 1
    else:
        assert response.status_code == 403
        assert not AuditEntry.objects.filter(action="participation.plan_change").exists()


def test_a_moderator_decides_on_participants_but_not_the_settings(client, space, outsider):
    moderator = UserFactory(email="mod@example.org")
    space.moderators.add(moderator)
    client.force_login(moderator)
    assert client.get("/participate/seoul/participants/").status_code == 200
    assert client.get("/participate/seoul/manage/").status_code == 403


# --- Managing: what is saved -----------------------------------------------------------------


def test_the_settings_are_saved_cleaned_and_audited(client, space, representative):
    client.force_login(representative)
    response = client.post(
        "/participate/seoul/manage/",
        {
            "part": "settings",
            "title": "Seoul speaks",
            "description": "<p>Hi</p><script>x()</script>",
            "is_open": "on",
            "verification": "domain",
            "email_domains": "@Seoul.go.kr\nseoul.kr",
            "flag_threshold": "5",
        },
    )
    assert response.status_code == 302
    space.refresh_from_db()
    assert (space.title, space.description, space.verification) == (
        "Seoul speaks",
        "<p>Hi</p>",
        "domain",
    )
    assert space.domain_list() == ["seoul.go.kr", "seoul.kr"]
    assert space.flag_threshold == 5
    entry = AuditEntry.objects.get(action="participation.space_update")
    assert entry.changes["title"] == ["Seoul Participates", "Seoul speaks"]


def test_bad_settings_show_errors_and_change_nothing(client, space, representative):
    client.force_login(representative)
    html = _html(
        client.post(
            "/participate/seoul/manage/",
            {
                "part": "settings",
                "title": "Seoul",
                "verification": "domain",
                "email_domains": "not a domain!",
                "flag_threshold": "3",
            },
        )
    )
    assert "is not a domain name" in html
    space.refresh_from_db()
    assert (space.title, space.verification) == ("Seoul Participates", "open")


def test_a_free_space_offers_only_open_verification(client, free_space, other_representative):
    client.force_login(other_representative)
    html = _html(client.get("/participate/abuja/manage/"))
    assert 'value="code"' not in html and "premium plan" in html
    client.post(
        "/participate/abuja/manage/",
        {"part": "settings", "title": "Abuja", "verification": "code", "flag_threshold": "3"},
    )
    free_space.refresh_from_db()
    assert free_space.verification == "open"


def test_a_new_invitation_code_is_shown_once(client, space, representative):
    Space.objects.filter(pk=space.pk).update(verification=Verification.CODE)
    client.force_login(representative)
    html = _html(
        client.post("/participate/seoul/manage/", {"part": "code", "code": "Gangnam-2027"})
    )
    assert "Gangnam-2027" in html and "not shown again" in html
    assert "Gangnam-2027" not in _html(client.get("/participate/seoul/manage/"))
    space.refresh_from_db()
    assert space.invitation_code_hash == services.invitation_code_hash("GANGNAM2027")


def test_moderators_are_named_by_e_mail(client, space, representative, outsider, neighbour):
    client.force_login(representative)
    client.post(
        "/participate/seoul/manage/",
        {"part": "moderators", "moderators": "OUTSIDER@example.org\nneighbour@example.org"},
    )
    assert set(space.moderators.all()) == {outsider, neighbour}
    html = _html(
        client.post(
            "/participate/seoul/manage/",
            {"part": "moderators", "moderators": "nobody@example.org"},
        )
    )
    assert "No active account has this e-mail address: nobody@example.org" in html
    assert set(space.moderators.all()) == {outsider, neighbour}


def test_categories_are_added_renamed_and_removed(client, space, mobility, representative):
    client.force_login(representative)
    client.post("/participate/seoul/manage/", {"part": "category_add", "name": "Culture"})
    html = _html(
        client.post("/participate/seoul/manage/", {"part": "category_add", "name": "mobility"})
    )
    assert "already" in html
    client.post(
        "/participate/seoul/manage/",
        {"part": "category_rename", "category": mobility.pk, "name": "Transport"},
    )
    assert sorted(space.categories.values_list("name", flat=True)) == ["Culture", "Transport"]
    client.post("/participate/seoul/manage/", {"part": "category_delete", "category": mobility.pk})
    assert list(space.categories.values_list("name", flat=True)) == ["Culture"]


def test_a_category_of_another_space_cannot_be_touched(client, space, free_space, representative):
    theirs = Category.objects.create(space=free_space, name="Markets")
    client.force_login(representative)
    response = client.post(
        "/participate/seoul/manage/", {"part": "category_delete", "category": theirs.pk}
    )
    assert response.status_code == 404
    assert Category.objects.filter(pk=theirs.pk).exists()


# --- Participants -----------------------------------------------------------------------------


def test_approving_from_the_participants_page_e_mails_the_person(
    client, space, outsider, representative, django_capture_on_commit_callbacks
):
    Space.objects.filter(pk=space.pk).update(verification=Verification.MANUAL)
    row = join(space, outsider, ParticipantStatus.PENDING)
    client.force_login(representative)
    html = _html(client.get("/participate/seoul/participants/"))
    assert "outsider@example.org" in html and "1 person is waiting for approval." in html
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/participate/seoul/participants/",
            {"participant": row.pk, "status": "verified", "note": ""},
        )
    row.refresh_from_db()
    assert row.status == "verified"
    assert [m.to for m in mail.outbox] == [["outsider@example.org"]]


def test_participants_of_another_space_cannot_be_decided_here(
    client, space, free_space, outsider, representative
):
    theirs = join(free_space, outsider, ParticipantStatus.PENDING)
    client.force_login(representative)
    response = client.post(
        "/participate/seoul/participants/", {"participant": theirs.pk, "status": "verified"}
    )
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == "pending"


# --- Opening a space --------------------------------------------------------------------------


@pytest.fixture
def busan(asia):
    return MembershipFactory(organisation__name="Busan", organisation__region=asia).organisation


def test_staff_open_a_space_from_the_list(client, staff, busan):
    client.force_login(staff)
    assert "Open a participation space" in _html(client.get("/participate/"))
    response = client.post("/participate/new/", {"city": busan.pk, "title": ""})
    space = Space.objects.get(organisation=busan)
    assert response["Location"] == f"/participate/{space.slug}/manage/"
    assert (space.title, space.plan) == ("Busan participates", "free")
    assert AuditEntry.objects.filter(action="participation.space_create").count() == 1


def test_a_representative_opens_their_citys_space_from_its_profile(client, city, representative):
    client.force_login(representative)
    html = _html(client.get(city.get_absolute_url()))
    assert f"/participate/new/?city={city.slug}" in html
    client.post("/participate/new/", {"city": city.pk})
    space = Space.objects.get(organisation=city)
    html = _html(client.get(city.get_absolute_url()))
    assert space.get_absolute_url() in html and "/participate/new/" not in html


def test_a_representative_cannot_open_another_citys_space(client, busan, representative):
    client.force_login(representative)
    client.post("/participate/new/", {"city": busan.pk})
    assert not Space.objects.exists()


def test_a_citizen_cannot_open_a_space(client, citizen, space):
    client.force_login(citizen)
    assert "Open a participation space" not in _html(client.get("/participate/"))
    assert client.get("/participate/new/").status_code == 403
    assert client.post("/participate/new/", {"city": space.organisation.pk}).status_code == 403


def test_a_representative_is_offered_only_their_own_city(client, space, other_representative):
    client.force_login(other_representative)
    assert "Open a participation space" in _html(client.get("/participate/"))
    html = _html(client.get("/participate/new/"))
    assert ">Abuja<" in html and ">Seoul<" not in html


def test_only_local_governments_have_spaces(client, staff, organisation_factory):
    company = MembershipFactory(
        organisation__name="Sensors Inc", organisation__type=OrganisationType.CORPORATION
    ).organisation
    client.force_login(staff)
    html = _html(client.get(company.get_absolute_url()))
    assert "Open a participation space" not in html
    client.post("/participate/new/", {"city": company.pk})
    assert not Space.objects.exists()


def test_a_city_has_one_space(client, space, staff, busan):
    client.force_login(staff)
    html = _html(client.get("/participate/new/"))
    assert ">Busan<" in html and ">Seoul<" not in html
    client.post("/participate/new/", {"city": space.organisation.pk})
    assert Space.objects.count() == 1


def test_login_page_links_to_sign_up(client, space):
    html = _html(client.get("/accounts/login/?next=/participate/seoul/"))
    assert "/accounts/signup/?next=/participate/seoul/" in html
