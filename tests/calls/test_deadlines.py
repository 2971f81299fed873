"""Deadlines are instants: the call's time zone decides when "23:59:59 on the 29th" is."""

import datetime
import zoneinfo

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from activator.calls import services
from activator.calls.enums import ApplicationStatus, Outcome
from tests.calls.helpers import draft, member, submitted


def utc(*parts: int) -> datetime.datetime:
    return datetime.datetime(*parts, tzinfo=datetime.UTC)


def wall(zone: str, *parts: int) -> datetime.datetime:
    return datetime.datetime(*parts, tzinfo=zoneinfo.ZoneInfo(zone))


BEFORE = utc(2020, 3, 15, 9)  # when the drafts are written, long before any deadline


@pytest.fixture
def call_in(make_call):
    """An open 2020 call whose deadline is 23:59:59 on `day` by the clock of `zone`."""

    def make(zone: str, day: tuple[int, int, int] = (2020, 5, 29), **fields):
        call = make_call(
            title=f"Smart City Awards ({zone})",
            year=2020,
            time_zone=zone,
            opens_at=utc(2020, 3, 1),
            deadline=wall(zone, *day, 23, 59, 59),
            **fields,
        )
        call.refresh_from_db()  # the deadline as stored: an instant, read back in UTC
        return call

    return make


def refusal(action) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        action()
    return caught.value


def test_seoul_midnight_takes_a_submission_one_second_before_and_refuses_one_after(
    call_in, representative, city, django_capture_on_commit_callbacks
):
    call = call_in("Asia/Seoul")
    # 23:59:59 in Seoul (UTC+9, no daylight saving) is 14:59:59 UTC.
    assert call.deadline == utc(2020, 5, 29, 14, 59, 59)
    mobility, safe_city = call.categories.all()
    on_time = draft(call, representative, city, category=mobility, now=BEFORE)
    late = draft(call, representative, city, category=safe_city, now=BEFORE)

    with django_capture_on_commit_callbacks(execute=True):
        services.application_submit(
            actor=representative, application=on_time, now=utc(2020, 5, 29, 14, 59, 58)
        )
    on_time.refresh_from_db()
    assert on_time.status == ApplicationStatus.SUBMITTED
    assert on_time.submitted_at == utc(2020, 5, 29, 14, 59, 58)
    assert [m.to for m in mail.outbox] == [[representative.email]]
    assert "2020-05-29 23:59 (Asia/Seoul)" in mail.outbox[0].body

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        error = refusal(
            lambda: services.application_submit(
                actor=representative, application=late, now=utc(2020, 5, 29, 15, 0, 0)
            )
        )
    assert error.code == "late"
    assert "2020-05-29 23:59 (Asia/Seoul)" in error.messages[0]
    late.refresh_from_db()
    assert late.status == ApplicationStatus.DRAFT
    assert late.submitted_at is None
    assert mail.outbox == []


def test_the_same_wall_clock_deadline_is_a_different_instant_in_each_zone(call_in):
    seoul = call_in("Asia/Seoul")
    mexico = call_in("America/Mexico_City")
    auckland = call_in("Pacific/Auckland")
    # End of May 2020: Seoul UTC+9; Mexico City on summer time, UTC-5; Auckland on winter
    # time, UTC+12.
    assert seoul.deadline == utc(2020, 5, 29, 14, 59, 59)
    assert mexico.deadline == utc(2020, 5, 30, 4, 59, 59)
    assert auckland.deadline == utc(2020, 5, 29, 11, 59, 59)
    midday_utc = utc(2020, 5, 29, 12)
    assert [c.is_accepting(midday_utc) for c in (seoul, mexico, auckland)] == [True, True, False]
    early_next_day = utc(2020, 5, 30, 4)
    assert [c.is_accepting(early_next_day) for c in (seoul, mexico, auckland)] == [
        False,
        True,
        False,
    ]


@pytest.mark.parametrize(
    ("zone", "before_change", "after_change"),
    [
        # Auckland leaves summer time (UTC+13 -> UTC+12) at 03:00 on Sunday 5 April 2020.
        ("Pacific/Auckland", utc(2020, 4, 4, 10, 59, 59), utc(2020, 4, 5, 11, 59, 59)),
        # Mexico City starts summer time (UTC-6 -> UTC-5) at 02:00 on Sunday 5 April 2020.
        ("America/Mexico_City", utc(2020, 4, 5, 5, 59, 59), utc(2020, 4, 6, 4, 59, 59)),
    ],
)
def test_a_daylight_saving_change_moves_the_instant_of_midnight(
    call_in, representative, city, zone, before_change, after_change
):
    saturday = call_in(zone, (2020, 4, 4))
    sunday = call_in(zone, (2020, 4, 5))
    assert saturday.deadline == before_change
    assert sunday.deadline == after_change
    # 24 hours of wall clock apart, but 25 (Auckland) or 23 (Mexico City) real hours.
    hours = (sunday.deadline - saturday.deadline) / datetime.timedelta(hours=1)
    assert hours == (25 if zone == "Pacific/Auckland" else 23)

    # One second after Saturday's deadline a submission to Saturday's call is late, one to
    # Sunday's is not.
    moment = before_change + datetime.timedelta(seconds=1)
    too_late = draft(
        saturday, representative, city, category=saturday.categories.first(), now=BEFORE
    )
    in_time = draft(sunday, representative, city, category=sunday.categories.first(), now=BEFORE)
    assert (
        refusal(
            lambda: services.application_submit(
                actor=representative, application=too_late, now=moment
            )
        ).code
        == "late"
    )
    services.application_submit(actor=representative, application=in_time, now=moment)
    in_time.refresh_from_db()
    assert in_time.status == ApplicationStatus.SUBMITTED


