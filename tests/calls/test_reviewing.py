"""Review rounds: who may review what, how the work is shared out, scoring and shortlists."""

from collections import Counter

import pytest
from django.core.exceptions import ValidationError

from activator.calls import selectors, services, services_review
from activator.calls.enums import ApplicationStatus, BidPreference, ReviewStatus, RoundStatus
from activator.calls.models import Review, Score
from tests.calls.helpers import by_application, draft, jurors, member, submitted
from tests.factories import AffiliationFactory, OrganisationFactory


@pytest.fixture
def applications(award, asia):
    """`count` submitted applications to the award, each from its own member city."""

    def make(count: int, call=None) -> list:
        call = call or award
        categories = list(call.categories.all())
        made = []
        for i in range(count):
            organisation, person = member(f"City {i:02d}", region=asia)
            made.append(
                submitted(
                    call,
                    person,
                    organisation,
                    category=categories[i % len(categories)],
                    title=f"Project {i:02d}",
                )
            )
        return made

    return make


def started(staff, make_round, call, reviewers, **fields):
    review_round = make_round(call, reviewers=reviewers, **fields)
    return services_review.round_start(actor=staff, review_round=review_round)


def assigned_to(review_round, application) -> set[int]:
    return set(
        review_round.reviews.filter(application=application).values_list("reviewer_id", flat=True)
    )


def refusal(action) -> str:
    with pytest.raises(ValidationError) as caught:
        action()
    return " ".join(caught.value.messages)


def test_a_person_of_the_applicant_organisation_is_never_assigned(
    award, staff, make_round, representative, contact, city
):
    application = submitted(award, representative, city, category=award.categories.first())
    others = jurors(3)
    review_round = started(staff, make_round, award, [contact, representative, *others])

    message = refusal(
        lambda: services_review.assign(
            actor=staff, review_round=review_round, application=application, reviewer=contact
        )
    )
    assert "belongs to the applicant organisation" in message
    message = refusal(
        lambda: services_review.assign(
            actor=staff,
            review_round=review_round,
            application=application,
            reviewer=representative,
        )
    )
    assert "is the applicant" in message
    assert not review_round.reviews.exists()

    created = services_review.assign_automatically(
        actor=staff, review_round=review_round, per_application=3
    )
    assert created == 3
    assert assigned_to(review_round, application) == {j.pk for j in others}


def test_the_same_country_rule_is_honoured_when_the_call_asks_for_it(
    make_call, staff, make_round, representative, city, other_representative, other_city
):
    call = make_call(exclude_same_country=True)
    seoul = submitted(call, representative, city, category=call.categories.first())
    abuja = submitted(call, other_representative, other_city, category=call.categories.first())
    korean, nigerian, elsewhere = jurors(3)
    # A Korean by their organisation, not their seat.
    AffiliationFactory(
        user=korean, organisation=OrganisationFactory(name="Seoul Tech", country="KR")
    )
    review_round = make_round(call, reviewers=[korean, elsewhere])
    services_review.pool_add(
        actor=staff, review_round=review_round, reviewer=nigerian, country="NG"
    )
    assert review_round.pool.get(reviewer=korean).country == "KR"
    services_review.round_start(actor=staff, review_round=review_round)

    for reviewer, application in ((korean, seoul), (nigerian, abuja)):
        message = refusal(
            lambda r=reviewer, a=application: services_review.assign(
                actor=staff, review_round=review_round, application=a, reviewer=r
            )
        )
        assert "is from the applicant's country" in message
    services_review.assign(
        actor=staff, review_round=review_round, application=abuja, reviewer=korean
    )

    services_review.assign_automatically(actor=staff, review_round=review_round, per_application=2)
    assert assigned_to(review_round, seoul) == {nigerian.pk, elsewhere.pk}
    assert assigned_to(review_round, abuja) == {korean.pk, elsewhere.pk}


def test_without_the_same_country_rule_a_compatriot_may_review(
    award, staff, make_round, representative, city
):
    seoul = submitted(award, representative, city, category=award.categories.first())
    (korean,) = jurors(1)
    review_round = make_round(award)
    services_review.pool_add(actor=staff, review_round=review_round, reviewer=korean, country="KR")
    services_review.round_start(actor=staff, review_round=review_round)
    review = services_review.assign(
        actor=staff, review_round=review_round, application=seoul, reviewer=korean
    )
    assert review.status == ReviewStatus.ASSIGNED


