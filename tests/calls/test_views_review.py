"""The review pages: staff running rounds, reviewers scoring, and what each may not do."""

import csv
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from activator.accounts.enums import AffiliationRole, PlatformRole
from activator.calls import selectors, services, services_review
from activator.calls.enums import (
    ApplicationStatus,
    BidPreference,
    ReviewStatus,
    RoundStatus,
)
from activator.calls.models import Application, Bid, Review, ReviewRound, RoundReviewer, Score
from tests.calls.conftest import answer_all
from tests.factories import AffiliationFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


# --- Building blocks ------------------------------------------------------------------------


def apply(call, person, organisation, *, title, category=None):
    """A submitted application, made through the services as the applicant would."""
    application = services.application_start(
        actor=person,
        call=call,
        organisation=organisation,
        title=title,
        category=category or call.categories.first(),
    )
    services.application_save(actor=person, application=application, answers=answer_all(call))
    return services.application_submit(actor=person, application=application)


def member_city(name, *, country, region):
    """A member city and its representative."""
    organisation = MembershipFactory(
        organisation__name=name, organisation__country=country, organisation__region=region
    ).organisation
    person = AffiliationFactory(organisation=organisation, role=AffiliationRole.REPRESENTATIVE)
    return organisation, person.user


def juror(email, **fields):
    return UserFactory(email=email, platform_role=PlatformRole.REVIEWER, **fields)


def round_url(review_round, name="calls:round"):
    return reverse(name, args=[review_round.call.slug, review_round.number])


def score(review, values, comment=""):
    criteria = list(review.round.criteria.all())
    return services_review.review_submit(
        actor=review.reviewer,
        review=review,
        scores={c.pk: v for c, v in zip(criteria, values, strict=True)},
        comment=comment,
    )


def texts(response) -> str:
    return response.content.decode()


@pytest.fixture
def seoul_application(award, representative, city):
    return apply(award, representative, city, title="Smart bus stops")


@pytest.fixture
def abuja_application(award, other_representative, other_city):
    return apply(award, other_representative, other_city, title="Open data portal")


@pytest.fixture
def jurors(db):
    return [juror(f"juror{i}@example.org", full_name=f"Juror {i}") for i in range(3)]


@pytest.fixture
def started(award, make_round, staff, jurors, seoul_application, abuja_application):
    """A started first round of the award with three jurors in the pool."""
    review_round = make_round(award, reviewers=jurors)
    return services_review.round_start(actor=staff, review_round=review_round)


# --- Who may open the staff pages -----------------------------------------------------------


STAFF_PAGES = ["calls:round", "calls:round_edit"]


@pytest.mark.parametrize(
    "persona", ["representative", "reviewer", "citizen", "regional_officer"], indirect=True
)
@pytest.mark.parametrize("page", STAFF_PAGES)
def test_staff_pages_refuse_everyone_else(client, started, persona, page):
    client.force_login(persona)
    response = client.get(round_url(started, page))
    assert response.status_code == 403
    assert "You may not do this" in texts(response)


@pytest.mark.parametrize(
    "persona", ["representative", "reviewer", "citizen", "regional_officer"], indirect=True
)
def test_new_round_page_refuses_everyone_else(client, award, persona):
    client.force_login(persona)
    response = client.get(reverse("calls:round_create", args=[award.slug]))
    assert response.status_code == 403
    assert not award.rounds.exists()


@pytest.mark.parametrize("page", STAFF_PAGES)
def test_staff_pages_send_anonymous_visitors_to_log_in(client, started, page):
    response = client.get(round_url(started, page))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


@pytest.mark.parametrize(
    ("name", "extra"),
    [
        ("calls:round_start", {}),
        ("calls:round_close", {}),
        ("calls:assign_auto", {"auto-per_application": "2"}),
        ("calls:criterion_add", {"criterion-name": "Reach", "criterion-weight": "1"}),
    ],
)
@pytest.mark.parametrize("persona", ["representative", "reviewer", "citizen"], indirect=True)
def test_staff_actions_refuse_everyone_else(client, started, persona, name, extra):
    client.force_login(persona)
    response = client.post(round_url(started, name), extra)
    assert response.status_code == 403
    started.refresh_from_db()
    assert started.status == RoundStatus.REVIEWING
    assert started.reviews.count() == 0
    assert started.criteria.count() == 2


