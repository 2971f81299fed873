"""Anonymous review: nothing a reviewer can reach names the applicant; staff still see it all."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django_countries import countries

from activator.calls import services, services_review
from activator.calls.enums import BidPreference, QuestionKind
from activator.calls.models import Question
from tests.calls.conftest import answer_all
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

APPLICANT_NAME = "Min-jun Park"
FILE_NAME = "Seoul-plan.pdf"
PDF = b"%PDF-1.4\n% a plan\n"


@pytest.fixture
def juror(db):
    return UserFactory(email="juror@example.org", full_name="Ana Juror", platform_role="reviewer")


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


def _assigned_review(call, representative, city, staff, juror, make_round):
    """Seoul's application to `call`, with a plan in a file named after the city, assigned to
    the juror in a started first round."""
    representative.full_name = APPLICANT_NAME
    representative.save()
    services.part_save(
        actor=staff,
        call=call,
        item=Question(kind=QuestionKind.FILE, label="Plan", required=False, position=3),
    )
    plan = call.questions.get(kind=QuestionKind.FILE)
    application = services.application_start(
        actor=representative,
        call=call,
        organisation=city,
        title="Smart bus stops",
        category=call.categories.first(),
    )
    services.application_save(
        actor=representative,
        application=application,
        answers=answer_all(call),
        files={str(plan.pk): SimpleUploadedFile(FILE_NAME, PDF)},
    )
    services.application_submit(actor=representative, application=application)
    review_round = make_round(call, reviewers=[juror])
    services_review.round_start(actor=staff, review_round=review_round)
    services_review.bid_save(
        actor=juror,
        review_round=review_round,
        application=application,
        preference=BidPreference.EAGER,
    )
    return services_review.assign(
        actor=staff, review_round=review_round, application=application, reviewer=juror
    )


def _reviewer_pages(client, review) -> dict[str, str]:
    """Every page (and the export) the reviewer reaches, before and after scoring."""
    pages = {
        "my reviews": reverse("calls:my_reviews"),
        "review": reverse("calls:review", args=[review.pk]),
        "bids": reverse("calls:bids", args=[review.round_id]),
        "export": reverse("calls:my_reviews_export"),
    }
    seen = {}
    for name, url in pages.items():
        response = client.get(url)
        assert response.status_code == 200, name
        seen[name] = response.content.decode()
    criteria = list(review.round.criteria.all())
    response = client.post(
        pages["review"], {f"criterion_{c.pk}": "7" for c in criteria} | {"comment": "Good."}
    )
    assert response.status_code == 302
    for name, url in pages.items():
        seen[f"{name}, scored"] = client.get(url).content.decode()
    return seen


def _identity() -> list[str]:
    return ["Seoul", APPLICANT_NAME, "rep@example.org", countries.name("KR")]


def test_reviewers_of_an_anonymous_call_never_see_who_applied(
    client, make_call, representative, city, staff, juror, make_round
):
    call = make_call(anonymous_review=True, title="Blind award")
    review = _assigned_review(call, representative, city, staff, juror, make_round)
    client.force_login(juror)
    seen = _reviewer_pages(client, review)
    for name, page in seen.items():
        for clue in _identity():
            assert clue not in page, f"{clue!r} shows on {name}"
        assert review.application.code in page, name
        assert "Smart bus stops" in page, name
    plan = review.round.call.questions.get(kind=QuestionKind.FILE)
    assert f"{review.application.code}-{plan.pk}.pdf</a>" in seen["review"]
    # The file the review page links to downloads under the same name.
    item = review.application.files.get()
    download = client.get(reverse("calls:application_file", args=[item.application_id, item.pk]))
    assert download.status_code == 200
    assert download["Content-Disposition"] == (
        f'attachment; filename="{review.application.code}-{plan.pk}.pdf"'
    )


def test_reviewers_of_an_open_call_see_the_applicant(
    client, make_call, representative, city, staff, juror, make_round
):
    call = make_call(anonymous_review=False, title="Open award")
    review = _assigned_review(call, representative, city, staff, juror, make_round)
    client.force_login(juror)
    seen = _reviewer_pages(client, review)
    for name, page in seen.items():
        assert "Seoul" in page, name
    assert f"{FILE_NAME}</a>" in seen["review"]


def test_staff_see_the_applicant_of_an_anonymous_call(
    client, make_call, representative, city, staff, juror, make_round
):
    call = make_call(anonymous_review=True, title="Blind award")
    review = _assigned_review(call, representative, city, staff, juror, make_round)
    client.force_login(staff)
    page = client.get(
        reverse("calls:round", args=[call.slug, review.round.number])
    ).content.decode()
    assert "Seoul" in page
    assert review.application.code in page


def test_a_reviewer_of_both_kinds_of_call_exports_one_table(
    client, make_call, representative, city, staff, juror, make_round
):
    blind = _assigned_review(
        make_call(anonymous_review=True, title="Blind award"),
        representative,
        city,
        staff,
        juror,
        make_round,
    )
    open_review = _assigned_review(
        make_call(anonymous_review=False, title="Open award"),
        representative,
        city,
        staff,
        juror,
        make_round,
    )
    client.force_login(juror)
    lines = client.get(reverse("calls:my_reviews_export")).content.decode().splitlines()
    assert len(lines) == 3
    (blind_line,) = [line for line in lines if blind.application.code in line]
    (open_line,) = [line for line in lines if open_review.application.code in line]
    assert "Seoul" not in blind_line
    assert "Seoul" in open_line
