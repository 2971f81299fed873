"""Writes for review rounds: rubric, reviewer pool, bids, assignment, scores, conflicts, shortlist.

A review counts only when submitted; a reviewer who declares a conflict of interest takes the
review out of every score. Assignment never gives a reviewer an application from their own
organisation (nor, when the call says so, their own country), by hand or automatically.
"""

import random
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from activator.calls.enums import ApplicationStatus, BidPreference, ReviewStatus, RoundStatus
from activator.calls.models import (
    Application,
    Bid,
    Call,
    Criterion,
    Review,
    ReviewRound,
    RoundEntry,
    RoundReviewer,
    Score,
)
from activator.core.audit import audit_record

ROUND_FIELDS = [
    "name",
    "scale_min",
    "scale_max",
    "reviews_per_application",
    "normalise",
    "trim",
    "disagreement_threshold",
    "ends_on",
]


@transaction.atomic
def round_save(
    *, actor: Any, call: Call, review_round: ReviewRound | None = None, **fields: Any
) -> ReviewRound:
    """Create the next round of `call`, or change one that is still being set up."""
    unknown = set(fields) - set(ROUND_FIELDS)
    if unknown:
        raise TypeError(f"Unknown round fields: {sorted(unknown)}")
    creating = review_round is None
    if creating:
        number = (call.rounds.order_by("-number").values_list("number", flat=True).first() or 0) + 1
        review_round = ReviewRound(call=call, number=number)
        fields.setdefault("name", _("Evaluation round %(number)s") % {"number": number})
    elif review_round.status != RoundStatus.SETUP and (
        {"scale_min", "scale_max", "normalise", "trim"} & set(fields)
    ):
        # Scores already given would mean something else under another scale.
        changed = [
            f for f in ("scale_min", "scale_max") if fields.get(f) != getattr(review_round, f)
        ]
        if changed and review_round.reviews.filter(status=ReviewStatus.SUBMITTED).exists():
            raise ValidationError(_("The scale cannot change once reviews are submitted."))
    for name, value in fields.items():
        setattr(review_round, name, value)
    review_round.full_clean()
    review_round.save()
    audit_record(
        actor=actor,
        action="round.created" if creating else "round.changed",
        target=review_round,
        note=review_round.name,
    )
    return review_round


@transaction.atomic
def criterion_save(*, actor: Any, review_round: ReviewRound, criterion: Criterion) -> Criterion:
    if review_round.reviews.filter(status=ReviewStatus.SUBMITTED).exists():
        raise ValidationError(_("The rubric cannot change once reviews are submitted."))
    creating = criterion.pk is None
    criterion.round = review_round
    criterion.full_clean()
    criterion.save()
    audit_record(
        actor=actor,
        action="round.criterion_added" if creating else "round.criterion_changed",
        target=review_round,
        note=f"{criterion.name} ({criterion.weight})",
    )
    return criterion


@transaction.atomic
def criterion_remove(*, actor: Any, criterion: Criterion) -> None:
    review_round = criterion.round
    if review_round.reviews.filter(status=ReviewStatus.SUBMITTED).exists():
        raise ValidationError(_("The rubric cannot change once reviews are submitted."))
    name = criterion.name
    criterion.delete()
    audit_record(actor=actor, action="round.criterion_removed", target=review_round, note=name)


def reviewer_countries(user: Any) -> set[str]:
    """The countries of the organisations a reviewer belongs to."""
    return {
        code for code in user.affiliations.values_list("organisation__country", flat=True) if code
    }


@transaction.atomic
def pool_add(
    *, actor: Any, review_round: ReviewRound, reviewer: Any, country: str | None = None
) -> RoundReviewer:
    if not reviewer.is_active:
        raise ValidationError(_("This person's account is not active."))
    if review_round.pool.filter(reviewer=reviewer).exists():
        raise ValidationError(_("%(person)s is already in the pool.") % {"person": reviewer})
    if country is None:
        countries = sorted(reviewer_countries(reviewer))
        country = countries[0] if len(countries) == 1 else ""
    seat = RoundReviewer(round=review_round, reviewer=reviewer, country=country or "")
    seat.full_clean(exclude=["round", "reviewer"])
    seat.save()
    audit_record(
        actor=actor, action="round.reviewer_added", target=review_round, note=str(reviewer)
    )
    return seat


