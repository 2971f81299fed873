"""Anonymous review through the API: a reviewer's answers never say who applied.

Read as raw text, so a name, country or address anywhere in a body (a nested object, a file
name, a key added later) fails the test, not just in the fields checked today.
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from activator.accounts.services import api_token_create
from activator.calls import services, services_review
from activator.calls.enums import QuestionKind
from activator.calls.models import Question
from tests.calls.conftest import answer_all

pytestmark = pytest.mark.django_db
REVIEWS = "/api/v1/reviews"
PDF = b"%PDF-1.4\n% a plan\n"


def bearer(user):
    _token, secret = api_token_create(user=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


@pytest.fixture
def applicant(representative, city):
    """Seoul's representative, with a full name and the city's address filled in."""
    representative.full_name = "Kim Min-jun"
    representative.save()
    city.city = "Seoul"
    city.save()
    return representative


@pytest.fixture
def reviewed(settings, tmp_path, make_call, make_round, staff, applicant, city, reviewer):
    """The same application from Seoul to an anonymous call and to an open one, each with a
    file named after the city, assigned to the reviewer."""
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"

    def review_of(call):
        services.part_save(
            actor=staff,
            call=call,
            item=Question(kind=QuestionKind.FILE, label="Plan", required=False, position=3),
        )
        plan = call.questions.get(kind=QuestionKind.FILE)
        application = services.application_start(
            actor=applicant,
            call=call,
            organisation=city,
            title="Smart bus stops",
            category=call.categories.first(),
        )
        services.application_save(
            actor=applicant,
            application=application,
            answers=answer_all(call),
            files={str(plan.pk): SimpleUploadedFile("Seoul-KR-plan.pdf", PDF)},
        )
        services.application_submit(actor=applicant, application=application)
        review_round = make_round(call, reviewers=[reviewer])
        services_review.round_start(actor=staff, review_round=review_round)
        return services_review.assign(
            actor=staff, review_round=review_round, application=application, reviewer=reviewer
        )

    return {
        "anonymous": review_of(make_call(title="Blind Awards", anonymous_review=True)),
        "open": review_of(make_call(title="Open Awards")),
    }


def bodies(client, review, user) -> list[str]:
    """The reviewer's list of the call's reviews and the review itself, as raw text."""
    headers = bearer(user)
    listed = client.get(REVIEWS, {"call": review.round.call_id}, **headers)
    detail = client.get(f"{REVIEWS}/{review.id}", **headers)
    assert listed.status_code == detail.status_code == 200
    assert listed.json()["count"] == 1
    return [listed.content.decode(), detail.content.decode()]


def test_an_anonymous_calls_reviews_name_no_applicant(client, reviewed, reviewer, applicant, city):
    review = reviewed["anonymous"]
    application = review.application
    for text in bodies(client, review, reviewer):
        for identity in ("Seoul", "KR", "Korea", "rep@example.org", "Kim Min-jun"):
            assert identity not in text
        assert '"organisation"' not in text and '"organization"' not in text
        assert '"applicant": null' in text or '"applicant":null' in text
        # What the reviewer may read: the code, the title, the category (and the answers).
        assert application.code in text
        assert "Smart bus stops" in text and "Mobility" in text
    detail = client.get(f"{REVIEWS}/{review.id}", **bearer(reviewer)).json()
    assert [row["value"] for row in detail["answers"]] == ["An answer", "", ""]
    # The file, which the applicant named after the city, goes by the application's code.
    plan = review.round.call.questions.get(kind=QuestionKind.FILE)
    files = [row["file"] for row in detail["answers"] if row["file"]]
    assert files == [{"name": f"{application.code}-{plan.id}.pdf", "size": len(PDF)}]
    assert detail["application"] == {
        "code": application.code,
        "title": "Smart bus stops",
        "category": {"id": application.category_id, "name": "Mobility"},
        "applicant": None,
    }
    assert detail["anonymous_review"] is True


def test_an_open_calls_reviews_name_the_applicant(client, reviewed, reviewer):
    review = reviewed["open"]
    for text in bodies(client, review, reviewer):
        assert "Seoul" in text
    detail = client.get(f"{REVIEWS}/{review.id}", **bearer(reviewer)).json()
    assert detail["application"]["applicant"] == {"name": "Seoul"}
    assert detail["anonymous_review"] is False
    assert [row["file"]["name"] for row in detail["answers"] if row["file"]] == [
        "Seoul-KR-plan.pdf"
    ]


def test_the_whole_list_of_reviews_keeps_each_calls_rule(client, reviewed, reviewer):
    items = client.get(REVIEWS, **bearer(reviewer)).json()["items"]
    applicants = {item["call"]["title"]: item["application"]["applicant"] for item in items}
    assert applicants == {"Blind Awards": None, "Open Awards": {"name": "Seoul"}}
