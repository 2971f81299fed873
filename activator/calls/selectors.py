"""Reads for calls: listings, the timeline, each person's applications and reviews, and the ranking.

The ranking is one SQL statement (window functions, on SQLite and PostgreSQL alike): each
review's weighted score, optionally turned into a z-score against the reviewer's own scores in
the round, then the (trimmed) mean per application and the rank within its category.
"""

import datetime
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from activator.accounts.predicates import affiliated_organisation_ids
from activator.calls.enums import (
    PUBLISHED_OUTCOMES,
    ApplicationStatus,
    CallStatus,
    DatePrecision,
    PhaseKind,
    ReviewStatus,
    RoundStatus,
)
from activator.calls.models import (
    Application,
    Call,
    Category,
    Review,
    ReviewRound,
    RoundReviewer,
)

STAGES = ("open", "upcoming", "closed", "results", "draft")


def calls_visible_to(user: Any) -> QuerySet[Call]:
    """Published calls for everyone; drafts too for the staff who manage them."""
    calls = Call.objects.all()
    if user.is_authenticated and user.is_secretariat:
        return calls
    if user.is_authenticated and user.is_regional_staff:
        return calls.filter(~Q(status=CallStatus.DRAFT) | Q(office_id=user.regional_office_id))
    return calls.exclude(status=CallStatus.DRAFT)


def filter_calls(
    calls: QuerySet[Call],
    *,
    kind: str = "",
    stage: str = "",
    year: int | None = None,
    now: datetime.datetime | None = None,
) -> QuerySet[Call]:
    """Narrow by kind, year and stage: open, upcoming, closed, results or draft."""
    now = now or timezone.now()
    if kind:
        calls = calls.filter(kind=kind)
    if year:
        calls = calls.filter(year=year)
    if stage == "draft":
        calls = calls.filter(status=CallStatus.DRAFT)
    elif stage == "results":
        calls = calls.filter(results_published_at__isnull=False)
    elif stage == "open":
        calls = calls.filter(
            status=CallStatus.OPEN, opens_at__lte=now, deadline__gt=now, results_published_at=None
        )
    elif stage == "upcoming":
        calls = calls.filter(status=CallStatus.OPEN, opens_at__gt=now, results_published_at=None)
    elif stage == "closed":
        calls = calls.filter(
            Q(status=CallStatus.CLOSED) | Q(status=CallStatus.OPEN, deadline__lte=now),
            results_published_at=None,
        )
    return calls


def with_listing_details(calls: QuerySet[Call]) -> QuerySet[Call]:
    return calls.select_related("office").prefetch_related("categories", "phases")


@dataclass(frozen=True)
class TimelineStep:
    kind: str
    name: str
    starts_on: datetime.date
    ends_on: datetime.date | None
    precision: str
    note: str

    @property
    def label(self) -> str:
        return str(PhaseKind(self.kind).label) if self.kind in PhaseKind.values else self.kind

    def state(self, today: datetime.date) -> str:
        """past, current or future, as the call's own calendar sees `today`."""
        end = self.ends_on or self.starts_on
        if self.precision == DatePrecision.MONTH:
            start = self.starts_on.replace(day=1)
            if today < start:
                return "future"
            return "past" if (today.year, today.month) > (end.year, end.month) else "current"
        if today < self.starts_on:
            return "future"
        return "past" if today > end else "current"


def timeline(call: Call) -> list[TimelineStep]:
    """Opening and deadline (from the call's enforced dates) merged with its dated phases."""
    steps = [
        TimelineStep(
            PhaseKind.OPEN,
            _("Applications open"),
            call.local(call.opens_at).date(),
            None,
            DatePrecision.DAY,
            "",
        ),
        TimelineStep(
            PhaseKind.DEADLINE,
            _("Application deadline"),
            call.local(call.deadline).date(),
            None,
            DatePrecision.DAY,
            f"{call.local(call.deadline):%H:%M} {call.time_zone}",
        ),
    ]
    steps += [
        TimelineStep(p.kind, p.name, p.starts_on, p.ends_on, p.precision, p.note)
        for p in call.phases.all()
        if p.kind not in (PhaseKind.OPEN, PhaseKind.DEADLINE)
    ]
    return sorted(steps, key=lambda s: (s.starts_on, s.kind != PhaseKind.OPEN))


