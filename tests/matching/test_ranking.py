"""Ranking solutions for a challenge and back: relevance by meaning and words, the reasons each
part of the evidence gives, decisions per side, what is never proposed, and the index's freshness
and cost."""

import numpy as np
import pytest

from activator.matching import ranking, services, services_matches
from activator.matching.enums import MatchState, PublicationStatus, Side
from activator.matching.models import Challenge, Deployment, Solution
from activator.projects.enums import BudgetBand
from activator.projects.services import project_unpublish
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

GARBAGE = (
    "Garbage trucks drive half-empty rounds, so rubbish pickup should be planned better "
    "in every district."
)
WASTE = (
    "Waste collection optimisation: bins report how full they are and lorries get daily "
    "itineraries."
)
PERMITS = "An online portal where residents request permits and certificates from the town hall."
LEAKS = "Acoustic sensors find leaks in the drinking water pipes before they burst."
SIGNALS = "Signals that adapt their timing to the traffic measured at junctions."


@pytest.fixture
def busan(asia):
    """Another city in the same country (KR) as `city`."""
    return MembershipFactory(
        organisation__name="Busan", organisation__country="KR", organisation__region=asia
    ).organisation


@pytest.fixture
def make_deployment(make_project):
    def make(solution, organisation, **fields):
        project = make_project(
            organisation, title=f"{solution.name} in {organisation.name}", publish=True
        )
        return Deployment.objects.create(solution=solution, project=project, **fields)

    return make


def names(matches):
    return [m.solution.name for m in matches]


def reason(match, code):
    found = [r for r in match.reasons if r.code == code]
    return found[0] if found else None


def test_a_paraphrase_with_no_shared_word_ranks_first(make_challenge, make_solution):
    challenge = make_challenge(title="Half-empty garbage trucks", description=GARBAGE)
    make_solution(name="Permit portal", description=PERMITS)
    make_solution(name="Leak finder", description=LEAKS)
    make_solution(name="Bin sensing", description=WASTE)

    matches = ranking.solutions_for_challenge(challenge)

    assert matches[0].solution.name == "Bin sensing"
    first = matches[0]
    assert reason(first, "words") is None  # not a word in common
    meaning = reason(first, "meaning")
    assert meaning.text == "Describes a similar need in other words"
    assert meaning.points > 0
    others = {m.solution.name: m.score for m in matches[1:]}
    assert all(score < first.score for score in others.values())


def test_scores_are_sorted_and_reasons_add_up(make_challenge, make_solution, taxonomy):
    waste = taxonomy["sectors"][1]
    challenge = make_challenge(
        title="Rubbish pickup", description=GARBAGE, sectors=[waste], budget_max=500_000
    )
    make_solution(name="Bin sensing", description=WASTE, sectors=[waste], price_band="100k_1m")
    make_solution(name="Garbage truck routes", description=f"Rubbish pickup rounds. {WASTE}")
    make_solution(name="Leak finder", description=LEAKS)

    matches = ranking.solutions_for_challenge(challenge)

    scores = [m.score for m in matches]
    assert scores == sorted(scores, reverse=True)
    for match in matches:
        assert match.reasons
        points = [r.points for r in match.reasons]
        assert points == sorted(points, reverse=True)
        assert sum(points) == pytest.approx(match.score, abs=0.5)
        assert 0 <= match.score <= 100


def test_shared_words_are_named(make_challenge, make_solution):
    challenge = make_challenge(title="Congested junctions", description=SIGNALS)
    make_solution(name="Adaptive signals", description="Junction signals timed by traffic.")

    (match,) = ranking.solutions_for_challenge(challenge)

    words = reason(match, "words")
    assert words is not None and words.points > 0
    assert "junction" in words.text and "signals" in words.text
    assert reason(match, "meaning").text != "Describes a similar need in other words"


