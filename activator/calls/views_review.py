"""Review pages: staff run the rounds of a call; reviewers and jurors score what they are given.

Staff pages need `calls.manage_round` (or `calls.manage_call` for a new round). A reviewer
reaches only the reviews assigned to them and the rounds whose pool they sit in; anything else
answers 404, so its existence is not revealed. On calls with anonymous review nothing a reviewer
can reach names the applicant: applications go by their code and title. Every write goes
through `services_review`.
"""

import copy
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Case, Exists, IntegerField, OuterRef, Q, Value, When
from django.forms import BaseForm
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from activator.accounts.enums import PlatformRole
from activator.calls import exports, selectors, services_review
from activator.calls.enums import ApplicationStatus, ReviewStatus, RoundStatus
from activator.calls.forms_review import (
    AdvanceForm,
    AssignAutoForm,
    AssignForm,
    BidsForm,
    ConflictForm,
    CriterionForm,
    PoolAddForm,
    ReviewForm,
    RoundForm,
    bid_field,
    plain_number,
)
from activator.calls.models import (
    Application,
    Bid,
    Call,
    Criterion,
    Review,
    ReviewRound,
    RoundReviewer,
)
from activator.calls.selectors import RankedRow
from activator.core import spreadsheets
from activator.core.forms import add_service_errors
from activator.core.permissions import authorize

# --- Finding what a person may manage -----------------------------------------------------------


def _call_to_manage(request: HttpRequest, slug: str) -> Call:
    """The call, if the person sees it (else 404) and manages it (else 403)."""
    call = get_object_or_404(selectors.calls_visible_to(request.user), slug=slug)
    authorize(request.user, "calls.manage_call", call)
    return call


def _round_to_manage(request: HttpRequest, slug: str, number: int) -> ReviewRound:
    review_round = get_object_or_404(
        ReviewRound.objects.select_related("call").filter(
            call__in=selectors.calls_visible_to(request.user)
        ),
        call__slug=slug,
        number=number,
    )
    authorize(request.user, "calls.manage_round", review_round)
    return review_round


def _round_url(review_round: ReviewRound, anchor: str = "") -> str:
    url = reverse("calls:round", args=[review_round.call.slug, review_round.number])
    return f"{url}#{anchor}" if anchor else url


def _back(review_round: ReviewRound, anchor: str = "") -> HttpResponse:
    return redirect(_round_url(review_round, anchor))


# --- Numbers as the pages show them -------------------------------------------------------------


def _number(value: float | None, places: int = 2) -> str:
    return "—" if value is None else number_format(round(value, places), places)


def _signed(value: float | None) -> str:
    """A z-score with its sign, so above and below the reviewers' means read at a glance."""
    if value is None:
        return "—"
    rounded = round(value, 2)
    sign = "+" if rounded > 0 else ("-" if rounded < 0 else "")
    return sign + number_format(abs(rounded), 2)


BAR_WIDTH, BAR_HEIGHT, BAR_PAD = 160, 22, 7


def review_totals_bar(
    totals: list[float], low: int, high: int, *, mean: float | None, flagged: bool
) -> SafeString:
    """Each review's weighted score as a dot on the round's scale, the mean as a tick.

    Dots far apart show reviewers who disagree; the numbers are in the label for screen readers.
    """
    span = (high - low) or 1

    def x(value: float) -> float:
        return round(BAR_PAD + (BAR_WIDTH - 2 * BAR_PAD) * (value - low) / span, 1)

    middle = BAR_HEIGHT / 2
    if totals:
        label = _("Review scores %(scores)s on a scale of %(low)s to %(high)s") % {
            "scores": ", ".join(_number(t, 1) for t in totals),
            "low": low,
            "high": high,
        }
    else:
        label = _("No review submitted yet")
    dots = format_html_join(
        "",
        '<circle class="review-dot" cx="{}" cy="{}" r="4.5"></circle>',
        ((x(t), middle) for t in totals),
    )
    tick = (
        format_html(
            '<line class="review-mean" x1="{}" y1="3" x2="{}" y2="{}"></line>',
            x(mean),
            x(mean),
            BAR_HEIGHT - 3,
        )
        if mean is not None and totals
        else ""
    )
    return format_html(
        '<svg class="review-bar{}" viewBox="0 0 {} {}" width="{}" height="{}" role="img" '
        'aria-label="{}" xmlns="http://www.w3.org/2000/svg"><title>{}</title>'
        '<line class="review-scale" x1="{}" y1="{}" x2="{}" y2="{}"></line>{}{}</svg>',
        " review-bar-flagged" if flagged else "",
        BAR_WIDTH,
        BAR_HEIGHT,
        BAR_WIDTH,
        BAR_HEIGHT,
        label,
        label,
        BAR_PAD,
        middle,
        BAR_WIDTH - BAR_PAD,
        middle,
        tick,
        dots,
    )