def test_staff_of_the_running_office_manage_its_rounds(
    client, make_call, make_round, regional_officer, staff
):
    call = make_call(office=regional_officer.regional_office, title="Regional prize")
    review_round = make_round(call)
    client.force_login(regional_officer)
    response = client.get(round_url(review_round))
    assert response.status_code == 200
    assert response.context["review_round"] == review_round


def test_draft_call_rounds_are_not_revealed_to_others(client, make_call, make_round, citizen):
    call = make_call(title="Hidden call")
    call.status = "draft"
    call.save()
    review_round = make_round(call)
    client.force_login(citizen)
    assert client.get(round_url(review_round)).status_code == 404


# --- Creating and setting up a round --------------------------------------------------------


def test_staff_create_a_round(client, staff, award):
    client.force_login(staff)
    url = reverse("calls:round_create", args=[award.slug])
    form = client.get(url).context["form"]
    assert form["scale_min"].value() == 1 and form["scale_max"].value() == 10
    response = client.post(
        url,
        {
            "name": "",
            "scale_min": "0",
            "scale_max": "5",
            "reviews_per_application": "2",
            "normalise": "on",
            "trim": "1",
            "disagreement_threshold": "0.4",
            "ends_on": "2030-05-01",
        },
    )
    review_round = award.rounds.get()
    assert response.status_code == 302
    assert response.url == round_url(review_round)
    assert (review_round.number, review_round.name) == (1, "Evaluation round 1")
    assert (review_round.scale_min, review_round.scale_max) == (0, 5)
    assert review_round.reviews_per_application == 2
    assert review_round.normalise is True and review_round.trim == 1
    assert review_round.disagreement_threshold == 0.4
    assert str(review_round.ends_on) == "2030-05-01"


def test_a_round_needs_an_ordered_scale(client, staff, award):
    client.force_login(staff)
    response = client.post(
        reverse("calls:round_create", args=[award.slug]),
        {
            "scale_min": "5",
            "scale_max": "5",
            "reviews_per_application": "3",
            "trim": "0",
            "disagreement_threshold": "0.25",
        },
    )
    assert response.status_code == 400
    assert response.context["form"].errors["scale_max"] == [
        "The highest score must be above the lowest."
    ]
    assert not award.rounds.exists()


def test_staff_change_a_round(client, staff, award, make_round):
    review_round = make_round(award)
    client.force_login(staff)
    response = client.post(
        round_url(review_round, "calls:round_edit"),
        {
            "name": "Jury",
            "scale_min": "1",
            "scale_max": "10",
            "reviews_per_application": "5",
            "trim": "0",
            "disagreement_threshold": "0.3",
        },
    )
    assert response.status_code == 302
    review_round.refresh_from_db()
    assert (review_round.name, review_round.reviews_per_application) == ("Jury", 5)


def test_the_scale_cannot_change_once_reviews_are_in(client, staff, started):
    review = services_review.assign(
        actor=staff,
        review_round=started,
        application=started.applications.first(),
        reviewer=started.reviewers.first(),
    )
    score(review, [7, 7])
    client.force_login(staff)
    response = client.post(
        round_url(started, "calls:round_edit"),
        {
            "name": started.name,
            "scale_min": "1",
            "scale_max": "5",
            "reviews_per_application": "3",
            "trim": "0",
            "disagreement_threshold": "0.25",
        },
    )
    assert response.status_code == 400
    assert response.context["form"].non_field_errors() == [
        "The scale cannot change once reviews are submitted."
    ]
    started.refresh_from_db()
    assert started.scale_max == 10


def test_staff_add_and_remove_criteria(client, staff, award, make_round):
    review_round = make_round(award)
    client.force_login(staff)
    response = client.post(
        round_url(review_round, "calls:criterion_add"),
        {"criterion-name": "Scalability", "criterion-weight": "1.5"},
    )
    assert response.status_code == 302
    assert response.url == round_url(review_round) + "#rubric"
    added = review_round.criteria.get(name="Scalability")
    assert (str(added.weight), added.position) == ("1.50", 2)
    page = client.get(round_url(review_round))
    assert [c["share"] for c in page.context["criteria"]] == [44, 22, 33]
    response = client.post(
        reverse("calls:criterion_remove", args=[award.slug, review_round.number, added.pk])
    )
    assert response.status_code == 302
    assert list(review_round.criteria.values_list("name", flat=True)) == ["Impact", "Innovation"]


