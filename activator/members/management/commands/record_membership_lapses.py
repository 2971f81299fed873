"""`manage.py record_membership_lapses`: write the 'lapsed' history steps (run daily from cron)."""

import datetime

from django.core.management.base import BaseCommand, CommandParser

from activator.members.services import memberships_record_lapses


class Command(BaseCommand):
    help = (
        "Record a 'lapsed' step for every membership that expired unrenewed since it was last "
        "paid. Safe to run every day: each lapse is recorded once."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--today",
            type=datetime.date.fromisoformat,
            help="Record lapses as of this date (YYYY-MM-DD); today by default.",
        )

    def handle(self, *args, **options) -> None:
        count = memberships_record_lapses(today=options["today"])
        self.stdout.write(f"Membership lapses recorded: {count}")
