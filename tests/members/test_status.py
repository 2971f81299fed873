"""The membership status rule at its boundaries, and the SQL form agreeing with the Python one."""

import datetime

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from activator.members.enums import MembershipStatus as S
from activator.members.models import Organisation
from activator.members.selectors import organisations_with_status
from activator.members.status import membership_status
from tests.factories import MembershipFactory

TODAY = datetime.date(2026, 11, 22)
PAID = datetime.date(2026, 12, 31)


def status_on(today, *, joined_on=datetime.date(2015, 1, 1), paid_through=PAID, cancelled_on=None):
    return membership_status(
        joined_on=joined_on, paid_through=paid_through, cancelled_on=cancelled_on, today=today
    )


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (datetime.date(2026, 12, 31), S.CURRENT),  # last paid day
        (datetime.date(2027, 1, 1), S.GRACE),  # first unpaid day
        (datetime.date(2027, 3, 31), S.GRACE),  # 90th day of grace
        (datetime.date(2027, 4, 1), S.EXPIRED),  # 91st day
    ],
)
def test_status_paid_grace_expired_boundaries(today, expected):
    assert status_on(today) == expected


def test_status_new_for_365_days_after_joining():
    joined = datetime.date(2026, 1, 10)
    assert status_on(datetime.date(2026, 1, 10), joined_on=joined) == S.NEW
    assert (
        status_on(
            datetime.date(2027, 1, 9), joined_on=joined, paid_through=datetime.date(2027, 12, 31)
        )
        == S.NEW
    )
    assert (
        status_on(
            datetime.date(2027, 1, 10), joined_on=joined, paid_through=datetime.date(2027, 12, 31)
        )
        == S.CURRENT
    )


def test_status_new_member_who_does_not_pay_is_in_grace_not_new():
    joined = datetime.date(2026, 11, 1)
    assert status_on(datetime.date(2027, 1, 2), joined_on=joined, paid_through=PAID) == S.GRACE


def test_status_cancelled_from_the_withdrawal_date_on():
    cancelled = datetime.date(2026, 6, 30)
    assert status_on(datetime.date(2026, 6, 29), cancelled_on=cancelled) == S.CURRENT
    assert status_on(datetime.date(2026, 6, 30), cancelled_on=cancelled) == S.CANCELLED


def test_status_unknown_join_date_is_never_new():
    assert status_on(TODAY, joined_on=None) == S.CURRENT


dates = st.dates(min_value=datetime.date(2018, 1, 1), max_value=datetime.date(2030, 12, 31))


@pytest.mark.django_db
@hypothesis_settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)  # the region is shared on purpose; each example deletes its own organisations
@given(joined=dates, paid_offset=st.integers(0, 2000), cancelled=st.none() | dates, today=dates)
def test_status_database_expression_agrees_with_python(asia, joined, paid_offset, cancelled, today):
    paid = joined + datetime.timedelta(days=paid_offset)
    Organisation.objects.all().delete()
    MembershipFactory(
        organisation__region=asia, joined_on=joined, paid_through=paid, cancelled_on=cancelled
    )
    in_sql = organisations_with_status(today).get().membership_status
    in_python = membership_status(
        joined_on=joined, paid_through=paid, cancelled_on=cancelled, today=today
    )
    assert in_sql == in_python.value