def test_shared_sectors_and_pillars_are_named_and_lift_the_solution(
    make_challenge, make_solution, taxonomy
):
    waste = taxonomy["sectors"][1]
    environment = taxonomy["pillars"][1]
    challenge = make_challenge(
        title="Rubbish pickup", description=GARBAGE, sectors=[waste], pillars=[environment]
    )
    plain = make_solution(name="Bins A", description=WASTE)
    tagged = make_solution(name="Bins B", description=WASTE, sectors=[waste], pillars=[environment])

    matches = ranking.solutions_for_challenge(challenge)

    assert names(matches)[0] == tagged.name
    first, second = matches
    assert reason(first, "sectors").text == "Same sectors: Waste Management"
    assert reason(first, "pillars").text == "Same pillars: Smart Environment"
    assert reason(second, "sectors") is None
    assert second.solution == plain


def test_technologies_the_challenge_asks_for(make_challenge, make_solution, technologies):
    big_data, mobility = technologies[0], technologies[1]
    challenge = make_challenge(
        title="Know where people travel",
        description="We want big data on how residents move around, to plan bus lines.",
    )
    make_solution(name="Travel insight", description=LEAKS, technologies=[big_data])
    make_solution(name="Other insight", description=LEAKS, technologies=[mobility])

    matches = ranking.solutions_for_challenge(challenge)

    assert names(matches)[0] == "Travel insight"
    assert reason(matches[0], "technologies").text == "Technologies asked for: Big Data"
    assert all(reason(m, "technologies") is None for m in matches[1:])


def test_technology_named_like_a_pillar_counts(
    make_challenge, make_solution, technologies, taxonomy
):
    mobility_pillar = taxonomy["pillars"][0]  # "Smart Mobility", as the technology
    challenge = make_challenge(title="Buses", description=SIGNALS, pillars=[mobility_pillar])
    make_solution(name="Mobility kit", description=SIGNALS, technologies=[technologies[1]])

    (match,) = ranking.solutions_for_challenge(challenge)

    assert reason(match, "technologies").text == "Technologies asked for: Smart Mobility"


def test_deployment_in_the_same_country_is_named(
    make_challenge, make_solution, make_deployment, busan, other_city
):
    challenge = make_challenge(title="Rubbish pickup", description=GARBAGE)
    near = make_solution(name="Bins near", description=WASTE)
    far = make_solution(name="Bins far", description=WASTE)
    make_solution(name="Bins nowhere", description=WASTE)
    make_deployment(near, busan)
    make_deployment(far, other_city)

    matches = ranking.solutions_for_challenge(challenge)

    assert names(matches)[0] == "Bins near"
    assert reason(matches[0], "deployed").text == "Deployed in Busan (same country)"
    assert reason(matches[0], "deployed").points == ranking.DEPLOYED_COUNTRY
    far_match = next(m for m in matches if m.solution == far)
    assert reason(far_match, "deployed") is None  # another region, size unknown


def test_a_project_of_a_company_is_no_evidence_of_a_deployment_in_a_city(
    make_challenge, make_solution, make_deployment, company
):
    challenge = make_challenge(title="Rubbish pickup", description=GARBAGE)
    own = make_solution(name="Bins at home", description=WASTE)
    make_deployment(own, company)  # the provider's own case study, same country and region

    (match,) = ranking.solutions_for_challenge(challenge)

    assert match.solution == own
    assert reason(match, "deployed") is None
    assert reason(ranking.challenges_for_solution(own)[0], "deployed") is None


def test_deployment_in_a_city_of_similar_size_counts_less(
    make_challenge, make_solution, make_deployment, city, other_city, busan
):
    city.population, other_city.population = 9_000_000, 6_000_000
    city.save()
    other_city.save()
    challenge = make_challenge(title="Rubbish pickup", description=GARBAGE)
    similar = make_solution(name="Bins similar", description=WASTE)
    make_deployment(similar, other_city)

    (match,) = ranking.solutions_for_challenge(challenge)

    deployed = reason(match, "deployed")
    assert deployed.text == "Deployed in Abuja (a city of similar size)"
    assert deployed.points == ranking.DEPLOYED_SIMILAR