def test_a_conflict_declared_by_bidding_excludes_the_reviewer(
    award, staff, make_round, applications
):
    first, second = applications(2)
    conflicted, *others = jurors(3)
    review_round = started(staff, make_round, award, [conflicted, *others])
    services_review.bid_save(
        actor=conflicted,
        review_round=review_round,
        application=first,
        preference=BidPreference.CONFLICT,
    )
    message = refusal(
        lambda: services_review.assign(
            actor=staff, review_round=review_round, application=first, reviewer=conflicted
        )
    )
    assert "declared a conflict of interest" in message

    services_review.assign_automatically(actor=staff, review_round=review_round, per_application=3)
    assert assigned_to(review_round, first) == {o.pk for o in others}
    assert assigned_to(review_round, second) == {conflicted.pk, *(o.pk for o in others)}


def test_a_conflict_bid_after_assignment_takes_the_review_back(
    award, staff, make_round, applications
):
    (application,) = applications(1)
    (person,) = jurors(1)
    review_round = started(staff, make_round, award, [person])
    review = services_review.assign(
        actor=staff, review_round=review_round, application=application, reviewer=person
    )
    services_review.bid_save(
        actor=person,
        review_round=review_round,
        application=application,
        preference=BidPreference.CONFLICT,
    )
    review.refresh_from_db()
    assert review.status == ReviewStatus.CONFLICTED


def test_a_conflict_declared_after_scoring_leaves_the_ranking(
    award, staff, make_round, applications
):
    (application,) = applications(1)
    r1, r2, r3, r4 = jurors(4)
    review_round = started(staff, make_round, award, [r1, r2, r3, r4])
    impact, innovation = review_round.criteria.all()  # weights 2 and 1
    reviews = {}
    for person, (a, b) in ((r1, (6, 9)), (r2, (9, 6)), (r3, (3, 3))):
        review = services_review.assign(
            actor=staff, review_round=review_round, application=application, reviewer=person
        )
        reviews[person] = services_review.review_submit(
            actor=person, review=review, scores={impact.pk: a, innovation.pk: b}
        )
    # Totals: (2*6 + 9)/3 = 7, (2*9 + 6)/3 = 8, (2*3 + 3)/3 = 3.
    assert [reviews[p].total for p in (r1, r2, r3)] == [7.0, 8.0, 3.0]
    (row,) = selectors.ranking_rows(review_round)
    # Mean (7 + 8 + 3)/3 = 6; spread 8 - 3 = 5.
    assert (row.reviews, row.mean, row.score, row.spread) == (3, 6.0, 6.0, 5.0)

    services_review.review_declare_conflict(
        actor=r3, review=reviews[r3], reason="I advised this city on the project."
    )
    reviews[r3].refresh_from_db()
    assert reviews[r3].status == ReviewStatus.CONFLICTED
    assert reviews[r3].total is None
    assert not Score.objects.filter(review=reviews[r3]).exists()
    (row,) = selectors.ranking_rows(review_round)
    # Without the 3: mean (7 + 8)/2 = 7.5; spread 8 - 7 = 1.
    assert (row.reviews, row.mean, row.score, row.spread) == (2, 7.5, 7.5, 1.0)

    # The application needs a third reviewer again, and it is never the one who stepped aside.
    assert (
        services_review.assign_automatically(
            actor=staff, review_round=review_round, per_application=3
        )
        == 1
    )
    assert set(
        review_round.reviews.exclude(status=ReviewStatus.CONFLICTED).values_list(
            "reviewer_id", flat=True
        )
    ) == {r1.pk, r2.pk, r4.pk}
    message = refusal(
        lambda: services_review.assign(
            actor=staff, review_round=review_round, application=application, reviewer=r3
        )
    )
    assert "declared a conflict of interest" in message


def test_automatic_assignment_balances_the_load(award, staff, make_round, applications):
    entries = applications(10)
    pool = jurors(5)
    review_round = started(staff, make_round, award, pool)
    created = services_review.assign_automatically(
        actor=staff, review_round=review_round, per_application=2
    )
    assert created == 20
    load = Counter(review_round.reviews.values_list("reviewer_id", flat=True))
    # 10 applications x 2 reviews = 20 reviews over 5 reviewers: 4 each.
    assert load == {p.pk: 4 for p in pool}
    for application in entries:
        assert len(assigned_to(review_round, application)) == 2
    # Running it again adds nothing: every application has its reviewers.
    assert (
        services_review.assign_automatically(
            actor=staff, review_round=review_round, per_application=2
        )
        == 0
    )


