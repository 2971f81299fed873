"""The tables behind the call exports, and the files they are written to."""

import csv
import datetime
import decimal
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from activator.calls import exports, selectors, services, services_review
from activator.calls.enums import QuestionKind, ReviewStatus
from activator.calls.models import Question, Review
from activator.core import spreadsheets
from tests.calls.conftest import answer_all
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n% a plan\n"


def apply(call, person, organisation, *, title, answers=None, files=None):
    application = services.application_start(
        actor=person,
        call=call,
        organisation=organisation,
        title=title,
        category=call.categories.first(),
    )
    services.application_save(
        actor=person,
        application=application,
        answers=answers if answers is not None else answer_all(call),
        files=files,
    )
    return services.application_submit(actor=person, application=application)


@pytest.fixture
def juror(db):
    return UserFactory(email="juror@example.org", full_name="Juror One")


@pytest.fixture
def scored_review(award, make_round, staff, juror, representative, city):
    """A submitted review of Seoul's application: Impact 8, Innovation 5 (weights 2 and 1)."""
    application = apply(award, representative, city, title="Smart bus stops")
    review_round = make_round(award, reviewers=[juror])
    services_review.round_start(actor=staff, review_round=review_round)
    review = services_review.assign(
        actor=staff, review_round=review_round, application=application, reviewer=juror
    )
    impact, innovation = review_round.criteria.order_by("position")
    return services_review.review_submit(
        actor=juror, review=review, scores={impact.pk: 8, innovation.pk: 5}
    )


# --- A reviewer's own assignments -------------------------------------------------------------


def test_reviewer_rows_name_the_applicant_when_review_is_not_anonymous(scored_review, juror):
    header, rows = exports.reviewer_rows(selectors.reviews_of(juror), anonymous=False)

    application = scored_review.application
    assert header == [
        "Call",
        "Code",
        "Title",
        "Applicant",
        "Category",
        "Round",
        "Status",
        "Your weighted score",
        "Impact",
        "Innovation",
    ]
    assert rows == [
        [
            "Smart Sustainable City Awards",
            application.code,
            "Smart bus stops",
            "Seoul",
            "Mobility",
            scored_review.round.name,
            "Submitted",
            7.0,
            8,
            5,
        ]
    ]


def test_reviewer_rows_never_identify_the_applicant_when_anonymous(
    scored_review, juror, representative
):
    header, rows = exports.reviewer_rows(selectors.reviews_of(juror), anonymous=True)

    assert "Applicant" not in header
    assert len(rows) == 1
    cells = " ".join(str(value) for value in header + rows[0])
    for identity in ("Seoul", representative.email, str(representative), "KR", "Korea"):
        assert identity not in cells
    assert rows[0][:3] == [
        "Smart Sustainable City Awards",
        scored_review.application.code,
        "Smart bus stops",
    ]


def test_reviewer_rows_leave_scores_empty_until_submitted(
    award, make_round, staff, juror, representative, city
):
    application = apply(award, representative, city, title="Smart bus stops")
    review_round = make_round(award, reviewers=[juror])
    services_review.round_start(actor=staff, review_round=review_round)
    services_review.assign(
        actor=staff, review_round=review_round, application=application, reviewer=juror
    )

    header, rows = exports.reviewer_rows(Review.objects.filter(reviewer=juror), anonymous=True)

    record = dict(zip(header, rows[0], strict=True))
    assert record["Status"] == "To do"
    assert record["Your weighted score"] == ""
    assert (record["Impact"], record["Innovation"]) == ("", "")


def test_reviewer_rows_guard_text_against_formulas(scored_review, juror):
    type(scored_review.application).objects.filter(pk=scored_review.application_id).update(
        title="=1+1"
    )

    _header, rows = exports.reviewer_rows(selectors.reviews_of(juror), anonymous=True)

    assert rows[0][2] == "'=1+1"


def test_reviewer_rows_of_nothing_still_have_a_header():
    header, rows = exports.reviewer_rows([], anonymous=True)

    assert header[:3] == ["Call", "Code", "Title"]
    assert rows == []


# --- A call's applications ----------------------------------------------------------------


