"""Tables of a call's applications and of a reviewer's assignments, and the files they become.

Each table is a header and rows of plain values (text, numbers, dates); core/spreadsheets.py
writes them as CSV or XLSX, guarded against formula injection.
"""

import datetime
import decimal
from collections.abc import Iterable
from typing import Any

from django.db.models import prefetch_related_objects
from django.utils.translation import gettext as _

from activator.calls import selectors
from activator.calls.enums import QuestionKind
from activator.calls.models import Call, Question, Review
from activator.core.spreadsheets import Table, csv_cell
from activator.projects.models import Project


def _score(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _local(call: Call, moment: datetime.datetime | None) -> str:
    return f"{call.local(moment):%Y-%m-%d %H:%M}" if moment else ""


def _answer(question: Question, value: Any, files: dict[int, Any], titles: dict[int, str]) -> Any:
    """One answer as a spreadsheet shows it: numbers and dates as such, projects by title."""
    kind = question.kind
    if kind == QuestionKind.FILE:
        item = files.get(question.pk)
        return item.name if item is not None else ""
    if value is None:
        return ""
    if kind == QuestionKind.PROJECT:
        return titles.get(value, "") if isinstance(value, int) else ""
    if kind == QuestionKind.NUMBER:
        try:
            return decimal.Decimal(str(value))
        except decimal.InvalidOperation:
            return str(value)
    if kind == QuestionKind.DATE:
        try:
            return datetime.date.fromisoformat(str(value))
        except ValueError:
            return str(value)
    return str(value)


def application_rows(call: Call) -> Table:
    """Every application of the call with its applicant, answers, decision and review results.

    One column per question of the form, then four per review round: the number of submitted
    reviews, their mean, the score the ranking uses (normalised and trimmed as the round says)
    and the rank within the category. Queries do not grow with the number of applications.
    """
    questions = list(call.questions.all())
    rounds = list(call.rounds.order_by("number"))
    applications = list(
        call.applications.select_related("applicant", "organisation", "category", "level")
        .prefetch_related("files")
        .order_by("pk")
    )
    project_questions = [str(q.pk) for q in questions if q.kind == QuestionKind.PROJECT]
    project_ids = {
        a.answers.get(key)
        for a in applications
        for key in project_questions
        if isinstance(a.answers.get(key), int)
    }
    titles = (
        dict(Project.objects.filter(pk__in=project_ids).values_list("pk", "title"))
        if project_ids
        else {}
    )
    results = [{row.application_id: row for row in selectors.ranking_rows(r)} for r in rounds]

    header = [
        _("Code"),
        _("Title"),
        _("Organisation"),
        _("Person"),
        _("E-mail"),
        _("Country"),
        _("Category"),
        _("Status"),
        _("Submitted (%(zone)s)") % {"zone": call.time_zone},
        *[q.label for q in questions],
        _("Decision"),
        _("Level"),
    ]
    for review_round in rounds:
        number = review_round.number
        header += [
            _("Round %(number)s: reviews") % {"number": number},
            _("Round %(number)s: mean") % {"number": number},
            _("Round %(number)s: score") % {"number": number},
            _("Round %(number)s: rank") % {"number": number},
        ]

    rows = []
    for application in applications:
        files = {f.question_id: f for f in application.files.all()}
        row: list[Any] = [
            application.code,
            application.title,
            application.organisation.name if application.organisation_id else "",
            str(application.applicant),
            application.applicant.email,
            application.country.name if application.country else "",
            application.category.name if application.category_id else "",
            application.get_status_display(),
            _local(call, application.submitted_at),
            *[_answer(q, application.answers.get(str(q.pk)), files, titles) for q in questions],
            application.get_outcome_display() if application.outcome else "",
            application.level.name if application.level_id else "",
        ]
        for ranked in results:
            result = ranked.get(application.pk)
            if result is None:
                row += ["", "", "", ""]
            else:
                row += [result.reviews, _score(result.mean), _score(result.score), result.rank]
        rows.append(row)
    return header, rows


def reviewer_rows(reviews: Iterable[Review], anonymous: bool) -> Table:
    """A reviewer's own assignments: what they were given, where they stand, what they scored.

    With `anonymous` nothing in the table names or locates the applicant (applications go by
    code and title); without it the applicant's name follows the title. One column per
    criterion name across the rounds. Text cells are already guarded against formula
    injection, so any CSV writer may take the rows as they are.
    """
    reviews = list(reviews)
    related = ["scores__criterion", "round__criteria", "round__call", "application__category"]
    if not anonymous:
        related += ["application__organisation", "application__applicant"]
    prefetch_related_objects(reviews, *related)
    criteria: list[str] = []
    for review in reviews:
        for criterion in review.round.criteria.all():
            if criterion.name not in criteria:
                criteria.append(criterion.name)

    header = [_("Call"), _("Code"), _("Title")]
    if not anonymous:
        header.append(_("Applicant"))
    header += [_("Category"), _("Round"), _("Status"), _("Your weighted score"), *criteria]

    rows = []
    for review in reviews:
        application = review.application
        values = {score.criterion.name: score.value for score in review.scores.all()}
        row: list[Any] = [review.round.call.title, application.code, application.title]
        if not anonymous:
            row.append(application.applicant_name)
        row += [
            application.category.name if application.category_id else "",
            review.round.name,
            review.get_status_display(),
            _score(review.total),
            *[values.get(name, "") for name in criteria],
        ]
        rows.append([csv_cell(value) for value in row])
    return [csv_cell(name) for name in header], rows