def test_region_served(make_challenge, make_solution, asia, africa):
    challenge = make_challenge(title="Rubbish pickup", description=GARBAGE)
    make_solution(name="Bins Africa", description=WASTE, regions=[africa])
    make_solution(name="Bins Asia", description=WASTE, regions=[asia])
    make_solution(name="Bins everywhere", description=WASTE)

    matches = ranking.solutions_for_challenge(challenge)

    assert names(matches) == ["Bins Asia", "Bins everywhere", "Bins Africa"]
    assert reason(matches[0], "region").text == "Serves Asia-Pacific"
    assert reason(matches[1], "region").text == "Offered in every region"
    assert reason(matches[2], "region") is None


def test_budget_fit_and_misfit(make_challenge, make_solution):
    challenge = make_challenge(
        title="Rubbish pickup", description=GARBAGE, budget_min=50_000, budget_max=300_000
    )
    make_solution(name="Bins costly", description=WASTE, price_band=BudgetBand.FROM_10M)
    make_solution(name="Bins fitting", description=WASTE, price_band=BudgetBand.FROM_100K)
    make_solution(name="Bins unpriced", description=WASTE)

    matches = ranking.solutions_for_challenge(challenge)

    assert names(matches) == ["Bins fitting", "Bins unpriced", "Bins costly"]
    assert reason(matches[0], "budget").points == ranking.BUDGET_FIT
    assert "fits the budget" in reason(matches[0], "budget").text
    misfit = reason(matches[2], "budget")
    assert misfit.points == ranking.BUDGET_MISFIT
    assert misfit.text == "Its typical cost ($10M – $100M) is above the budget"
    assert reason(matches[1], "budget") is None


def test_a_relevant_solution_far_above_the_budget_is_still_proposed(make_challenge, make_solution):
    challenge = make_challenge(title="Rubbish pickup", description=GARBAGE, budget_max=100_000)
    make_solution(name="Bins costly", description=WASTE, price_band=BudgetBand.OVER_100M)

    (match,) = ranking.solutions_for_challenge(challenge)

    assert reason(match, "budget").points == ranking.BUDGET_MISFIT
    assert match.score < reason(match, "meaning").points


def test_the_bar_is_set_by_the_best_match_not_dismissed(
    make_challenge, make_solution, representative, taxonomy
):
    waste, environment = taxonomy["sectors"][1], taxonomy["pillars"][1]
    challenge = make_challenge(
        title="Rubbish pickup", description=GARBAGE, sectors=[waste], pillars=[environment]
    )
    best = make_solution(
        name="Rubbish pickup", description=GARBAGE, sectors=[waste], pillars=[environment]
    )
    make_solution(name="Bins", description=WASTE)
    assert names(ranking.solutions_for_challenge(challenge)) == ["Rubbish pickup"]

    services_matches.match_decide(
        actor=representative,
        challenge=challenge,
        solution=best,
        side=Side.CITY,
        state=MatchState.DISMISSED,
    )

    assert names(ranking.solutions_for_challenge(challenge)) == ["Bins"]


def test_in_a_large_catalog_the_common_background_is_not_proposed(make_challenge, make_solution):
    challenge = make_challenge(title="Rubbish pickup", description=GARBAGE)
    make_solution(name="Bins", description=WASTE)
    for n in range(ranking.NOISE_SAMPLE):
        make_solution(name=f"Portal {n}", description=f"{PERMITS} {LEAKS} {SIGNALS} Model {n}.")

    matches = ranking.solutions_for_challenge(challenge, limit=50)

    assert names(matches)[0] == "Bins"
    assert len(matches) < ranking.NOISE_SAMPLE / 2


def test_context_alone_does_not_propose_an_unrelated_solution(make_challenge, make_solution, asia):
    challenge = make_challenge(title="Rubbish pickup", description=GARBAGE)
    make_solution(name="Unrelated", description="Qzx vbnm.", regions=[asia])

    assert ranking.solutions_for_challenge(challenge) == []


