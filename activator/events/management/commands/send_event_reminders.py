"""`manage.py send_event_reminders`: the reminder e-mails of events starting within 24 hours."""

import datetime

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from activator.events.services_registration import send_due_reminders


def _instant(text: str) -> datetime.datetime:
    moment = datetime.datetime.fromisoformat(text)
    if timezone.is_naive(moment):
        raise ValueError("give the time zone, e.g. 2027-03-13T09:00+09:00")
    return moment


class Command(BaseCommand):
    help = (
        "E-mail each confirmed participant of an event that starts within the next 24 hours, "
        "once. This is the cron fallback: run it every 15 minutes when the task queue cannot "
        "schedule work for later. With a task backend that can, the reminders are queued for a "
        "day before the event when a seat is confirmed, and this command finds nothing left to "
        "send. Safe to run repeatedly and concurrently: each reminder is marked before it is sent."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--now",
            help="Act as if it were this instant (ISO 8601 with its offset); now by default.",
        )

    def handle(self, *args, **options) -> None:
        now = None
        if options["now"]:
            try:
                now = _instant(options["now"])
            except ValueError as error:
                raise CommandError(f"--now: {error}") from error
        sent = send_due_reminders(now)
        self.stdout.write(f"Event reminders sent: {sent}")