def test_application_rows_show_projects_by_title_and_files_by_name(
    settings, tmp_path, award, staff, representative, city, make_project
):
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    project = make_project(city, title="Smart parking pilot")
    plan = services.part_save(
        actor=staff,
        call=award,
        item=Question(kind=QuestionKind.FILE, label="Plan", required=False, position=3),
    )
    which = services.part_save(
        actor=staff,
        call=award,
        item=Question(kind=QuestionKind.PROJECT, label="Project", required=False, position=4),
    )
    when = services.part_save(
        actor=staff,
        call=award,
        item=Question(kind=QuestionKind.DATE, label="Started", required=False, position=5),
    )
    answers = answer_all(award) | {str(which.pk): project.pk, str(when.pk): "2025-04-01"}
    apply(
        award,
        representative,
        city,
        title="Smart bus stops",
        answers=answers,
        files={str(plan.pk): SimpleUploadedFile("plan.pdf", PDF)},
    )

    header, rows = exports.application_rows(award)

    record = dict(zip(header, rows[0], strict=True))
    assert record["Plan"] == "plan.pdf"
    assert record["Project"] == "Smart parking pilot"
    assert record["Started"] == datetime.date(2025, 4, 1)
    assert record["What did you build?"] == "An answer"
    assert record["Citizens served"] == ""
    assert record["Decision"] == ""


def test_application_rows_have_four_columns_per_round(
    award, make_round, staff, scored_review, juror
):
    second = make_round(award)

    header, rows = exports.application_rows(award)

    assert header[-8:] == [
        "Round 1: reviews",
        "Round 1: mean",
        "Round 1: score",
        "Round 1: rank",
        "Round 2: reviews",
        "Round 2: mean",
        "Round 2: score",
        "Round 2: rank",
    ]
    assert rows[0][-8:] == [1, 7.0, 7.0, 1, "", "", "", ""]
    assert second.number == 2


def test_application_rows_query_count_does_not_grow(
    award, representative, city, other_representative, other_city, django_assert_max_num_queries
):
    apply(award, representative, city, title="Smart bus stops")
    with django_assert_max_num_queries(6):
        exports.application_rows(award)
    apply(award, other_representative, other_city, title="Open data portal")
    with django_assert_max_num_queries(6):
        _header, rows = exports.application_rows(award)
    assert len(rows) == 2


# --- Files --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=SUM(A1:A2)", "'=SUM(A1:A2)"),
        ("+1", "'+1"),
        ("-1+cmd", "'-1+cmd"),
        ("@SUM(1)", "'@SUM(1)"),
        ("\tx", "'\tx"),
        ("Plain text", "Plain text"),
        (None, ""),
        (-3.5, -3.5),
        (decimal.Decimal("-12"), decimal.Decimal("-12")),
        (datetime.date(2026, 5, 29), "2026-05-29"),
    ],
)
def test_csv_cells_are_guarded_but_numbers_stay_numbers(value, expected):
    assert spreadsheets.csv_cell(value) == expected


def test_write_csv_guards_header_and_rows():
    buffer = io.StringIO()

    spreadsheets.write_csv(buffer, ["=Title", "Score"], [["@evil", -1.5], ["fine", 2]])

    assert list(csv.reader(io.StringIO(buffer.getvalue()))) == [
        ["'=Title", "Score"],
        ["'@evil", "-1.5"],
        ["fine", "2"],
    ]


def test_xlsx_never_holds_a_formula():
    content = spreadsheets.xlsx_bytes(
        ["Title", "Score", "Due"],
        [['=HYPERLINK("http://x")', 7.5, datetime.date(2026, 5, 29)], ["bad\x07char", -1, None]],
        title="Applications: 2026/27",
    )

    workbook = openpyxl.load_workbook(io.BytesIO(content))
    sheet = workbook.active
    assert sheet.title == "Applications  2026 27"
    first, second = list(sheet.iter_rows(min_row=2))
    assert first[0].data_type == "s"
    assert first[0].value == '\'=HYPERLINK("http://x")'
    assert first[1].value == 7.5
    assert first[2].value.date() == datetime.date(2026, 5, 29)
    assert second[0].value == "badchar"
    assert second[1].value == -1
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_review_statuses_have_their_labels(scored_review, juror):
    Review.objects.filter(pk=scored_review.pk).update(status=ReviewStatus.CONFLICTED)

    header, rows = exports.reviewer_rows(Review.objects.filter(reviewer=juror), anonymous=True)

    assert dict(zip(header, rows[0], strict=True))["Status"] == "Conflict of interest"