def test_a_criterion_needs_a_positive_weight(client, staff, award, make_round):
    review_round = make_round(award)
    client.force_login(staff)
    response = client.post(
        round_url(review_round, "calls:criterion_add"),
        {"criterion-name": "Scalability", "criterion-weight": "0"},
    )
    assert response.status_code == 400
    assert "weight" in response.context["criterion_form"].errors
    assert review_round.criteria.count() == 2


def test_staff_add_a_reviewer_by_email_with_a_country(client, staff, award, make_round, citizen):
    review_round = make_round(award)
    client.force_login(staff)
    response = client.post(
        round_url(review_round, "calls:pool_add"),
        {"pool-email": "CITIZEN@example.org", "pool-country": "NG"},
    )
    assert response.status_code == 302
    seat = review_round.pool.get()
    assert (seat.reviewer, seat.country.code) == (citizen, "NG")


def test_the_pool_suggests_reviewers_first(client, staff, award, make_round, citizen):
    review_round = make_round(award)
    listed = juror("listed@example.org", full_name="Zed Listed")
    seated_before = UserFactory(email="former@example.org", full_name="Ann Former")
    earlier = make_round(award, reviewers=[seated_before])
    assert earlier.number == 2
    client.force_login(staff)
    suggestions = client.get(round_url(review_round)).context["suggestions"]
    assert suggestions == [listed, seated_before]


def test_an_unknown_or_inactive_person_cannot_join_the_pool(client, staff, award, make_round):
    review_round = make_round(award)
    UserFactory(email="gone@example.org", is_active=False)
    client.force_login(staff)
    for email in ("nobody@example.org", "gone@example.org"):
        response = client.post(round_url(review_round, "calls:pool_add"), {"pool-email": email})
        assert response.status_code == 400
        assert response.context["pool_form"].errors["email"] == [
            "No active account has this e-mail address."
        ]
    assert not review_round.pool.exists()


def test_staff_remove_a_reviewer_and_their_unfinished_reviews(client, staff, started, jurors):
    review = services_review.assign(
        actor=staff,
        review_round=started,
        application=started.applications.first(),
        reviewer=jurors[0],
    )
    seat = started.pool.get(reviewer=jurors[0])
    client.force_login(staff)
    response = client.post(
        reverse("calls:pool_remove", args=[started.call.slug, started.number, seat.pk])
    )
    assert response.status_code == 302
    assert not RoundReviewer.objects.filter(pk=seat.pk).exists()
    assert not Review.objects.filter(pk=review.pk).exists()


def test_start_and_close_a_round(client, staff, award, make_round, seoul_application):
    review_round = make_round(award)
    client.force_login(staff)
    response = client.post(round_url(review_round, "calls:round_start"), follow=True)
    assert "The round has started with 1 application." in texts(response)
    review_round.refresh_from_db()
    assert review_round.status == RoundStatus.REVIEWING
    assert list(review_round.applications.all()) == [seoul_application]
    response = client.post(round_url(review_round, "calls:round_close"), follow=True)
    assert "The round is closed" in texts(response)
    review_round.refresh_from_db()
    assert review_round.status == RoundStatus.CLOSED


def test_a_round_without_rubric_does_not_start(client, staff, award):
    review_round = services_review.round_save(actor=staff, call=award)
    client.force_login(staff)
    response = client.post(round_url(review_round, "calls:round_start"), follow=True)
    assert "Give the round a rubric (at least one criterion) first." in texts(response)
    review_round.refresh_from_db()
    assert review_round.status == RoundStatus.SETUP


# --- Assignment -----------------------------------------------------------------------------


def test_automatic_assignment_says_how_many_reviews_were_created(client, staff, started):
    client.force_login(staff)
    response = client.post(
        round_url(started, "calls:assign_auto"), {"auto-per_application": "2"}, follow=True
    )
    assert "4 reviews were assigned." in texts(response)
    assert started.reviews.count() == 4
    loads = sorted(started.reviews.values_list("reviewer", flat=True))
    assert max(loads.count(r) for r in set(loads)) == 2


def test_automatic_assignment_says_when_the_pool_is_too_small(client, staff, started):
    client.force_login(staff)
    pool = started.pool.count()
    wanted = pool + 1
    response = client.post(
        round_url(started, "calls:assign_auto"),
        {"auto-per_application": str(wanted)},
        follow=True,
    )
    entries = started.entries.count()
    assert f"{entries} applications still have fewer than {wanted} reviewers" in texts(response)
    assert started.reviews.count() == entries * pool


