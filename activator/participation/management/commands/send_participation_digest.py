"""`manage.py send_participation_digest`: the daily e-mail of participation notifications."""

from django.core.management.base import BaseCommand

from activator.participation.services_notify import send_digests


class Command(BaseCommand):
    help = (
        "E-mail each person one digest of the participation notifications not e-mailed yet, "
        "grouped by space: those of people who chose the daily digest, and any that could not "
        "leave at once. Run it once a day from cron. Safe to run again or at the same time: each "
        "notification is marked as sent before its e-mail is queued, so none goes twice."
    )

    def handle(self, *args, **options) -> None:
        verbose = options["verbosity"] > 0

        def progress(n: int, total: int, _user_id: int, count: int) -> None:
            if verbose:
                bar = "#" * (30 * n // total) + "." * (30 - 30 * n // total)
                self.stdout.write(f"[{bar}] {n}/{total} people, {count} notifications")

        sent = send_digests(progress=progress)
        self.stdout.write(f"Participation digests sent: {sent}")