def applications_of(user: Any) -> QuerySet[Application]:
    """What a person applied for, and their organisations' applications."""
    if not user.is_authenticated:
        return Application.objects.none()
    return Application.objects.filter(
        Q(applicant=user) | Q(organisation_id__in=affiliated_organisation_ids(user))
    ).select_related("call", "category", "organisation", "level")


def reviews_of(user: Any) -> QuerySet[Review]:
    """The reviews assigned to a person, in rounds that have started."""
    if not user.is_authenticated:
        return Review.objects.none()
    return (
        Review.objects.filter(reviewer=user)
        .exclude(application__status=ApplicationStatus.WITHDRAWN)
        .exclude(round__status=RoundStatus.SETUP)
        .select_related("round", "round__call", "application", "application__category")
        .order_by("-round__call__deadline", "round__number", "application_id")
    )


def call_counts(call: Call) -> dict[str, int]:
    """Applications per status, for the staff dashboard."""
    counts = dict(call.applications.values_list("status").annotate(n=Count("id")).order_by())
    return {status: counts.get(status, 0) for status in ApplicationStatus.values}


def results(call: Call) -> list[tuple[Category | None, list[Application]]]:
    """The decided winners, selected and accepted applications per category, best level first."""
    decided = list(
        call.applications.filter(outcome__in=PUBLISHED_OUTCOMES, status=ApplicationStatus.SUBMITTED)
        .select_related("organisation", "applicant", "level", "category")
        .order_by("category__position", "level__position", "outcome", "title")
    )
    groups: dict[int | None, tuple[Category | None, list[Application]]] = {}
    for application in decided:
        groups.setdefault(application.category_id, (application.category, []))[1].append(
            application
        )
    return list(groups.values())


# --- Ranking ----------------------------------------------------------------------------------

RANKING_SQL = """
WITH reviewed AS (
    SELECT rv.application_id, rv.reviewer_id, rv.total AS raw
    FROM calls_review rv
    JOIN calls_application app ON app.id = rv.application_id
    WHERE rv.round_id = %(round)s AND rv.status = %(submitted)s AND app.status <> %(withdrawn)s
),
valued AS (
    SELECT application_id, raw,
        AVG(raw) OVER (PARTITION BY reviewer_id) AS mu,
        AVG(raw * raw) OVER (PARTITION BY reviewer_id) AS mu2
    FROM reviewed
),
normalised AS (
    SELECT application_id, raw,
        CASE
            WHEN %(normalise)s = 0 THEN raw
            WHEN mu2 - mu * mu > 1e-12 THEN (raw - mu) / SQRT(mu2 - mu * mu)
            ELSE 0.0
        END AS value
    FROM valued
),
ordered AS (
    SELECT application_id, raw, value,
        ROW_NUMBER() OVER (PARTITION BY application_id ORDER BY value) AS pos,
        COUNT(*) OVER (PARTITION BY application_id) AS n
    FROM normalised
),
scored AS (
    SELECT application_id,
        MAX(n) AS n,
        AVG(raw) AS mean,
        AVG(CASE
            WHEN n > 2 * %(trim)s AND (pos <= %(trim)s OR pos > n - %(trim)s) THEN NULL
            ELSE value
        END) AS score,
        MAX(raw) - MIN(raw) AS spread
    FROM ordered
    GROUP BY application_id
)
SELECT e.application_id, app.category_id, COALESCE(s.n, 0), s.mean, s.score, s.spread,
    RANK() OVER (
        PARTITION BY app.category_id
        ORDER BY CASE WHEN s.score IS NULL THEN 1 ELSE 0 END, s.score DESC
    ) AS place
FROM calls_roundentry e
JOIN calls_application app ON app.id = e.application_id
LEFT JOIN scored s ON s.application_id = e.application_id
WHERE e.round_id = %(round)s AND app.status <> %(withdrawn)s
"""


@dataclass
class RankedRow:
    application_id: int
    category_id: int | None
    reviews: int
    mean: float | None
    score: float | None
    spread: float | None
    rank: int | None
    disagreement: bool = False
    application: Application | None = None


