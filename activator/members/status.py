"""The membership status rule, in one place: in Python for one record, in SQL for a list.

A membership is paid through a date. After that date it is in its grace period for
MEMBERSHIP_GRACE_DAYS days, then expired. A withdrawal cancels it from its date. A membership
that joined less than MEMBERSHIP_NEW_DAYS ago and is paid is new. Both forms are tested to agree.
"""

import datetime

from django.conf import settings
from django.db.models import Case, CharField, Q, Value, When

from activator.members.enums import MembershipStatus


def _limits(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    grace_start = today - datetime.timedelta(days=settings.MEMBERSHIP_GRACE_DAYS)
    new_since = today - datetime.timedelta(days=settings.MEMBERSHIP_NEW_DAYS)
    return grace_start, new_since


def membership_status(
    *,
    joined_on: datetime.date | None,
    paid_through: datetime.date,
    cancelled_on: datetime.date | None,
    today: datetime.date,
) -> MembershipStatus:
    grace_start, new_since = _limits(today)
    if cancelled_on is not None and cancelled_on <= today:
        return MembershipStatus.CANCELLED
    if paid_through < grace_start:
        return MembershipStatus.EXPIRED
    if paid_through < today:
        return MembershipStatus.GRACE
    if joined_on is not None and joined_on > new_since:
        return MembershipStatus.NEW
    return MembershipStatus.CURRENT


def status_expression(today: datetime.date, prefix: str = "membership__") -> Case:
    """The same rule as `membership_status`, as a database expression (NULL without membership)."""
    grace_start, new_since = _limits(today)

    def f(name: str) -> str:
        return prefix + name

    return Case(
        When(Q(**{f("paid_through__isnull"): True}), then=Value(None)),
        When(Q(**{f("cancelled_on__lte"): today}), then=Value(MembershipStatus.CANCELLED.value)),
        When(Q(**{f("paid_through__lt"): grace_start}), then=Value(MembershipStatus.EXPIRED.value)),
        When(Q(**{f("paid_through__lt"): today}), then=Value(MembershipStatus.GRACE.value)),
        When(Q(**{f("joined_on__gt"): new_since}), then=Value(MembershipStatus.NEW.value)),
        default=Value(MembershipStatus.CURRENT.value),
        output_field=CharField(),
    )