def test_automatic_assignment_honours_exclude_same_country(
    client, staff, make_call, make_round, asia, africa, representative, city, other_city
):
    call = make_call(exclude_same_country=True, title="Country-blind award")
    from_korea = apply(call, representative, city, title="Seoul entry")
    nigerian_rep = AffiliationFactory(
        organisation=other_city, role=AffiliationRole.REPRESENTATIVE
    ).user
    from_nigeria = apply(call, nigerian_rep, other_city, title="Abuja entry")
    korean, nigerian = juror("kr@example.org"), juror("ng@example.org")
    review_round = make_round(call)
    for person, country in ((korean, "KR"), (nigerian, "NG")):
        services_review.pool_add(
            actor=staff, review_round=review_round, reviewer=person, country=country
        )
    services_review.round_start(actor=staff, review_round=review_round)
    client.force_login(staff)
    response = client.post(
        round_url(review_round, "calls:assign_auto"), {"auto-per_application": "2"}, follow=True
    )
    assert "2 reviews were assigned." in texts(response)
    pairs = set(review_round.reviews.values_list("application", "reviewer"))
    assert pairs == {(from_korea.pk, nigerian.pk), (from_nigeria.pk, korean.pk)}


def test_assigning_the_applicants_own_colleague_is_refused_with_the_reason(
    client, staff, started, contact, seoul_application
):
    services_review.pool_add(actor=staff, review_round=started, reviewer=contact)
    client.force_login(staff)
    response = client.post(
        round_url(started, "calls:assign"),
        {"assign-application": seoul_application.pk, "assign-reviewer": contact.pk},
    )
    assert response.status_code == 400
    assert response.context["assign_form"].non_field_errors() == [
        f"{contact.full_name} cannot review {seoul_application.code}: "
        "belongs to the applicant organisation."
    ]
    assert "belongs to the applicant organisation" in texts(response)
    assert not started.reviews.exists()


def test_staff_assign_by_hand_and_take_back(client, staff, started, jurors, seoul_application):
    client.force_login(staff)
    response = client.post(
        round_url(started, "calls:assign"),
        {"assign-application": seoul_application.pk, "assign-reviewer": jurors[1].pk},
        follow=True,
    )
    assert f"{seoul_application.code} was given to Juror 1." in texts(response)
    review = started.reviews.get()
    assert (review.application, review.reviewer) == (seoul_application, jurors[1])
    response = client.post(reverse("calls:unassign", args=[review.pk]))
    assert response.url == round_url(started) + "#assignment"
    assert not started.reviews.exists()


def test_a_submitted_review_cannot_be_taken_back(client, staff, started, jurors):
    review = services_review.assign(
        actor=staff,
        review_round=started,
        application=started.applications.first(),
        reviewer=jurors[0],
    )
    score(review, [6, 6])
    client.force_login(staff)
    response = client.post(reverse("calls:unassign", args=[review.pk]), follow=True)
    assert "A submitted review cannot be taken back." in texts(response)
    assert Review.objects.filter(pk=review.pk).exists()


def test_only_staff_take_reviews_back(client, staff, started, jurors):
    review = services_review.assign(
        actor=staff,
        review_round=started,
        application=started.applications.first(),
        reviewer=jurors[0],
    )
    client.force_login(jurors[0])
    assert client.post(reverse("calls:unassign", args=[review.pk])).status_code == 403
    assert Review.objects.filter(pk=review.pk).exists()


def test_the_matrix_shows_each_reviewers_status_and_conflict_reason(
    client, staff, started, jurors, seoul_application, abuja_application
):
    first = services_review.assign(
        actor=staff, review_round=started, application=seoul_application, reviewer=jurors[0]
    )
    second = services_review.assign(
        actor=staff, review_round=started, application=seoul_application, reviewer=jurors[1]
    )
    score(first, [8, 8])
    services_review.review_declare_conflict(
        actor=jurors[1], review=second, reason="I advised this city last year"
    )
    client.force_login(staff)
    response = client.get(round_url(started))
    lines = {line.application: line for line in response.context["assignments"]}
    assert [(r.reviewer, r.status) for r in lines[seoul_application].reviews] == [
        (jurors[0], ReviewStatus.SUBMITTED),
        (jurors[1], ReviewStatus.CONFLICTED),
    ]
    assert lines[seoul_application].active == 1
    assert lines[abuja_application].reviews == []
    assert "I advised this city last year" in texts(response)
    assert "Conflict of interest" in texts(response)
    # Only work not yet done can be taken back; a declared conflict stays on record.
    third = services_review.assign(
        actor=staff, review_round=started, application=abuja_application, reviewer=jurors[2]
    )
    page = texts(client.get(round_url(started)))
    assert reverse("calls:unassign", args=[third.pk]) in page
    assert reverse("calls:unassign", args=[first.pk]) not in page
    assert reverse("calls:unassign", args=[second.pk]) not in page