def test_automatic_assignment_gives_each_application_the_rounds_number_of_reviewers(
    award, staff, make_round, applications
):
    entries = applications(4)
    pool = jurors(6)
    review_round = started(staff, make_round, award, pool, reviews_per_application=3)
    assert services_review.assign_automatically(actor=staff, review_round=review_round) == 12
    for application in entries:
        assert len(assigned_to(review_round, application)) == 3
    # 12 reviews over 6 reviewers: 2 each.
    assert set(Counter(review_round.reviews.values_list("reviewer_id", flat=True)).values()) == {2}


def test_automatic_assignment_honours_bids(award, staff, make_round, applications):
    entries = applications(10)
    eager, reluctant, *others = jurors(5)
    review_round = started(staff, make_round, award, [eager, reluctant, *others])
    wanted = [entries[1], entries[4], entries[7]]
    for application in wanted:
        services_review.bid_save(
            actor=eager,
            review_round=review_round,
            application=application,
            preference=BidPreference.EAGER,
        )
    services_review.bid_save(
        actor=reluctant,
        review_round=review_round,
        application=entries[4],
        preference=BidPreference.NOT_INTERESTED,
    )
    services_review.assign_automatically(actor=staff, review_round=review_round, per_application=2)
    got = set(review_round.reviews.filter(reviewer=eager).values_list("application_id", flat=True))
    assert {a.pk for a in wanted} <= got
    assert reluctant.pk not in assigned_to(review_round, entries[4])
    load = Counter(review_round.reviews.values_list("reviewer_id", flat=True))
    assert sum(load.values()) == 20 and max(load.values()) - min(load.values()) <= 1


def test_scores_outside_the_scale_or_missing_are_refused_and_nothing_is_saved(
    award, staff, make_round, applications
):
    (application,) = applications(1)
    (person,) = jurors(1)
    review_round = started(staff, make_round, award, [person])  # scale 1-10
    impact, innovation = review_round.criteria.all()
    review = services_review.assign(
        actor=staff, review_round=review_round, application=application, reviewer=person
    )

    def attempt(scores) -> dict:
        with pytest.raises(ValidationError) as caught:
            services_review.review_submit(actor=person, review=review, scores=scores)
        return caught.value.message_dict

    assert f"criterion_{impact.pk}" in attempt({impact.pk: 11, innovation.pk: 5})
    assert f"criterion_{impact.pk}" in attempt({impact.pk: 0, innovation.pk: 5})
    assert f"criterion_{innovation.pk}" in attempt({impact.pk: 5})
    assert f"criterion_{innovation.pk}" in attempt({impact.pk: 5, innovation.pk: "high"})
    assert "scores" in attempt({impact.pk: 5, innovation.pk: 5, innovation.pk + 999: 5})
    review.refresh_from_db()
    assert review.status == ReviewStatus.ASSIGNED and review.total is None
    assert not Score.objects.exists()

    # A valid review is kept; an invalid revision of it changes nothing.
    services_review.review_submit(
        actor=person, review=review, scores={impact.pk: 6, innovation.pk: 9}
    )
    attempt({impact.pk: 10, innovation.pk: 12})
    review.refresh_from_db()
    assert review.status == ReviewStatus.SUBMITTED
    assert review.total == 7.0  # (2*6 + 9)/3
    assert dict(Score.objects.values_list("criterion_id", "value")) == {
        impact.pk: 6,
        innovation.pk: 9,
    }


def test_the_first_round_takes_every_submitted_application_and_nothing_else(
    award, staff, make_round, applications, representative, city
):
    sent = applications(2)
    still_draft = draft(award, representative, city, category=award.categories.first())
    withdrawn = applications(1)[0]
    services.application_withdraw(actor=withdrawn.applicant, application=withdrawn)
    review_round = started(staff, make_round, award, jurors(2))
    assert review_round.status == RoundStatus.REVIEWING
    entered = set(review_round.entries.values_list("application_id", flat=True))
    assert entered == {a.pk for a in sent}
    assert still_draft.pk not in entered and withdrawn.pk not in entered


def test_a_round_cannot_start_without_a_rubric(award, staff):
    review_round = services_review.round_save(actor=staff, call=award)
    message = refusal(lambda: services_review.round_start(actor=staff, review_round=review_round))
    assert "rubric" in message