@pytest.mark.parametrize(
    ("zone", "shown"),
    [
        ("Asia/Seoul", "2020-05-29 23:59 (Asia/Seoul)"),
        ("America/Mexico_City", "2020-05-29 23:59 (America/Mexico_City)"),
        ("Pacific/Auckland", "2020-05-29 23:59 (Pacific/Auckland)"),
    ],
)
def test_the_late_message_shows_the_deadline_by_the_calls_clock(
    call_in, representative, city, zone, shown
):
    call = call_in(zone)
    application = draft(call, representative, city, category=call.categories.first(), now=BEFORE)
    error = refusal(
        lambda: services.application_submit(
            actor=representative, application=application, now=utc(2020, 6, 1)
        )
    )
    assert error.code == "late"
    assert shown in error.messages[0]
    # Not the instant in UTC (the 29th at 14:59, the 30th at 04:59 or the 29th at 11:59).
    assert "UTC" not in error.messages[0]


def test_starting_after_the_deadline_is_refused_and_stores_nothing(call_in, representative, city):
    call = call_in("Asia/Seoul")
    error = refusal(
        lambda: services.application_start(
            actor=representative,
            call=call,
            organisation=city,
            title="Too late",
            category=call.categories.first(),
            now=utc(2020, 5, 29, 15),
        )
    )
    assert error.code == "late"
    assert not call.applications.exists()


def test_a_submitted_application_cannot_be_edited_after_the_deadline(call_in, representative, city):
    call = call_in("Asia/Seoul")
    application = submitted(
        call, representative, city, category=call.categories.first(), now=BEFORE
    )
    question = call.questions.get(required=True)
    # Before the deadline the applicant may still improve it.
    services.application_save(
        actor=representative,
        application=application,
        answers={str(question.pk): "Improved answer"},
        now=utc(2020, 5, 29, 14, 59, 58),
    )
    error = refusal(
        lambda: services.application_save(
            actor=representative,
            application=application,
            answers={str(question.pk): "Changed after the deadline"},
            title="Changed title",
            now=utc(2020, 5, 29, 15),
        )
    )
    assert error.code == "late"
    application.refresh_from_db()
    assert application.answers[str(question.pk)] == "Improved answer"
    assert application.title == "Smart bus stops"
    assert not services.can_edit(application, now=utc(2020, 5, 29, 15))
    assert services.can_edit(application, now=utc(2020, 5, 29, 14, 59, 58))


def test_a_closed_call_refuses_before_its_deadline(call_in, staff, representative, city):
    call = call_in("Asia/Seoul")
    mobility, safe_city = call.categories.all()
    application = draft(call, representative, city, category=mobility, now=BEFORE)
    services.call_close(actor=staff, call=call)
    call.refresh_from_db()
    now = utc(2020, 5, 10)
    assert now < call.deadline
    error = refusal(
        lambda: services.application_submit(actor=representative, application=application, now=now)
    )
    assert error.code == "closed"
    application.refresh_from_db()
    assert application.status == ApplicationStatus.DRAFT
    error = refusal(
        lambda: services.application_start(
            actor=representative,
            call=call,
            organisation=city,
            title="Another",
            category=safe_city,
            now=now,
        )
    )
    assert error.code == "closed"
    assert call.applications.count() == 1


def test_requested_revisions_may_be_resubmitted_after_the_deadline_until_they_are_due(
    call_in, staff, representative, city, asia, django_capture_on_commit_callbacks
):
    call = call_in("Asia/Seoul")
    category = call.categories.first()
    first = submitted(call, representative, city, category=category, now=BEFORE)
    other_city, other_representative = member("Busan", region=asia)
    second = submitted(call, other_representative, other_city, category=category, now=BEFORE)
    due = wall("Asia/Seoul", 2020, 6, 15, 18, 0)  # 09:00 UTC
    services.decide(
        actor=staff,
        applications=[first, second],
        outcome=Outcome.REVISIONS_REQUESTED,
        revision_due=due,
    )
    first.refresh_from_db()
    assert first.status == ApplicationStatus.REVISIONS_REQUESTED
    assert first.revision_due == utc(2020, 6, 15, 9)

    # A week after the original deadline: the revision may be saved and sent again.
    after_deadline = utc(2020, 6, 5)
    assert after_deadline > call.deadline
    question = call.questions.get(required=True)
    services.application_save(
        actor=representative,
        application=first,
        answers={str(question.pk): "Revised"},
        now=after_deadline,
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.application_submit(actor=representative, application=first, now=after_deadline)
    first.refresh_from_db()
    assert first.status == ApplicationStatus.SUBMITTED
    assert first.submitted_at == after_deadline
    assert first.outcome == "" and first.revision_due is None
    assert first.answers[str(question.pk)] == "Revised"
    assert [m.to for m in mail.outbox] == [[representative.email]]

    # Once the revisions are due, no more.
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        error = refusal(
            lambda: services.application_submit(
                actor=other_representative, application=second, now=utc(2020, 6, 15, 9)
            )
        )
    assert error.code == "late"
    assert "2020-06-15 18:00 (Asia/Seoul)" in error.messages[0]
    second.refresh_from_db()
    assert second.status == ApplicationStatus.REVISIONS_REQUESTED
    assert mail.outbox == []
    error = refusal(
        lambda: services.application_save(
            actor=other_representative,
            application=second,
            answers={str(question.pk): "Too late"},
            now=utc(2020, 6, 16),
        )
    )
    assert error.code == "late"