# --- Ranking, disagreements and the shortlist -----------------------------------------------


@pytest.fixture
def ranked(staff, started, jurors, seoul_application, abuja_application):
    """Seoul scored 9, 3 and 8 (reviewers disagree), Abuja 6, 5 and 6."""
    for application, values in ((seoul_application, (9, 3, 8)), (abuja_application, (6, 5, 6))):
        for person, value in zip(jurors, values, strict=True):
            review = services_review.assign(
                actor=staff, review_round=started, application=application, reviewer=person
            )
            score(review, [value, value])
    return started


def test_the_ranking_shows_scores_spread_and_disagreement(
    client, staff, ranked, seoul_application, abuja_application
):
    client.force_login(staff)
    response = client.get(round_url(ranked))
    (category, lines), *_rest = response.context["groups"]
    assert category.name == "Mobility"
    assert [(line.application, line.row.rank) for line in lines] == [
        (seoul_application, 1),
        (abuja_application, 2),
    ]
    seoul, abuja = lines
    assert (seoul.row.reviews, seoul.mean, seoul.score, seoul.spread) == (3, "6.67", "6.67", "6.00")
    assert seoul.totals == [3.0, 8.0, 9.0]
    assert seoul.row.disagreement and not abuja.row.disagreement
    assert [line.application for line in response.context["disagreements"]] == [seoul_application]
    page = texts(response)
    assert "Seoul" in page and "Abuja" in page  # staff always see who applied
    assert 'class="review-disagreement"' in page
    assert "Review scores 3.0, 8.0, 9.0 on a scale of 1 to 10" in page
    assert "weighted mean of its criterion scores" in page


def test_disagreements_are_listed_widest_spread_first(
    client, staff, started, jurors, seoul_application, abuja_application
):
    for application, values in ((seoul_application, (9, 5)), (abuja_application, (10, 1))):
        for person, value in zip(jurors, values, strict=False):
            review = services_review.assign(
                actor=staff, review_round=started, application=application, reviewer=person
            )
            score(review, [value, value])
    client.force_login(staff)
    response = client.get(round_url(started))
    assert [line.application for line in response.context["disagreements"]] == [
        abuja_application,
        seoul_application,
    ]


def test_normalised_scores_show_their_sign(client, staff, ranked, seoul_application):
    ranked.normalise = True
    ranked.save()
    client.force_login(staff)
    response = client.get(round_url(ranked))
    scores = {
        line.application: line.score for _c, lines in response.context["groups"] for line in lines
    }
    expected = {row.application: row.score for row in selectors.ranking(ranked)}
    for application, shown in scores.items():
        value = expected[application]
        assert shown == ("+" if value > 0 else "-") + f"{abs(value):.2f}"
    assert "Score (z)" in texts(response)
    assert "z-scores against that reviewer" in texts(response)


def test_trimmed_scores_say_how_they_are_computed(client, staff, ranked, seoul_application):
    ranked.trim = 1
    ranked.save()
    client.force_login(staff)
    response = client.get(round_url(ranked))
    (_category, lines), *_rest = response.context["groups"]
    seoul = next(line for line in lines if line.application == seoul_application)
    # 3, 8 and 9: the highest and the lowest are left out, 8 remains.
    assert (seoul.mean, seoul.score) == ("6.67", "8.00")
    assert "left out when it has more than 2 reviews" in texts(response)


def test_declaring_a_conflict_takes_the_review_out_of_the_ranking(
    client, ranked, jurors, seoul_application
):
    review = ranked.reviews.get(application=seoul_application, reviewer=jurors[1])
    client.force_login(jurors[1])
    response = client.post(
        reverse("calls:review_conflict", args=[review.pk]),
        {"conflict_reason": "The mayor is my cousin"},
    )
    assert response.status_code == 302
    assert response.url == reverse("calls:my_reviews")
    review.refresh_from_db()
    assert (review.status, review.total, review.conflict_reason) == (
        ReviewStatus.CONFLICTED,
        None,
        "The mayor is my cousin",
    )
    assert not Score.objects.filter(review=review).exists()
    row = next(r for r in selectors.ranking(ranked) if r.application == seoul_application)
    assert (row.reviews, row.mean, row.score) == (2, 8.5, 8.5)
    assert not row.disagreement