# --- Staff: creating and changing a round -------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def round_create(request: HttpRequest, slug: str) -> HttpResponse:
    call = _call_to_manage(request, slug)
    form = RoundForm(request.POST or None, instance=ReviewRound(call=call), creating=True)
    if request.method == "POST" and form.is_valid():
        try:
            review_round = services_review.round_save(
                actor=request.user, call=call, **form.service_fields()
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("%(name)s was created. Give it a rubric and reviewers.")
                % {"name": review_round.name},
            )
            return _back(review_round)
    return render(
        request,
        "calls/review/round_form.html",
        {"call": call, "form": form, "review_round": None},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def round_edit(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    review_round = _round_to_manage(request, slug, number)
    # The form works on a copy, so the page keeps the saved name while errors are shown.
    form = RoundForm(request.POST or None, instance=copy.copy(review_round))
    if request.method == "POST" and form.is_valid():
        try:
            services_review.round_save(
                actor=request.user,
                call=review_round.call,
                review_round=review_round,
                **form.service_fields(),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The round's settings were saved."))
            return _back(review_round)
    return render(
        request,
        "calls/review/round_form.html",
        {"call": review_round.call, "form": form, "review_round": review_round},
        status=400 if request.method == "POST" else 200,
    )


# --- Staff: the round page ----------------------------------------------------------------------


@dataclass
class RankingLine:
    """One application in the ranking, with its reviews' totals and the numbers as shown."""

    row: RankedRow
    application: Application
    totals: list[float]
    mean: str
    score: str
    spread: str
    bar: SafeString


@dataclass
class AssignmentLine:
    application: Application
    reviews: list[Review] = field(default_factory=list)

    @property
    def active(self) -> int:
        return sum(1 for r in self.reviews if r.status != ReviewStatus.CONFLICTED)


def _reviewer_suggestions(review_round: ReviewRound) -> list[Any]:
    """People to add to the pool: those with the reviewer role first, then past jurors."""
    people = get_user_model().objects.filter(is_active=True)
    seated = RoundReviewer.objects.filter(reviewer=OuterRef("pk"))
    return list(
        people.filter(Q(platform_role=PlatformRole.REVIEWER) | Q(Exists(seated)))
        .exclude(round_seats__round=review_round)
        .annotate(
            reviewer_first=Case(
                When(platform_role=PlatformRole.REVIEWER, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("reviewer_first", "full_name", "email")
        .only("email", "full_name", "platform_role")[:200]
    )


def _ranking(
    review_round: ReviewRound, reviews: list[Review]
) -> tuple[list[tuple[Any, list[RankingLine]]], list[RankingLine]]:
    """The ranking per category, and the lines whose reviewers disagree, widest spread first."""
    totals: dict[int, list[float]] = defaultdict(list)
    for review in reviews:
        if review.status == ReviewStatus.SUBMITTED and review.total is not None:
            totals[review.application_id].append(review.total)
    groups: dict[int | None, tuple[Any, list[RankingLine]]] = {}
    lines = []
    for row in selectors.ranking(review_round):
        application = row.application
        if application is None:  # `ranking` attaches every application; this keeps types honest
            continue
        own = sorted(totals.get(row.application_id, []))
        line = RankingLine(
            row=row,
            application=application,
            totals=own,
            mean=_number(row.mean),
            score=_signed(row.score) if review_round.normalise else _number(row.score),
            spread=_number(row.spread),
            bar=review_totals_bar(
                own,
                review_round.scale_min,
                review_round.scale_max,
                mean=row.mean,
                flagged=row.disagreement,
            ),
        )
        lines.append(line)
        groups.setdefault(row.category_id, (application.category, []))[1].append(line)
    disagreements = sorted(
        (line for line in lines if line.row.disagreement),
        key=lambda line: (-(line.row.spread or 0), line.application.pk),
    )
    return list(groups.values()), disagreements


def _render_round(
    request: HttpRequest,
    review_round: ReviewRound,
    *,
    bound: dict[str, BaseForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    bound = bound or {}
    call = review_round.call
    criteria = list(review_round.criteria.all())
    seats = list(review_round.pool.select_related("reviewer"))
    workload = {p["reviewer_id"]: p for p in services_review.reviewer_progress(review_round)}
    progress = selectors.round_progress(review_round)
    reviews = list(
        review_round.reviews.select_related("reviewer").order_by(
            "application_id", "reviewer__full_name", "reviewer__email"
        )
    )
    groups, disagreements = _ranking(review_round, reviews)
    by_application: dict[int, list[Review]] = defaultdict(list)
    for review in reviews:
        by_application[review.application_id].append(review)
    assignments = sorted(
        (
            AssignmentLine(line.application, by_application.get(line.application.pk, []))
            for _category, lines in groups
            for line in lines
        ),
        key=lambda a: a.application.pk,
    )
    weights = sum((c.weight for c in criteria), Decimal(0))
    is_open = review_round.status != RoundStatus.CLOSED
    context: dict[str, Any] = {
        "call": call,
        "review_round": review_round,
        "rounds": list(call.rounds.values("number", "name", "status")),
        "criteria": [
            {
                "criterion": c,
                "weight": plain_number(c.weight),
                "share": round(100 * c.weight / weights) if weights else 0,
            }
            for c in criteria
        ],
        "rubric_editable": progress["submitted"] == 0 and is_open,
        "seats": [
            {
                "seat": seat,
                "work": workload.get(
                    seat.reviewer_id, {"assigned": 0, "submitted": 0, "conflicted": 0, "total": 0}
                ),
            }
            for seat in seats
        ],
        "progress": progress,
        "groups": groups,
        "disagreements": disagreements,
        "assignments": assignments,
        "wanted": review_round.reviews_per_application,
        "threshold_points": _number(
            review_round.disagreement_threshold * (review_round.scale_max - review_round.scale_min)
        ),
        "is_open": is_open,
        "has_entries": bool(assignments),
        "next_number": review_round.number + 1,
        "trim_twice": 2 * review_round.trim,
    }
    context["next_exists"] = any(r["number"] == review_round.number + 1 for r in context["rounds"])
    if is_open:
        context.update(
            criterion_form=bound.get("criterion") or CriterionForm(prefix="criterion"),
            pool_form=bound.get("pool") or PoolAddForm(prefix="pool"),
            suggestions=_reviewer_suggestions(review_round),
            assign_form=bound.get("assign")
            or AssignForm(prefix="assign", review_round=review_round),
            auto_form=bound.get("auto")
            or AssignAutoForm(
                prefix="auto", initial={"per_application": review_round.reviews_per_application}
            ),
        )
    return render(request, "calls/review/round.html", context, status=status)


@login_required
@require_GET
def round_detail(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    return _render_round(request, _round_to_manage(request, slug, number))


def _submit(
    request: HttpRequest,
    review_round: ReviewRound,
    *,
    key: str,
    form: BaseForm,
    run: Callable[[dict[str, Any]], str],
    anchor: str,
) -> HttpResponse:
    """Validate one of the round page's forms and call its service; on refusal, the page again
    with the errors next to the fields (and nothing saved)."""
    if form.is_valid():
        try:
            done = run(form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, done)
            return _back(review_round, anchor)
    messages.error(request, _("Nothing was saved: please correct the errors below."))
    return _render_round(request, review_round, bound={key: form}, status=400)


def _act(
    request: HttpRequest, review_round: ReviewRound, run: Callable[[], str], anchor: str = ""
) -> HttpResponse:
    """Call a service that needs no form; its refusal becomes an error message."""
    try:
        done = run()
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, done)
    return _back(review_round, anchor)


@login_required
@require_POST
def round_start(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    review_round = _round_to_manage(request, slug, number)

    def run() -> str:
        services_review.round_start(actor=request.user, review_round=review_round)
        count = review_round.entries.count()
        return ngettext(
            "The round has started with %(count)s application.",
            "The round has started with %(count)s applications.",
            count,
        ) % {"count": count}

    return _act(request, review_round, run)


@login_required
@require_POST
def round_close(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    review_round = _round_to_manage(request, slug, number)

    def run() -> str:
        services_review.round_close(actor=request.user, review_round=review_round)
        return _("The round is closed: reviewers can no longer score.")

    return _act(request, review_round, run)


@login_required
@require_POST
def criterion_add(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    review_round = _round_to_manage(request, slug, number)

    def run(data: dict[str, Any]) -> str:
        position = review_round.criteria.count()
        criterion = Criterion(position=position, **data)
        services_review.criterion_save(
            actor=request.user, review_round=review_round, criterion=criterion
        )
        return _("Criterion added.")

    return _submit(
        request,
        review_round,
        key="criterion",
        form=CriterionForm(request.POST, prefix="criterion"),
        run=run,
        anchor="rubric",
    )


@login_required
@require_POST
def criterion_remove(request: HttpRequest, slug: str, number: int, pk: int) -> HttpResponse:
    review_round = _round_to_manage(request, slug, number)
    criterion = get_object_or_404(Criterion, pk=pk, round=review_round)

    def run() -> str:
        services_review.criterion_remove(actor=request.user, criterion=criterion)
        return _("Criterion removed.")

    return _act(request, review_round, run, "rubric")


@login_required
@require_POST
def pool_add(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    review_round = _round_to_manage(request, slug, number)

    def run(data: dict[str, Any]) -> str:
        person = data["email"]
        services_review.pool_add(
            actor=request.user,
            review_round=review_round,
            reviewer=person,
            country=data["country"] or None,
        )
        return _("%(person)s joined the reviewer pool.") % {"person": person}

    return _submit(
        request,
        review_round,
        key="pool",
        form=PoolAddForm(request.POST, prefix="pool"),
        run=run,
        anchor="pool",
    )


@login_required
@require_POST
def pool_remove(request: HttpRequest, slug: str, number: int, pk: int) -> HttpResponse:
    review_round = _round_to_manage(request, slug, number)
    seat = get_object_or_404(
        RoundReviewer.objects.select_related("reviewer"), pk=pk, round=review_round
    )

    def run() -> str:
        services_review.pool_remove(actor=request.user, seat=seat)
        return _("%(person)s left the reviewer pool.") % {"person": seat.reviewer}

    return _act(request, review_round, run, "pool")


@login_required
@require_POST
def assign(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    review_round = _round_to_manage(request, slug, number)

    def run(data: dict[str, Any]) -> str:
        services_review.assign(
            actor=request.user,
            review_round=review_round,
            application=data["application"],
            reviewer=data["reviewer"],
        )
        return _("%(code)s was given to %(person)s.") % {
            "code": data["application"].code,
            "person": data["reviewer"],
        }

    return _submit(
        request,
        review_round,
        key="assign",
        form=AssignForm(request.POST, prefix="assign", review_round=review_round),
        run=run,
        anchor="assignment",
    )


@login_required
@require_POST
def assign_auto(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    review_round = _round_to_manage(request, slug, number)

    def run(data: dict[str, Any]) -> str:
        created = services_review.assign_automatically(
            actor=request.user,
            review_round=review_round,
            per_application=data["per_application"],
        )
        message = ngettext(
            "%(count)s review was assigned.", "%(count)s reviews were assigned.", created
        ) % {"count": created}
        wanted = data["per_application"] or review_round.reviews_per_application
        short = selectors.applications_short_of_reviewers(review_round, wanted)
        if short:
            message += " " + ngettext(
                "%(count)s application still has fewer than %(n)s reviewers: "
                "add people to the pool.",
                "%(count)s applications still have fewer than %(n)s reviewers: "
                "add people to the pool.",
                short,
            ) % {"count": short, "n": wanted}
        return message

    return _submit(
        request,
        review_round,
        key="auto",
        form=AssignAutoForm(request.POST, prefix="auto"),
        run=run,
        anchor="assignment",
    )


@login_required
@require_POST
def unassign(request: HttpRequest, pk: int) -> HttpResponse:
    review = get_object_or_404(
        Review.objects.select_related("round__call", "application", "reviewer"), pk=pk
    )
    authorize(request.user, "calls.manage_round", review.round)
    review_round = review.round

    def run() -> str:
        services_review.unassign(actor=request.user, review=review)
        return _("%(code)s was taken back from %(person)s.") % {
            "code": review.application.code,
            "person": review.reviewer,
        }

    return _act(request, review_round, run, "assignment")


@login_required
@require_POST
def advance(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    review_round = _round_to_manage(request, slug, number)
    form = AdvanceForm(request.POST, prefix="advance", review_round=review_round)
    if form.is_valid():
        chosen = list(form.cleaned_data["applications"])
        try:
            following = services_review.advance(
                actor=request.user, review_round=review_round, applications=chosen
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                ngettext(
                    "%(count)s finalist advanced to %(name)s.",
                    "%(count)s finalists advanced to %(name)s.",
                    len(chosen),
                )
                % {"count": len(chosen), "name": following.name},
            )
            return _back(following)
    else:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return _back(review_round, "ranking")


# --- Reviewers: their assignments ---------------------------------------------------------------


@dataclass
class RoundGroup:
    review_round: ReviewRound
    reviews: list[Review] = field(default_factory=list)
    may_bid: bool = False

    @property
    def to_do(self) -> int:
        return sum(1 for r in self.reviews if r.status == ReviewStatus.ASSIGNED)


@dataclass
class CallGroup:
    call: Call
    rounds: dict[int, RoundGroup] = field(default_factory=dict)


def _my_groups(user: Any) -> list[CallGroup]:
    """A person's reviews by call and round, with the rounds they may state preferences for."""
    reviews = selectors.reviews_of(user).select_related(
        "application__organisation", "application__applicant"
    )
    calls: dict[int, CallGroup] = {}
    for review in reviews:
        review_round = review.round
        group = calls.setdefault(review_round.call_id, CallGroup(review_round.call))
        group.rounds.setdefault(review_round.pk, RoundGroup(review_round)).reviews.append(review)
    seats = RoundReviewer.objects.filter(
        reviewer=user, round__status__in=[RoundStatus.SETUP, RoundStatus.REVIEWING]
    ).select_related("round", "round__call")
    for seat in seats:
        review_round = seat.round
        group = calls.setdefault(review_round.call_id, CallGroup(review_round.call))
        group.rounds.setdefault(review_round.pk, RoundGroup(review_round)).may_bid = True
    ordered = sorted(calls.values(), key=lambda g: (-g.call.deadline.timestamp(), g.call.pk))
    for group in ordered:
        group.rounds = dict(
            sorted(group.rounds.items(), key=lambda item: item[1].review_round.number)
        )
    return ordered


@login_required
@require_GET
def my_reviews(request: HttpRequest) -> HttpResponse:
    groups = _my_groups(request.user)
    to_do = sum(rg.to_do for g in groups for rg in g.rounds.values())
    return render(
        request,
        "calls/review/my_reviews.html",
        {"groups": groups, "to_do": to_do, "today": timezone.localdate()},
    )


def _export_table(reviews: list[Review]) -> tuple[list[str], list[list[Any]]]:
    """One table for calls of both kinds: rows of anonymous calls leave the applicant empty."""
    parts = [
        (part, anonymous)
        for anonymous in (False, True)
        if (part := [r for r in reviews if r.round.call.anonymous_review == anonymous])
    ]
    if len(parts) < 2:
        return exports.reviewer_rows(reviews, anonymous=not parts or parts[0][1])
    tables = [exports.reviewer_rows(part, anonymous=anonymous) for part, anonymous in parts]
    header: list[str] = []
    for part_header, _rows in tables:
        header += [name for name in part_header if name not in header]
    rows = []
    for part_header, part_rows in tables:
        places = [header.index(name) for name in part_header]
        for part_row in part_rows:
            row: list[Any] = [""] * len(header)
            for place, value in zip(places, part_row, strict=True):
                row[place] = value
            rows.append(row)
    return header, rows


@login_required
@require_GET
def my_reviews_export(request: HttpRequest) -> HttpResponse:
    """The person's own assignments as CSV (never the applicant on anonymous calls)."""
    reviews = list(
        selectors.reviews_of(request.user).select_related(
            "application__organisation", "application__applicant"
        )
    )
    header, rows = _export_table(reviews)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="my-reviews.csv"'
    spreadsheets.write_csv(response, header, rows)
    return response


# --- Reviewers: scoring one application ---------------------------------------------------------


def _review_for(request: HttpRequest, pk: int) -> Review:
    """The review, only for the reviewer it is assigned to; 404 for anyone else."""
    review = (
        Review.objects.select_related(
            "round__call",
            "application__call",
            "application__category",
            "application__organisation",
            "application__applicant",
        )
        .filter(pk=pk)
        .first()
    )
    if review is None or not request.user.has_perm("calls.review", review):
        raise Http404
    return review


def _file_name(application: Application, row: selectors.AnswerRow, *, anonymous: bool) -> str:
    """An uploaded file's name, which may say who sent it: by the application's code when the
    review is anonymous."""
    if row.file is None:
        return ""
    return row.file.shown_name(anonymous=anonymous)


def _why_not_scoring(review: Review) -> str:
    """Why the reviewer may not score now, or an empty string when they may."""
    if review.application.status == ApplicationStatus.WITHDRAWN:
        return _("The applicant withdrew this application; it needs no review.")
    if review.status == ReviewStatus.CONFLICTED:
        return _("You declared a conflict of interest for this application.")
    if review.round.status != RoundStatus.REVIEWING:
        return _("This round is not open for review.")
    return ""


def _render_review(
    request: HttpRequest,
    review: Review,
    *,
    form: ReviewForm | None = None,
    conflict_form: ConflictForm | None = None,
    status: int = 200,
) -> HttpResponse:
    review_round = review.round
    application = review.application
    criteria = list(review_round.criteria.all())
    given = dict(review.scores.values_list("criterion_id", "value"))
    withdrawn = application.status == ApplicationStatus.WITHDRAWN
    may_score = not _why_not_scoring(review)
    if form is None and may_score:
        initial: dict[str, Any] = {f"criterion_{pk}": value for pk, value in given.items()}
        initial["comment"] = review.comment
        form = ReviewForm(review_round=review_round, criteria=criteria, initial=initial)
    may_step_aside = (
        review_round.status != RoundStatus.CLOSED
        and review.status != ReviewStatus.CONFLICTED
        and not withdrawn
    )
    following = (
        selectors.reviews_of(request.user)
        .filter(round=review_round, status=ReviewStatus.ASSIGNED)
        .exclude(pk=review.pk)
        .values_list("pk", flat=True)
        .first()
    )
    context = {
        "review": review,
        "review_round": review_round,
        "call": review_round.call,
        "application": application,
        "anonymous": review_round.call.anonymous_review,
        "answers": [
            (row, _file_name(application, row, anonymous=review_round.call.anonymous_review))
            for row in selectors.answer_rows(application)
        ],
        "scores": [(c, given.get(c.pk)) for c in criteria],
        "form": form if may_score else None,
        "conflict_form": (conflict_form or ConflictForm()) if may_step_aside else None,
        "withdrawn": withdrawn,
        "next_review": following,
    }
    return render(request, "calls/review/review.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def review(request: HttpRequest, pk: int) -> HttpResponse:
    review = _review_for(request, pk)
    if request.method == "GET":
        return _render_review(request, review)
    refusal = _why_not_scoring(review)
    if refusal:
        messages.error(request, refusal)
        return redirect("calls:review", pk=review.pk)
    form = ReviewForm(
        request.POST, review_round=review.round, criteria=list(review.round.criteria.all())
    )
    if form.is_valid():
        try:
            services_review.review_submit(
                actor=request.user,
                review=review,
                scores=form.scores(),
                comment=form.cleaned_data["comment"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("Your review of %(code)s was saved. You can change it while the round is open.")
                % {"code": review.application.code},
            )
            return redirect("calls:review", pk=review.pk)
    messages.error(request, _("Nothing was saved: please correct the errors below."))
    return _render_review(request, review, form=form, status=400)


@login_required
@require_POST
def review_conflict(request: HttpRequest, pk: int) -> HttpResponse:
    review = _review_for(request, pk)
    form = ConflictForm(request.POST)
    if form.is_valid():
        try:
            services_review.review_declare_conflict(
                actor=request.user, review=review, reason=form.cleaned_data["conflict_reason"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("You stepped aside from %(code)s. Thank you for saying so.")
                % {"code": review.application.code},
            )
            return redirect("calls:my_reviews")
    messages.error(request, _("Nothing was saved: please correct the errors below."))
    return _render_review(request, review, conflict_form=form, status=400)


# --- Reviewers: preferences before assignment ---------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def bids(request: HttpRequest, pk: int) -> HttpResponse:
    review_round = ReviewRound.objects.select_related("call").filter(pk=pk).first()
    if review_round is None or not request.user.has_perm("calls.bid", review_round):
        raise Http404
    applications = list(
        Application.objects.filter(round_entries__round=review_round)
        .exclude(status=ApplicationStatus.WITHDRAWN)
        .select_related("category", "organisation", "applicant")
        .order_by("category__position", "id")
    )
    current = dict(
        Bid.objects.filter(round=review_round, reviewer=request.user).values_list(
            "application_id", "preference"
        )
    )
    is_open = review_round.status != RoundStatus.CLOSED
    initial = {bid_field(app_id): value for app_id, value in current.items()}
    form = BidsForm(
        request.POST if request.method == "POST" and is_open else None,
        applications=applications,
        initial=initial,
    )
    if not is_open:
        for bid in form.fields.values():
            bid.disabled = True
    if request.method == "POST":
        if not is_open:
            messages.error(request, _("This round is closed."))
            return redirect("calls:bids", pk=review_round.pk)
        if form.is_valid():
            try:
                changed = _save_bids(request.user, review_round, applications, current, form)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(
                    request,
                    ngettext("%(count)s preference saved.", "%(count)s preferences saved.", changed)
                    % {"count": changed},
                )
                return redirect("calls:bids", pk=review_round.pk)
    return render(
        request,
        "calls/review/bids.html",
        {
            "review_round": review_round,
            "call": review_round.call,
            "anonymous": review_round.call.anonymous_review,
            "form": form,
            "rows": [(a, form[bid_field(a.pk)]) for a in applications],
            "is_open": is_open,
        },
        status=400 if request.method == "POST" else 200,
    )


@transaction.atomic
def _save_bids(
    user: Any,
    review_round: ReviewRound,
    applications: list[Application],
    current: dict[int, int],
    form: BidsForm,
) -> int:
    """Save the preferences that changed, all or none."""
    changed = 0
    for application in applications:
        preference = form.cleaned_data[bid_field(application.pk)]
        if preference != current.get(application.pk):
            services_review.bid_save(
                actor=user,
                review_round=review_round,
                application=application,
                preference=preference,
            )
            changed += 1
    return changed