def ranking_rows(review_round: ReviewRound) -> list[RankedRow]:
    """Scores and ranks of every application in the round, without loading the applications."""
    params = {
        "round": review_round.pk,
        "submitted": ReviewStatus.SUBMITTED,
        "withdrawn": ApplicationStatus.WITHDRAWN,
        "normalise": 1 if review_round.normalise else 0,
        "trim": int(review_round.trim),
    }
    with connection.cursor() as cursor:
        cursor.execute(RANKING_SQL, params)
        fetched = cursor.fetchall()
    limit = review_round.disagreement_threshold * (review_round.scale_max - review_round.scale_min)
    rows = [
        RankedRow(
            application_id=app_id,
            category_id=category_id,
            reviews=n,
            mean=mean,
            score=score,
            spread=spread,
            rank=place if score is not None else None,
            disagreement=spread is not None and n > 1 and spread > limit + 1e-9,
        )
        for app_id, category_id, n, mean, score, spread, place in fetched
    ]
    return rows


def ranking(review_round: ReviewRound) -> list[RankedRow]:
    """The round's ranking per category, each row with its application (one query more)."""
    rows = ranking_rows(review_round)
    applications = (
        Application.objects.select_related("category", "organisation", "applicant", "level")
        .defer("answers")
        .in_bulk([r.application_id for r in rows])
    )
    positions = dict(review_round.call.categories.values_list("id", "position"))
    for row in rows:
        row.application = applications[row.application_id]
    rows.sort(
        key=lambda r: (
            positions.get(r.category_id, -1),
            r.rank if r.rank is not None else 10**9,
            r.application_id,
        )
    )
    return rows


def round_progress(review_round: ReviewRound) -> dict[str, int]:
    """How far the round is: applications, reviews by status, and applications fully reviewed."""
    by_status = dict(
        review_round.reviews.exclude(application__status=ApplicationStatus.WITHDRAWN)
        .values_list("status")
        .annotate(n=Count("id"))
        .order_by()
    )
    entries = review_round.entries.exclude(application__status=ApplicationStatus.WITHDRAWN)
    complete = (
        entries.annotate(
            done=Count(
                "application__reviews",
                filter=Q(
                    application__reviews__round=review_round,
                    application__reviews__status=ReviewStatus.SUBMITTED,
                ),
            )
        )
        .filter(done__gte=review_round.reviews_per_application)
        .count()
    )
    assigned = sum(by_status.values())
    return {
        "applications": entries.count(),
        "assigned": assigned,
        "to_do": by_status.get(ReviewStatus.ASSIGNED, 0),
        "submitted": by_status.get(ReviewStatus.SUBMITTED, 0),
        "conflicted": by_status.get(ReviewStatus.CONFLICTED, 0),
        "complete": complete,
    }


def applications_short_of_reviewers(review_round: ReviewRound, wanted: int) -> int:
    """How many applications of the round have fewer than `wanted` reviewers (conflicts aside)."""
    return (
        review_round.entries.exclude(application__status=ApplicationStatus.WITHDRAWN)
        .annotate(
            reviewers=Count(
                "application__reviews",
                filter=Q(application__reviews__round=review_round)
                & ~Q(application__reviews__status=ReviewStatus.CONFLICTED),
            )
        )
        .filter(reviewers__lt=wanted)
        .count()
    )


def round_detail(call: Call) -> QuerySet[ReviewRound]:
    return call.rounds.prefetch_related(
        "criteria", Prefetch("pool", queryset=RoundReviewer.objects.select_related("reviewer"))
    )


@dataclass(frozen=True)
class AnswerRow:
    question: Any
    value: str
    file: Any = None


def answer_rows(application: Application) -> list[AnswerRow]:
    """Each question with its answer as text (a project by its title), in form order.

    Nothing here names the applicant, so reviewer pages of anonymous calls may show it as is.
    """
    from activator.calls.enums import QuestionKind
    from activator.projects.models import Project

    questions = list(application.call.questions.all())
    files = {f.question_id: f for f in application.files.all()}
    project_ids = [
        application.answers.get(str(q.pk)) for q in questions if q.kind == QuestionKind.PROJECT
    ]
    titles = dict(
        Project.objects.filter(pk__in=[p for p in project_ids if p]).values_list("pk", "title")
    )
    rows = []
    for question in questions:
        value = application.answers.get(str(question.pk))
        if question.kind == QuestionKind.PROJECT:
            text = titles.get(value, "") if value else ""
        else:
            text = "" if value is None else str(value)
        rows.append(AnswerRow(question, text, files.get(question.pk)))
    return rows