def test_dismissed_is_hidden_from_that_side_only(
    make_challenge, make_solution, representative, provider_rep
):
    challenge = make_challenge(title="Rubbish pickup", description=GARBAGE)
    bins = make_solution(name="Bins", description=WASTE)
    make_solution(name="Bins too", description=WASTE)
    services_matches.match_decide(
        actor=representative,
        challenge=challenge,
        solution=bins,
        side=Side.CITY,
        state=MatchState.DISMISSED,
    )

    assert "Bins" not in names(ranking.solutions_for_challenge(challenge))
    shown = ranking.solutions_for_challenge(challenge, include_dismissed=True)
    assert {m.solution.name: m.decision for m in shown} == {
        "Bins": "dismissed",
        "Bins too": None,
    }
    # The provider still sees the challenge, undecided on its side.
    (back,) = ranking.challenges_for_solution(bins)
    assert back.challenge == challenge and back.decision is None


def test_saved_is_flagged_and_can_be_listed_alone(
    make_challenge, make_solution, representative, provider_rep
):
    challenge = make_challenge(title="Rubbish pickup", description=GARBAGE)
    bins = make_solution(name="Bins", description=WASTE)
    make_solution(name="Bins too", description=WASTE)
    services_matches.match_decide(
        actor=provider_rep,
        challenge=challenge,
        solution=bins,
        side=Side.PROVIDER,
        state=MatchState.SAVED,
    )
    services_matches.match_decide(
        actor=representative,
        challenge=challenge,
        solution=bins,
        side=Side.CITY,
        state=MatchState.SAVED,
    )

    flagged = {m.solution.name: m.decision for m in ranking.solutions_for_challenge(challenge)}
    assert flagged == {"Bins": "saved", "Bins too": None}
    assert names(ranking.solutions_for_challenge(challenge, only_saved=True)) == ["Bins"]
    (back,) = ranking.challenges_for_solution(bins, only_saved=True)
    assert back.decision == "saved"


def test_drafts_and_closed_solutions_are_never_proposed(
    make_challenge, make_solution, provider_rep
):
    challenge = make_challenge(title="Rubbish pickup", description=GARBAGE)
    make_solution(name="Bins draft", description=WASTE, publish=False)
    closed = make_solution(name="Bins closed", description=WASTE)
    services.solution_set_status(
        actor=provider_rep, solution=closed, status=PublicationStatus.CLOSED
    )
    make_solution(name="Bins live", description=WASTE)

    assert names(ranking.solutions_for_challenge(challenge)) == ["Bins live"]


def test_drafts_and_closed_challenges_are_never_proposed(
    make_challenge, make_solution, representative
):
    bins = make_solution(name="Bins", description=WASTE)
    make_challenge(title="Draft pickup", description=GARBAGE, publish=False)
    closed = make_challenge(title="Closed pickup", description=GARBAGE)
    services.challenge_set_status(
        actor=representative, challenge=closed, status=PublicationStatus.CLOSED
    )
    live = make_challenge(title="Live pickup", description=GARBAGE)

    assert [m.challenge for m in ranking.challenges_for_solution(bins)] == [live]


def test_the_index_follows_publishing_closing_and_deployments(
    make_challenge, make_solution, make_deployment, provider_rep, busan
):
    challenge = make_challenge(title="Rubbish pickup", description=GARBAGE)
    first = make_solution(name="Bins one", description=WASTE)
    assert names(ranking.solutions_for_challenge(challenge)) == ["Bins one"]

    second = make_solution(name="Bins two", description=WASTE, publish=False)
    assert names(ranking.solutions_for_challenge(challenge)) == ["Bins one"]
    services.solution_set_status(
        actor=provider_rep, solution=second, status=PublicationStatus.PUBLISHED
    )
    assert sorted(names(ranking.solutions_for_challenge(challenge))) == ["Bins one", "Bins two"]

    deployment = make_deployment(second, busan)
    (top, _other) = ranking.solutions_for_challenge(challenge)
    assert top.solution == second and reason(top, "deployed") is not None
    deployment.delete()
    (top, _other) = ranking.solutions_for_challenge(challenge)
    assert reason(top, "deployed") is None

    services.solution_set_status(
        actor=provider_rep, solution=first, status=PublicationStatus.CLOSED
    )
    assert names(ranking.solutions_for_challenge(challenge)) == ["Bins two"]


