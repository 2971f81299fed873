"""Applicants, applications and scored rounds, built the way the calls tests need them."""

import datetime
from collections.abc import Iterable

from django.utils import timezone

from activator.accounts.enums import AffiliationRole, PlatformRole
from activator.calls import services
from activator.calls.enums import ApplicationStatus, ReviewStatus
from activator.calls.models import Application, Review
from tests.calls.conftest import answer_all
from tests.factories import AffiliationFactory, MembershipFactory, UserFactory


def member(name: str, *, region, country: str = "KR", type: str = "local_government", **fields):
    """A member organisation and its representative: (organisation, representative)."""
    organisation = MembershipFactory(
        organisation__name=name,
        organisation__country=country,
        organisation__region=region,
        organisation__type=type,
        **fields,
    ).organisation
    person = AffiliationFactory(
        organisation=organisation, role=AffiliationRole.REPRESENTATIVE, user__password=None
    )
    return organisation, person.user


def jurors(count: int) -> list:
    # No password: hashing one is slow and these people never log in.
    return [UserFactory(platform_role=PlatformRole.REVIEWER, password=None) for _ in range(count)]


def draft(call, actor, organisation, *, category=None, title="Smart bus stops", now=None):
    """A draft with every required question answered, started and saved at `now`."""
    application = services.application_start(
        actor=actor,
        call=call,
        organisation=organisation,
        title=title,
        category=category,
        now=now,
    )
    return services.application_save(
        actor=actor, application=application, answers=answer_all(call), now=now
    )


def submitted(call, actor, organisation, *, category=None, title="Smart bus stops", now=None):
    application = draft(call, actor, organisation, category=category, title=title, now=now)
    return services.application_submit(actor=actor, application=application, now=now)


def bare_applications(call, categories, applicant) -> list[Application]:
    """Submitted applications written straight to the table, one per entry of `categories`.

    For tests of the arithmetic only: who applied does not change a score.
    """
    moment = timezone.now() - datetime.timedelta(days=1)
    return [
        Application.objects.create(
            call=call,
            category=category,
            applicant=applicant,
            title=f"Application {i}",
            status=ApplicationStatus.SUBMITTED,
            submitted_at=moment,
        )
        for i, category in enumerate(categories)
    ]


def scored(review_round, rows: Iterable[tuple]) -> list[Review]:
    """Submitted reviews with the given totals: rows of (application, reviewer, total)."""
    now = timezone.now()
    return Review.objects.bulk_create(
        Review(
            round=review_round,
            application=application,
            reviewer=reviewer,
            status=ReviewStatus.SUBMITTED,
            total=total,
            submitted_at=now,
        )
        for application, reviewer, total in rows
    )


def by_application(rows) -> dict:
    return {row.application_id: row for row in rows}