def test_a_conflict_needs_a_reason(client, ranked, jurors):
    review = ranked.reviews.filter(reviewer=jurors[0]).first()
    client.force_login(jurors[0])
    response = client.post(
        reverse("calls:review_conflict", args=[review.pk]), {"conflict_reason": " "}
    )
    assert response.status_code == 400
    assert response.context["conflict_form"].errors["conflict_reason"] == [
        "Say briefly what the conflict is."
    ]
    review.refresh_from_db()
    assert review.status == ReviewStatus.SUBMITTED


def test_staff_advance_finalists_to_a_new_round(client, staff, ranked, seoul_application):
    client.force_login(staff)
    response = client.post(
        round_url(ranked, "calls:advance"), {"advance-applications": [seoul_application.pk]}
    )
    following = ReviewRound.objects.get(call=ranked.call, number=2)
    assert response.status_code == 302
    assert response.url == round_url(following)
    assert list(following.applications.all()) == [seoul_application]
    assert following.criteria.count() == 2
    assert following.pool.count() == 3


def test_advancing_nothing_is_refused(client, staff, ranked):
    client.force_login(staff)
    response = client.post(round_url(ranked, "calls:advance"), {}, follow=True)
    assert "Choose the applications to advance." in texts(response)
    assert ranked.call.rounds.count() == 1


def _populate(call, review_round, reviewers, count, start):
    """`count` more submitted applications of new member cities, each with reviews."""
    applications = []
    category = call.categories.first()
    for i in range(start, start + count):
        organisation = MembershipFactory(organisation__name=f"City {i}").organisation
        person = AffiliationFactory(organisation=organisation).user
        applications.append(
            Application.objects.create(
                call=call,
                category=category,
                applicant=person,
                organisation=organisation,
                country="KR",
                title=f"Entry {i}",
                status=ApplicationStatus.SUBMITTED,
                submitted_at=timezone.now(),
            )
        )
    review_round.entries.bulk_create(
        [review_round.entries.model(round=review_round, application=a) for a in applications]
    )
    for j, application in enumerate(applications):
        for k, person in enumerate(reviewers):
            review = Review.objects.create(
                round=review_round, application=application, reviewer=person
            )
            if (j + k) % 3:
                score(review, [1 + (j + k) % 10, 5])
            elif k == 0:
                services_review.review_declare_conflict(actor=person, review=review, reason="x")


def test_round_page_queries_do_not_grow_with_applications_or_reviewers(
    client, staff, award, make_round, django_assert_max_num_queries
):
    review_round = make_round(award)
    services_review.round_start(actor=staff, review_round=review_round)
    few = [juror(f"few{i}@example.org") for i in range(2)]
    for person in few:
        services_review.pool_add(actor=staff, review_round=review_round, reviewer=person)
    _populate(award, review_round, few, 2, 0)
    client.force_login(staff)
    url = round_url(review_round)
    with django_assert_max_num_queries(40) as captured:
        assert client.get(url).status_code == 200
    small = len(captured)
    many = [juror(f"many{i}@example.org") for i in range(6)]
    for person in many:
        services_review.pool_add(actor=staff, review_round=review_round, reviewer=person)
    _populate(award, review_round, few + many, 12, 2)
    with django_assert_max_num_queries(small):
        response = client.get(url)
    assert sum(len(lines) for _c, lines in response.context["groups"]) == 14
    assert len(response.context["seats"]) == 8


# --- Reviewers: their list, scoring, preferences --------------------------------------------


def test_my_reviews_groups_assignments_by_call_and_round(
    client, staff, started, jurors, seoul_application, abuja_application
):
    for application in (seoul_application, abuja_application):
        services_review.assign(
            actor=staff, review_round=started, application=application, reviewer=jurors[0]
        )
    started.ends_on = timezone.localdate()
    started.save()
    client.force_login(jurors[0])
    response = client.get(reverse("calls:my_reviews"))
    (group,) = response.context["groups"]
    assert group.call == started.call
    (round_group,) = group.rounds.values()
    assert round_group.may_bid
    assert [r.application for r in round_group.reviews] == [seoul_application, abuja_application]
    page = texts(response)
    assert "2 reviews to do." in page
    assert reverse("calls:bids", args=[started.pk]) in page
    assert "State your preferences" in page
    assert reverse("calls:my_reviews_export") in page
    for review in round_group.reviews:
        assert reverse("calls:review", args=[review.pk]) in page