def test_the_index_sees_an_unpublishing_that_keeps_the_last_change_time(
    make_challenge, make_solution
):
    challenge = make_challenge(title="Rubbish pickup", description=GARBAGE)
    gone = make_solution(name="Bins gone", description=WASTE)
    make_solution(name="Bins kept", description=WASTE)
    assert sorted(names(ranking.solutions_for_challenge(challenge))) == ["Bins gone", "Bins kept"]
    stale = ranking.solution_index()

    Solution.objects.filter(pk=gone.pk).update(status=PublicationStatus.DRAFT)

    assert ranking.solution_index() is not stale
    assert gone.pk not in ranking.solution_index().ids
    assert names(ranking.solutions_for_challenge(challenge)) == ["Bins kept"]
    assert len(ranking.rank_solutions(challenge)) == 1


def test_a_stale_index_never_shows_an_unpublished_row(make_challenge, make_solution, monkeypatch):
    challenge = make_challenge(title="Rubbish pickup", description=GARBAGE)
    gone = make_solution(name="Bins gone", description=WASTE)
    make_solution(name="Bins kept", description=WASTE)
    ranking.solutions_for_challenge(challenge)
    ranking.challenges_for_solution(gone)
    stamps = {kind: index.stamp for kind, index in ranking._indexes.items()}
    monkeypatch.setattr(ranking, "_stamp", lambda model: stamps[
        services.SOLUTION_KIND if model is Solution else services.CHALLENGE_KIND
    ])  # fmt: skip

    Solution.objects.filter(pk=gone.pk).update(status=PublicationStatus.CLOSED)
    Challenge.objects.filter(pk=challenge.pk).update(status=PublicationStatus.DRAFT)

    assert gone.pk in ranking.solution_index().ids  # the index is stale
    assert names(ranking.solutions_for_challenge(challenge)) == ["Bins kept"]
    assert ranking.challenges_for_solution(gone) == []


def test_a_deployment_counts_while_its_project_is_in_the_catalog(
    make_challenge, make_solution, make_deployment, busan, staff
):
    challenge = make_challenge(title="Rubbish pickup", description=GARBAGE)
    bins = make_solution(name="Bins", description=WASTE)
    deployment = make_deployment(bins, busan)
    assert reason(ranking.solutions_for_challenge(challenge)[0], "deployed") is not None
    assert reason(ranking.challenges_for_solution(bins)[0], "deployed") is not None

    project_unpublish(actor=staff, project=deployment.project)

    (match,) = ranking.solutions_for_challenge(challenge)
    assert reason(match, "deployed") is None
    (back,) = ranking.challenges_for_solution(bins)
    assert reason(back, "deployed") is None


def test_the_best_deployment_counts_whichever_was_added_first(
    make_challenge, make_solution, make_deployment, city, busan
):
    challenge = make_challenge(title="Rubbish pickup", description=GARBAGE)
    bins = make_solution(name="Bins", description=WASTE)
    make_deployment(bins, city)  # in the challenge's own city: the best
    make_deployment(bins, busan)  # same country: less

    (match,) = ranking.solutions_for_challenge(challenge)

    deployed = reason(match, "deployed")
    assert deployed.points == ranking.DEPLOYED_CITY
    assert deployed.text == "Already deployed in Seoul"
    (back,) = ranking.challenges_for_solution(bins)
    assert reason(back, "deployed").text == "Already deployed in Seoul"


def test_best_deployments_per_row():
    rows = np.array([0, 2, 0, 2, 2, -1, 1])
    points = np.array([10.0, 4.0, 6.0, 9.0, 9.0, 10.0, 0.0])

    deployed, best = ranking._best_deployments(rows, points, 4)

    assert deployed.tolist() == [10.0, 0.0, 9.0, 0.0]
    assert best.tolist() == [0, -1, 3, -1]


def test_the_index_follows_a_changed_text(make_challenge, make_solution, provider_rep):
    challenge = make_challenge(title="Rubbish pickup", description=GARBAGE)
    solution = make_solution(name="Portal", description=PERMITS)
    before = ranking.solutions_for_challenge(challenge)
    services.solution_update(actor=provider_rep, solution=solution, description=WASTE)
    (after,) = ranking.solutions_for_challenge(challenge)
    assert not before or after.score > before[0].score


