"""Synthetic review data for the ranking benchmark: one call, one round, many scored reviews.

Call `generate_call_reviews()` with Django set up against a throwaway, migrated database. It
builds, through the services as staff would, an open award with `categories` categories and a
first review round (normalised, trimmed, a two-criterion rubric with weights 2 and 1), then
writes with `bulk_create`:

- `reviewers` reviewers (in the round's pool) and one applicant person per application;
- `applications` submitted applications spread over the categories;
- the round's entries (through `services_review.round_start`, as staff start a round);
- `per_application` submitted reviews of each application by distinct reviewers, with totals.

Each reviewer is harsh or lenient by a fixed amount and each application has a quality, so the
raw totals carry the reviewer's bias that normalisation is there to remove. A total is the
weighted mean of two whole scores on the 1-10 scale, as `services_review.weighted_total` makes
it; the per-criterion `Score` rows are not written, as the ranking reads only the totals.

Everything is drawn from one `random.Random(seed)`, so a run is repeatable.
"""

import datetime
import random
from collections.abc import Callable
from typing import Any

BATCH = 5_000
SCALE = (1, 10)
WEIGHTS = (2, 1)


def _clamp(value: float) -> int:
    return max(SCALE[0], min(SCALE[1], round(value)))


def generate_call_reviews(
    *,
    applications: int = 10_000,
    per_application: int = 5,
    reviewers: int = 200,
    categories: int = 6,
    normalise: bool = True,
    trim: int = 1,
    seed: int = 20200529,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """Build the call and its round; return their ids and the row counts."""
    from django.contrib.auth.hashers import make_password
    from django.db import transaction
    from django.utils import timezone

    from activator.accounts.enums import PlatformRole
    from activator.accounts.models import User
    from activator.calls import services, services_review
    from activator.calls.enums import ApplicationStatus, CallKind, ReviewStatus
    from activator.calls.models import (
        Application,
        Criterion,
        Review,
        RoundEntry,
        RoundReviewer,
    )

    if per_application > reviewers:
        raise ValueError("Each application needs that many distinct reviewers.")
    rng = random.Random(seed)
    now = timezone.now()
    password = make_password(None)  # nobody logs in as these people

    with transaction.atomic():
        call = services.call_create(
            actor=None,
            kind=CallKind.AWARD,
            title="Benchmark Smart City Awards",
            year=now.year,
            organiser="Secretariat",
            time_zone="Asia/Seoul",
            opens_at=now - datetime.timedelta(days=60),
            deadline=now - datetime.timedelta(days=1),
            applicant_types=["individual"],
            members_only=False,
            categories=[f"Category {i + 1}" for i in range(categories)],
        )
        services.call_open(actor=None, call=call)
        review_round = services_review.round_save(
            actor=None,
            call=call,
            scale_min=SCALE[0],
            scale_max=SCALE[1],
            reviews_per_application=per_application,
            normalise=normalise,
            trim=trim,
        )
        for position, (name, weight) in enumerate(
            zip(("Impact", "Innovation"), WEIGHTS, strict=True)
        ):
            services_review.criterion_save(
                actor=None,
                review_round=review_round,
                criterion=Criterion(name=name, weight=weight, position=position),
            )

        people = User.objects.bulk_create(
            [
                User(
                    email=f"bench-reviewer-{i}@example.org",
                    full_name=f"Reviewer {i}",
                    platform_role=PlatformRole.REVIEWER,
                    password=password,
                )
                for i in range(reviewers)
            ],
            batch_size=BATCH,
        )
        RoundReviewer.objects.bulk_create(
            [RoundReviewer(round=review_round, reviewer=p) for p in people], batch_size=BATCH
        )
        applicants = User.objects.bulk_create(
            [
                User(
                    email=f"bench-applicant-{i}@example.org",
                    full_name=f"Applicant {i}",
                    platform_role=PlatformRole.CITIZEN,
                    password=password,
                )
                for i in range(applications)
            ],
            batch_size=BATCH,
        )
        category_ids = list(call.categories.values_list("id", flat=True))
        submitted = Application.objects.bulk_create(
            [
                Application(
                    call=call,
                    category_id=rng.choice(category_ids),
                    applicant=person,
                    title=f"Smart city project {i}",
                    status=ApplicationStatus.SUBMITTED,
                    submitted_at=now - datetime.timedelta(days=2, minutes=i),
                )
                for i, person in enumerate(applicants)
            ],
            batch_size=BATCH,
        )
        services_review.round_start(actor=None, review_round=review_round)

        bias = {p.pk: rng.gauss(0, 0.7) for p in people}  # harsh below 0, lenient above
        reviewer_ids = [p.pk for p in people]
        total_reviews = applications * per_application
        batch: list[Review] = []
        written = 0
        for application in submitted:
            quality = rng.uniform(3, 8)
            for reviewer_id in rng.sample(reviewer_ids, per_application):
                level = quality + bias[reviewer_id]
                impact = _clamp(rng.gauss(level, 0.6))
                innovation = _clamp(rng.gauss(level, 0.9))
                total = (WEIGHTS[0] * impact + WEIGHTS[1] * innovation) / sum(WEIGHTS)
                batch.append(
                    Review(
                        round=review_round,
                        application=application,
                        reviewer_id=reviewer_id,
                        status=ReviewStatus.SUBMITTED,
                        total=total,
                        submitted_at=now,
                    )
                )
            if len(batch) >= BATCH:
                Review.objects.bulk_create(batch)
                written += len(batch)
                batch = []
                if progress:
                    progress(written, total_reviews)
        if batch:
            Review.objects.bulk_create(batch)
            written += len(batch)
            if progress:
                progress(written, total_reviews)

    return {
        "call": call.pk,
        "round": review_round.pk,
        "applications": len(submitted),
        "entries": RoundEntry.objects.filter(round=review_round).count(),
        "reviewers": len(people),
        "reviews": written,
        "categories": len(category_ids),
    }