@transaction.atomic
def pool_remove(*, actor: Any, seat: RoundReviewer) -> None:
    review_round = seat.round
    if review_round.reviews.filter(reviewer=seat.reviewer, status=ReviewStatus.SUBMITTED).exists():
        raise ValidationError(_("This reviewer has submitted reviews in this round."))
    review_round.reviews.filter(reviewer=seat.reviewer).delete()
    name = str(seat.reviewer)
    seat.delete()
    audit_record(actor=actor, action="round.reviewer_removed", target=review_round, note=name)


@transaction.atomic
def round_start(*, actor: Any, review_round: ReviewRound) -> ReviewRound:
    """Open the round to reviewers. The first round takes every submitted application."""
    if review_round.status != RoundStatus.SETUP:
        raise ValidationError(_("This round has already started."))
    if not review_round.criteria.exists():
        raise ValidationError(_("Give the round a rubric (at least one criterion) first."))
    if review_round.number == 1 or not review_round.entries.exists():
        submitted = review_round.call.applications.filter(status=ApplicationStatus.SUBMITTED)
        if review_round.number > 1:
            raise ValidationError(_("Advance a shortlist from the previous round first."))
        RoundEntry.objects.bulk_create(
            [RoundEntry(round=review_round, application=a) for a in submitted],
            ignore_conflicts=True,
        )
    review_round.status = RoundStatus.REVIEWING
    review_round.save(update_fields=["status"])
    audit_record(
        actor=actor,
        action="round.started",
        target=review_round,
        changes={"status": [RoundStatus.SETUP, RoundStatus.REVIEWING]},
        note=_("%(count)s applications") % {"count": review_round.entries.count()},
    )
    return review_round


@transaction.atomic
def round_close(*, actor: Any, review_round: ReviewRound) -> ReviewRound:
    """No more scores; unfinished assignments stay visible as not done."""
    before = review_round.status
    review_round.status = RoundStatus.CLOSED
    review_round.save(update_fields=["status"])
    audit_record(
        actor=actor,
        action="round.closed",
        target=review_round,
        changes={"status": [before, RoundStatus.CLOSED]},
    )
    return review_round


# --- Conflicts and assignment -----------------------------------------------------------------


class ConflictMap:
    """Which reviewer may not review which application, and why; built once per round."""

    def __init__(self, review_round: ReviewRound) -> None:
        call = review_round.call
        self.same_country = call.exclude_same_country
        seats = list(review_round.pool.select_related("reviewer"))
        self.reviewer_ids = [s.reviewer_id for s in seats]
        self.organisations: dict[int, set[int]] = defaultdict(set)
        self.countries: dict[int, set[str]] = defaultdict(set)
        from activator.accounts.models import Affiliation

        for user_id, organisation_id, country in Affiliation.objects.filter(
            user_id__in=self.reviewer_ids
        ).values_list("user_id", "organisation_id", "organisation__country"):
            self.organisations[user_id].add(organisation_id)
            if country:
                self.countries[user_id].add(country)
        for seat in seats:
            if seat.country:
                self.countries[seat.reviewer_id].add(seat.country)
        self.declared: set[tuple[int, int]] = set(
            Bid.objects.filter(round__call=call, preference=BidPreference.CONFLICT).values_list(
                "reviewer_id", "application_id"
            )
        ) | set(
            Review.objects.filter(round__call=call, status=ReviewStatus.CONFLICTED).values_list(
                "reviewer_id", "application_id"
            )
        )

    def reason(self, reviewer_id: int, application: Application) -> str:
        """Why the reviewer may not review it, or an empty string when they may."""
        if application.applicant_id == reviewer_id:
            return _("is the applicant")
        if application.organisation_id in self.organisations.get(reviewer_id, ()):
            return _("belongs to the applicant organisation")
        if (reviewer_id, application.pk) in self.declared:
            return _("declared a conflict of interest")
        if (
            self.same_country
            and application.country
            and application.country in self.countries.get(reviewer_id, ())
        ):
            return _("is from the applicant's country")
        return ""