def test_paging(make_challenge, make_solution):
    challenge = make_challenge(title="Rubbish pickup", description=GARBAGE)
    for n in range(7):
        make_solution(name=f"Bins {n}", description=f"{WASTE} Model {n}.")
    everything = ranking.solutions_for_challenge(challenge, limit=50)
    assert len(everything) == 7
    pages = [ranking.solutions_for_challenge(challenge, limit=3, offset=o) for o in (0, 3, 6)]
    assert [m.solution for page in pages for m in page] == [m.solution for m in everything]
    assert len(ranking.rank_solutions(challenge)) == 7


def test_challenges_for_a_solution(make_challenge, make_solution, taxonomy, asia, africa):
    waste = taxonomy["sectors"][1]
    bins = make_solution(
        name="Bins", description=WASTE, sectors=[waste], regions=[asia], price_band="100k_1m"
    )
    make_challenge(title="Permits", description=PERMITS)
    pickup = make_challenge(
        title="Rubbish pickup", description=GARBAGE, sectors=[waste], budget_max=400_000
    )

    matches = ranking.challenges_for_solution(bins)

    assert matches[0].challenge == pickup
    codes = {r.code for r in matches[0].reasons}
    assert {"meaning", "sectors", "region", "budget"} <= codes
    assert reason(matches[0], "region").text == "Serves Asia-Pacific"


def test_reverse_deployment_reason(
    make_challenge, make_solution, make_deployment, busan, other_representative, other_city
):
    bins = make_solution(name="Bins", description=WASTE)
    make_deployment(bins, busan)
    seoul = make_challenge(title="Rubbish pickup", description=GARBAGE)
    abuja = make_challenge(
        title="Rubbish pickup", description=GARBAGE, city_org=other_city, actor=other_representative
    )

    matches = {m.challenge: m for m in ranking.challenges_for_solution(bins)}

    assert reason(matches[seoul], "deployed").text == "Deployed in Busan (same country)"
    assert reason(matches[abuja], "deployed") is None
    assert matches[seoul].score > matches[abuja].score


def _many(make_solution, make_challenge, n, taxonomy, technologies, asia):
    for i in range(n):
        make_solution(
            name=f"Bins {i}",
            description=f"{WASTE} Version {i}.",
            sectors=taxonomy["sectors"][:2],
            pillars=taxonomy["pillars"][:1],
            technologies=technologies[:2],
            regions=[asia],
            price_band="100k_1m",
        )


@pytest.mark.parametrize("count", [2, 12])
def test_a_page_of_matches_costs_the_same_queries(
    count,
    make_challenge,
    make_solution,
    make_deployment,
    taxonomy,
    technologies,
    asia,
    busan,
    django_assert_max_num_queries,
):
    _many(make_solution, make_challenge, count, taxonomy, technologies, asia)
    challenge = make_challenge(
        title="Rubbish pickup with big data",
        description=GARBAGE,
        sectors=taxonomy["sectors"][:1],
        pillars=taxonomy["pillars"][:1],
        budget_max=900_000,
    )
    from activator.matching.models import Challenge, Solution

    for solution in Solution.objects.all()[:2]:
        make_deployment(solution, busan)
    ranking.solutions_for_challenge(challenge)  # the index is built once
    challenge = Challenge.objects.get(pk=challenge.pk)
    with django_assert_max_num_queries(11):
        matches = ranking.solutions_for_challenge(challenge)
        assert len(matches) == count
        for match in matches:
            assert match.solution.provider.name
            assert [r.text for r in match.reasons]
    solution = Solution.objects.get(name="Bins 0")
    ranking.challenges_for_solution(solution)
    solution = Solution.objects.get(pk=solution.pk)
    with django_assert_max_num_queries(11):
        for match in ranking.challenges_for_solution(solution):
            assert match.challenge.city.name
            assert [r.text for r in match.reasons]


def test_query_words_leave_out_stop_words():
    assert ranking.query_words("The city needs better bus routes for its residents") == [
        "better",
        "bus",
        "routes",
        "residents",
    ]