def test_advancing_a_shortlist_creates_the_next_round_with_the_same_rubric_and_pool(
    award, staff, make_round, applications
):
    entries = applications(4)
    pool = jurors(3)
    first = started(
        staff,
        make_round,
        award,
        pool,
        normalise=True,
        trim=1,
        reviews_per_application=2,
        scale_min=0,
        scale_max=5,
    )
    shortlist = [entries[0], entries[2]]
    second = services_review.advance(actor=staff, review_round=first, applications=shortlist)
    assert second.number == 2 and second.pk != first.pk
    assert list(second.criteria.values_list("name", "weight", "position")) == list(
        first.criteria.values_list("name", "weight", "position")
    )
    assert {(c.name, float(c.weight)) for c in second.criteria.all()} == {
        ("Impact", 2.0),
        ("Innovation", 1.0),
    }
    assert set(second.pool.values_list("reviewer_id", flat=True)) == {p.pk for p in pool}
    assert (second.scale_min, second.scale_max, second.normalise, second.trim) == (0, 5, True, 1)
    assert second.reviews_per_application == 2
    assert set(second.entries.values_list("application_id", flat=True)) == {a.pk for a in shortlist}
    # Starting it keeps the shortlist, not every submitted application.
    services_review.round_start(actor=staff, review_round=second)
    assert set(second.entries.values_list("application_id", flat=True)) == {a.pk for a in shortlist}
    # Only applications of this round can be advanced.
    outsider = applications(1)[0]
    message = refusal(
        lambda: services_review.advance(actor=staff, review_round=first, applications=[outsider])
    )
    assert outsider.code in message


def test_withdrawn_applications_leave_the_ranking_and_the_reviewers_statistics(
    award, staff, make_round, applications
):
    a, b, c = applications(3)
    r1, r2 = jurors(2)
    review_round = started(staff, make_round, award, [r1, r2], normalise=True)
    impact, innovation = review_round.criteria.all()
    # Equal scores on both criteria make the total that score.
    given = {r1: {a: 10, b: 6, c: 4}, r2: {a: 8, b: 8, c: 2}}
    for person, scores in given.items():
        for application, value in scores.items():
            review = services_review.assign(
                actor=staff, review_round=review_round, application=application, reviewer=person
            )
            services_review.review_submit(
                actor=person, review=review, scores={impact.pk: value, innovation.pk: value}
            )
    before = by_application(selectors.ranking_rows(review_round))
    assert set(before) == {a.pk, b.pk, c.pk}

    services.application_withdraw(actor=a.applicant, application=a)
    a.refresh_from_db()
    assert a.status == ApplicationStatus.WITHDRAWN
    rows = by_application(selectors.ranking_rows(review_round))
    assert set(rows) == {b.pk, c.pk}
    # Without a: r1 gave b 6, c 4 (mean 5, sd 1) and r2 gave b 8, c 2 (mean 5, sd 3), so b is
    # +1 and c is -1 for both. Were a's 10 and 8 still counted, b would score about 0.22.
    assert rows[b.pk].score == pytest.approx(1.0, abs=1e-9)
    assert rows[c.pk].score == pytest.approx(-1.0, abs=1e-9)
    assert rows[b.pk].reviews == 2 and rows[b.pk].mean == 7.0
    # b and c are in different categories, so each leads its own.
    assert b.category_id != c.category_id
    assert rows[b.pk].rank == 1 and rows[c.pk].rank == 1
    assert all(r.application.pk != a.pk for r in selectors.ranking(review_round))


def test_withdrawing_takes_back_the_reviews_not_yet_done(award, staff, make_round, applications):
    (application,) = applications(1)
    r1, r2 = jurors(2)
    review_round = started(staff, make_round, award, [r1, r2])
    impact, innovation = review_round.criteria.all()
    done = services_review.assign(
        actor=staff, review_round=review_round, application=application, reviewer=r1
    )
    services_review.review_submit(actor=r1, review=done, scores={impact.pk: 5, innovation.pk: 5})
    services_review.assign(
        actor=staff, review_round=review_round, application=application, reviewer=r2
    )
    services.application_withdraw(actor=application.applicant, application=application)
    assert list(Review.objects.values_list("reviewer_id", "status")) == [
        (r1.pk, ReviewStatus.SUBMITTED)
    ]
    assert selectors.ranking_rows(review_round) == []