def test_my_reviews_says_when_there_is_nothing(client, citizen):
    client.force_login(citizen)
    response = client.get(reverse("calls:my_reviews"))
    assert response.context["groups"] == []
    assert "Nothing to review." in texts(response)


def test_pool_members_are_invited_to_bid_before_assignment(client, award, make_round, jurors):
    review_round = make_round(award, reviewers=jurors)
    client.force_login(jurors[2])
    response = client.get(reverse("calls:my_reviews"))
    (group,) = response.context["groups"]
    (round_group,) = group.rounds.values()
    assert round_group.review_round == review_round and round_group.reviews == []
    assert "Nothing assigned to you in this round yet." in texts(response)
    assert reverse("calls:bids", args=[review_round.pk]) in texts(response)


def test_my_reviews_needs_a_login(client):
    response = client.get(reverse("calls:my_reviews"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


@pytest.fixture
def assigned(staff, started, jurors, seoul_application):
    return services_review.assign(
        actor=staff, review_round=started, application=seoul_application, reviewer=jurors[0]
    )


def test_reviewer_scores_an_application(client, assigned, jurors):
    client.force_login(jurors[0])
    url = reverse("calls:review", args=[assigned.pk])
    page = client.get(url)
    form = page.context["form"]
    impact, innovation = assigned.round.criteria.all()
    assert list(form.fields) == [f"criterion_{impact.pk}", f"criterion_{innovation.pk}", "comment"]
    assert form.fields[f"criterion_{impact.pk}"].max_value == 10
    assert "What did you build?" in texts(page)
    response = client.post(
        url,
        {f"criterion_{impact.pk}": "8", f"criterion_{innovation.pk}": "5", "comment": "Solid."},
    )
    assert response.status_code == 302
    assert response.url == url
    assigned.refresh_from_db()
    assert (assigned.status, assigned.total, assigned.comment) == (
        ReviewStatus.SUBMITTED,
        7.0,
        "Solid.",
    )
    again = client.get(url)
    assert again.context["form"].initial == {
        f"criterion_{impact.pk}": 8,
        f"criterion_{innovation.pk}": 5,
        "comment": "Solid.",
    }
    assert "your weighted score is 7.00" in texts(again)


def test_a_score_outside_the_scale_is_refused_and_nothing_saved(client, assigned, jurors):
    client.force_login(jurors[0])
    impact, innovation = assigned.round.criteria.all()
    response = client.post(
        reverse("calls:review", args=[assigned.pk]),
        {f"criterion_{impact.pk}": "11", f"criterion_{innovation.pk}": "0"},
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert errors[f"criterion_{impact.pk}"] == ["Ensure this value is less than or equal to 10."]
    assert errors[f"criterion_{innovation.pk}"] == [
        "Ensure this value is greater than or equal to 1."
    ]
    assigned.refresh_from_db()
    assert (assigned.status, assigned.total) == (ReviewStatus.ASSIGNED, None)
    assert not assigned.scores.exists()


def test_scores_stay_as_they_were_once_the_round_is_closed(client, staff, assigned, jurors):
    score(assigned, [9, 9])
    services_review.round_close(actor=staff, review_round=assigned.round)
    client.force_login(jurors[0])
    url = reverse("calls:review", args=[assigned.pk])
    page = client.get(url)
    assert page.context["form"] is None
    assert "The round is closed" in texts(page)
    impact, innovation = assigned.round.criteria.all()
    response = client.post(
        url, {f"criterion_{impact.pk}": "1", f"criterion_{innovation.pk}": "1"}, follow=True
    )
    assert "This round is not open for review." in texts(response)
    assigned.refresh_from_db()
    assert assigned.total == 9.0


def test_a_withdrawn_application_takes_no_more_scores(client, assigned, jurors, representative):
    score(assigned, [6, 6])
    services.application_withdraw(actor=representative, application=assigned.application)
    client.force_login(jurors[0])
    url = reverse("calls:review", args=[assigned.pk])
    page = client.get(url)
    assert page.context["form"] is None and page.context["conflict_form"] is None
    assert "The applicant withdrew this application" in texts(page)
    impact, innovation = assigned.round.criteria.all()
    response = client.post(
        url, {f"criterion_{impact.pk}": "9", f"criterion_{innovation.pk}": "9"}, follow=True
    )
    assert "it needs no review" in texts(response)
    assigned.refresh_from_db()
    assert assigned.total == 6.0
    (group,) = client.get(reverse("calls:my_reviews")).context["groups"]
    assert group.rounds[assigned.round_id].reviews == []


def test_a_reviewer_cannot_open_someone_elses_review(client, assigned, jurors, staff):
    for person in (jurors[1], staff):
        client.force_login(person)
        assert client.get(reverse("calls:review", args=[assigned.pk])).status_code == 404
        impact, innovation = assigned.round.criteria.all()
        response = client.post(
            reverse("calls:review", args=[assigned.pk]),
            {f"criterion_{impact.pk}": "9", f"criterion_{innovation.pk}": "9"},
        )
        assert response.status_code == 404
        conflict = client.post(
            reverse("calls:review_conflict", args=[assigned.pk]), {"conflict_reason": "x"}
        )
        assert conflict.status_code == 404
    assigned.refresh_from_db()
    assert assigned.status == ReviewStatus.ASSIGNED
    assert client.get(reverse("calls:review", args=[assigned.pk + 999])).status_code == 404


def test_pool_members_state_their_preferences(
    client, started, jurors, seoul_application, abuja_application
):
    client.force_login(jurors[0])
    url = reverse("calls:bids", args=[started.pk])
    page = client.get(url)
    assert [a for a, _field in page.context["rows"]] == [seoul_application, abuja_application]
    response = client.post(
        url,
        {
            f"bid_{seoul_application.pk}": str(BidPreference.EAGER),
            f"bid_{abuja_application.pk}": str(BidPreference.CONFLICT),
        },
        follow=True,
    )
    assert "2 preferences saved." in texts(response)
    assert dict(
        Bid.objects.filter(reviewer=jurors[0]).values_list("application", "preference")
    ) == {seoul_application.pk: BidPreference.EAGER, abuja_application.pk: BidPreference.CONFLICT}
    response = client.post(
        url,
        {f"bid_{seoul_application.pk}": "", f"bid_{abuja_application.pk}": "-2"},
        follow=True,
    )
    assert "1 preference saved." in texts(response)
    assert list(Bid.objects.filter(reviewer=jurors[0]).values_list("application", flat=True)) == [
        abuja_application.pk
    ]


def test_a_bad_preference_is_refused(client, started, jurors, seoul_application):
    client.force_login(jurors[0])
    response = client.post(
        reverse("calls:bids", args=[started.pk]), {f"bid_{seoul_application.pk}": "7"}
    )
    assert response.status_code == 400
    assert not Bid.objects.exists()


@pytest.mark.parametrize("persona", ["reviewer", "staff", "representative"], indirect=True)
def test_only_pool_members_see_the_preferences_page(client, started, persona):
    client.force_login(persona)
    url = reverse("calls:bids", args=[started.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {}).status_code == 404


def test_reviewers_download_their_own_assignments(client, staff, assigned, jurors, started):
    services_review.assign(
        actor=staff,
        review_round=started,
        application=started.applications.exclude(pk=assigned.application_id).get(),
        reviewer=jurors[1],
    )
    score(assigned, [8, 5], comment="Solid.")
    client.force_login(jurors[0])
    response = client.get(reverse("calls:my_reviews_export"))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    header, *rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert len(rows) == 1
    row = dict(zip(header, rows[0], strict=True))
    assert row == {
        "Call": "Smart Sustainable City Awards",
        "Code": assigned.application.code,
        "Title": "Smart bus stops",
        "Applicant": "Seoul",
        "Category": "Mobility",
        "Round": "Evaluation round 1",
        "Status": "Submitted",
        "Your weighted score": "7.0",
        "Impact": "8",
        "Innovation": "5",
    }
    assert "Open data portal" not in response.content.decode()


def test_an_empty_export_has_its_header(client, citizen):
    client.force_login(citizen)
    response = client.get(reverse("calls:my_reviews_export"))
    assert response.content.decode().splitlines() == [
        "Call,Code,Title,Category,Round,Status,Your weighted score"
    ]