def _refuse_unless_reviewing(review_round: ReviewRound) -> None:
    if review_round.status != RoundStatus.REVIEWING:
        raise ValidationError(_("This round is not open for review."))


@transaction.atomic
def assign(
    *, actor: Any, review_round: ReviewRound, application: Application, reviewer: Any
) -> Review:
    """Assign by hand; the same conflict rules as automatic assignment apply."""
    if review_round.status == RoundStatus.CLOSED:
        raise ValidationError(_("This round is closed."))
    if not review_round.entries.filter(application=application).exists():
        raise ValidationError(_("This application is not in this round."))
    if not review_round.pool.filter(reviewer=reviewer).exists():
        raise ValidationError(
            _("Add %(person)s to the reviewer pool first.") % {"person": reviewer}
        )
    reason = ConflictMap(review_round).reason(reviewer.pk, application)
    if reason:
        raise ValidationError(
            _("%(person)s cannot review %(code)s: %(reason)s.")
            % {"person": reviewer, "code": application.code, "reason": reason}
        )
    if review_round.reviews.filter(application=application, reviewer=reviewer).exists():
        raise ValidationError(_("This reviewer already has this application."))
    review = Review.objects.create(round=review_round, application=application, reviewer=reviewer)
    audit_record(
        actor=actor,
        action="review.assigned",
        target=review,
        note=f"{application.code} → {reviewer}",
    )
    return review


@transaction.atomic
def unassign(*, actor: Any, review: Review) -> None:
    if review.status == ReviewStatus.SUBMITTED:
        raise ValidationError(_("A submitted review cannot be taken back."))
    if review.status == ReviewStatus.CONFLICTED:
        # The record is what keeps the application away from this reviewer.
        raise ValidationError(_("A declared conflict of interest stays on record."))
    audit_record(
        actor=actor,
        action="review.unassigned",
        target=review,
        note=f"{review.application.code} → {review.reviewer}",
    )
    review.delete()


@transaction.atomic
def assign_automatically(
    *, actor: Any, review_round: ReviewRound, per_application: int | None = None, seed: int = 0
) -> int:
    """Give every application N reviewers, balancing the load and honouring bids and conflicts.

    Applications with the fewest possible reviewers go first; each takes the free reviewers who
    bid highest, then those with the least work so far. Returns the number of reviews created.
    """
    if review_round.status == RoundStatus.CLOSED:
        raise ValidationError(_("This round is closed."))
    wanted = per_application or review_round.reviews_per_application
    conflicts = ConflictMap(review_round)
    reviewers = conflicts.reviewer_ids
    if not reviewers:
        raise ValidationError(_("The reviewer pool is empty."))
    applications = list(
        Application.objects.filter(
            round_entries__round=review_round, status=ApplicationStatus.SUBMITTED
        )
    )
    existing: dict[int, set[int]] = defaultdict(set)
    load: Counter[int] = Counter()
    for application_id, reviewer_id in review_round.reviews.exclude(
        status=ReviewStatus.CONFLICTED
    ).values_list("application_id", "reviewer_id"):
        existing[application_id].add(reviewer_id)
        load[reviewer_id] += 1
    bids = {
        (r, a): p
        for r, a, p in review_round.bids.values_list("reviewer_id", "application_id", "preference")
    }
    declined = set(
        review_round.reviews.filter(status=ReviewStatus.CONFLICTED).values_list(
            "application_id", "reviewer_id"
        )
    )
    shuffle = random.Random(seed)  # noqa: S311 - a fair tie-break, not a secret
    candidates: dict[int, list[int]] = {}
    for application in applications:
        candidates[application.pk] = [
            r
            for r in reviewers
            if r not in existing[application.pk]
            and (application.pk, r) not in declined
            and bids.get((r, application.pk), 0) != BidPreference.CONFLICT
            and not conflicts.reason(r, application)
        ]
    order = sorted(applications, key=lambda a: (len(candidates[a.pk]), a.pk))
    created: list[Review] = []
    for application in order:
        missing = wanted - len(existing[application.pk])
        if missing <= 0:
            continue
        pool = candidates[application.pk]
        shuffle.shuffle(pool)
        pool.sort(key=lambda r: (-bids.get((r, application.pk), 0), load[r]))
        for reviewer_id in pool[:missing]:
            created.append(
                Review(round=review_round, application=application, reviewer_id=reviewer_id)
            )
            existing[application.pk].add(reviewer_id)
            load[reviewer_id] += 1
    Review.objects.bulk_create(created)
    short = sum(1 for a in applications if len(existing[a.pk]) < wanted)
    audit_record(
        actor=actor,
        action="round.assigned_automatically",
        target=review_round,
        note=_("%(created)s reviews assigned; %(short)s applications have fewer than %(n)s")
        % {"created": len(created), "short": short, "n": wanted},
    )
    return len(created)


