from activator.calls import selectors, services, services_review
from activator.calls.enums import Outcome
from tests.calls.conftest import answer_all
from tests.factories import UserFactory


def test_apply_review_decide(award, representative, city, staff, make_round):
    category = award.categories.first()
    application = services.application_start(
        actor=representative,
        call=award,
        organisation=city,
        title="Smart bus stops",
        category=category,
    )
    services.application_save(
        actor=representative, application=application, answers=answer_all(award)
    )
    services.application_submit(actor=representative, application=application)
    jurors = [UserFactory(platform_role="reviewer") for _ in range(3)]
    review_round = make_round(award, reviewers=jurors, normalise=True, trim=0)
    services_review.round_start(actor=staff, review_round=review_round)
    assert services_review.assign_automatically(actor=staff, review_round=review_round) == 3
    criteria = list(review_round.criteria.all())
    for i, review in enumerate(review_round.reviews.all()):
        services_review.review_submit(
            actor=review.reviewer, review=review, scores={criteria[0].pk: 5 + i, criteria[1].pk: 8}
        )
    rows = selectors.ranking(review_round)
    assert len(rows) == 1 and rows[0].reviews == 3 and rows[0].rank == 1
    services.decide(
        actor=staff, applications=[application], outcome=Outcome.WINNER, level=award.levels.first()
    )
    services.results_publish(actor=staff, call=award)
    assert selectors.results(award)[0][1] == [application]
