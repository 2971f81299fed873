"""`manage.py compute_index`: compute every result set now, with a progress bar."""

from django.core.management.base import BaseCommand, CommandParser

from activator.index.models import Assessment, ResultSet
from activator.index.results import results_compute


class Command(BaseCommand):
    help = (
        "Compute the index for each framework version and year with submitted assessments "
        "or earlier results."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--framework", help="Only this framework (slug).")
        parser.add_argument("--year", type=int, help="Only this year.")

    def handle(self, *args, **options) -> None:
        pairs = Assessment.objects.filter(status="submitted")
        # Sets already computed are recomputed too: their cities may all have been reopened.
        computed = ResultSet.objects.all()
        if options["framework"]:
            pairs = pairs.filter(version__framework__slug=options["framework"])
            computed = computed.filter(version__framework__slug=options["framework"])
        if options["year"]:
            pairs = pairs.filter(year=options["year"])
            computed = computed.filter(year=options["year"])
        keys = sorted(
            set(pairs.values_list("version_id", "year"))
            | set(computed.values_list("version_id", "year"))
        )
        total = len(keys)
        for n, (version_id, year) in enumerate(keys, start=1):
            result_set, _created = ResultSet.objects.get_or_create(version_id=version_id, year=year)
            done = results_compute(result_set)
            bar = "#" * (30 * n // total) + "." * (30 - 30 * n // total)
            self.stdout.write(
                f"[{bar}] {n}/{total} {done}: {done.cohort_size} cities, {done.draws} draws"
            )
        if not total:
            self.stdout.write("No submitted assessments: nothing to compute.")