@transaction.atomic
def bid_save(
    *, actor: Any, review_round: ReviewRound, application: Application, preference: int | None
) -> Bid | None:
    """A reviewer's wish for one application; None clears it."""
    if not review_round.pool.filter(reviewer=actor).exists():
        raise ValidationError(_("You are not in this round's reviewer pool."))
    if review_round.status == RoundStatus.CLOSED:
        raise ValidationError(_("This round is closed."))
    if not review_round.entries.filter(application=application).exists():
        raise ValidationError(_("This application is not in this round."))
    if preference is None:
        Bid.objects.filter(round=review_round, reviewer=actor, application=application).delete()
        return None
    preference = BidPreference(int(preference))
    bid, _created = Bid.objects.update_or_create(
        round=review_round,
        reviewer=actor,
        application=application,
        defaults={"preference": preference},
    )
    if preference == BidPreference.CONFLICT:
        review_round.reviews.filter(
            reviewer=actor, application=application, status=ReviewStatus.ASSIGNED
        ).update(status=ReviewStatus.CONFLICTED, conflict_reason=_("Declared when bidding"))
        audit_record(
            actor=actor,
            action="review.conflict_declared",
            target=review_round,
            note=application.code,
        )
    return bid


# --- Scoring ----------------------------------------------------------------------------------


def weighted_total(criteria: Iterable[Criterion], values: Mapping[int, int]) -> float:
    """The weighted mean of one review's scores: sum(weight × score) / sum(weight)."""
    weights = Decimal(0)
    total = Decimal(0)
    for criterion in criteria:
        weights += criterion.weight
        total += criterion.weight * values[criterion.pk]
    return float(total / weights)


@transaction.atomic
def review_submit(
    *, actor: Any, review: Review, scores: Mapping[int, Any], comment: str = ""
) -> Review:
    """Score every criterion of the rubric; submitting again while the round is open revises it."""
    review = Review.objects.select_for_update().select_related("round").get(pk=review.pk)
    review_round = review.round
    _refuse_unless_reviewing(review_round)
    if review.status == ReviewStatus.CONFLICTED:
        raise ValidationError(_("You declared a conflict of interest for this application."))
    criteria = list(review_round.criteria.all())
    values: dict[int, int] = {}
    errors: dict[str, list[str]] = {}
    given = {int(k): v for k, v in scores.items()}
    unknown = set(given) - {c.pk for c in criteria}
    if unknown:
        errors["scores"] = [
            _("Scores for criteria not in this rubric: %(ids)s") % {"ids": sorted(unknown)}
        ]
    for criterion in criteria:
        raw = given.get(criterion.pk)
        try:
            value = int(raw)
        except (TypeError, ValueError):
            errors[f"criterion_{criterion.pk}"] = [_("Score %(name)s.") % {"name": criterion.name}]
            continue
        if not review_round.scale_min <= value <= review_round.scale_max:
            errors[f"criterion_{criterion.pk}"] = [
                _("Scores run from %(low)s to %(high)s.")
                % {"low": review_round.scale_min, "high": review_round.scale_max}
            ]
            continue
        values[criterion.pk] = value
    if errors:
        raise ValidationError(errors)
    if not criteria:
        raise ValidationError(_("This round has no rubric yet."))
    before = review.total
    Score.objects.filter(review=review).delete()
    Score.objects.bulk_create(
        Score(review=review, criterion_id=pk, value=value) for pk, value in values.items()
    )
    review.total = weighted_total(criteria, values)
    review.comment = comment.strip()
    review.status = ReviewStatus.SUBMITTED
    review.submitted_at = timezone.now()
    review.save()
    audit_record(
        actor=actor,
        action="review.submitted",
        target=review,
        changes={"total": [before, review.total]} if before != review.total else {},
    )
    return review


@transaction.atomic
def review_declare_conflict(*, actor: Any, review: Review, reason: str) -> Review:
    """The reviewer steps aside; the review leaves every score and the application needs another."""
    review = Review.objects.select_for_update().select_related("round").get(pk=review.pk)
    if review.round.status == RoundStatus.CLOSED:
        raise ValidationError(_("This round is closed."))
    if not reason.strip():
        raise ValidationError({"conflict_reason": _("Say briefly what the conflict is.")})
    before = review.status
    review.scores.all().delete()
    review.status = ReviewStatus.CONFLICTED
    review.conflict_reason = reason.strip()[:500]
    review.total = None
    review.save()
    audit_record(
        actor=actor,
        action="review.conflict_declared",
        target=review,
        changes={"status": [before, ReviewStatus.CONFLICTED]},
        note=review.conflict_reason,
    )
    return review


# --- Shortlist --------------------------------------------------------------------------------


@transaction.atomic
def advance(
    *, actor: Any, review_round: ReviewRound, applications: Iterable[Application]
) -> ReviewRound:
    """Take a shortlist (the finalists) into the next round, creating it with the same rubric."""
    chosen = list(applications)
    if not chosen:
        raise ValidationError(_("Choose the applications to advance."))
    in_round = set(review_round.entries.values_list("application_id", flat=True))
    outside = [a.code for a in chosen if a.pk not in in_round]
    if outside:
        raise ValidationError(_("Not in this round: %(codes)s.") % {"codes": ", ".join(outside)})
    call = review_round.call
    following = call.rounds.filter(number=review_round.number + 1).first()
    if following is None:
        following = round_save(
            actor=actor,
            call=call,
            **{
                name: getattr(review_round, name)
                for name in ROUND_FIELDS
                if name not in ("name", "ends_on")
            },
        )
        Criterion.objects.bulk_create(
            Criterion(
                round=following,
                name=c.name,
                description=c.description,
                weight=c.weight,
                position=c.position,
            )
            for c in review_round.criteria.all()
        )
        RoundReviewer.objects.bulk_create(
            RoundReviewer(round=following, reviewer_id=s.reviewer_id, country=s.country)
            for s in review_round.pool.all()
        )
    RoundEntry.objects.bulk_create(
        [RoundEntry(round=following, application=a) for a in chosen], ignore_conflicts=True
    )
    for application in chosen:
        audit_record(
            actor=actor,
            action="application.advanced",
            target=application,
            note=following.name,
        )
    return following


def reviewer_progress(review_round: ReviewRound) -> list[dict[str, Any]]:
    """Per reviewer: assigned, submitted and conflicted counts, for staff's progress view."""
    rows = (
        review_round.reviews.values(
            "reviewer_id", "reviewer__email", "reviewer__full_name", "status"
        )
        .annotate(n=Count("id"))
        .order_by()
    )
    people: dict[int, dict[str, Any]] = {}
    for row in rows:
        person = people.setdefault(
            row["reviewer_id"],
            {
                "reviewer_id": row["reviewer_id"],
                "name": row["reviewer__full_name"] or row["reviewer__email"],
                "assigned": 0,
                "submitted": 0,
                "conflicted": 0,
            },
        )
        person[row["status"] if row["status"] != "assigned" else "assigned"] += row["n"]
    for person in people.values():
        person["total"] = person["assigned"] + person["submitted"] + person["conflicted"]
    return sorted(people.values(), key=lambda p: p["name"].lower())
