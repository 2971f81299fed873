"""`manage.py export_framework SLUG VERSION`: write a framework version as its JSON document."""

import json

from django.core.management.base import BaseCommand, CommandError, CommandParser

from activator.index.frameworks import framework_export
from activator.index.models import FrameworkVersion


class Command(BaseCommand):
    help = "Print a framework version as JSON (the format import_framework reads)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug")
        parser.add_argument("version")
        parser.add_argument("-o", "--output", help="Write to this file instead of the screen.")

    def handle(self, *args, **options) -> None:
        version = (
            FrameworkVersion.objects.select_related("framework")
            .filter(framework__slug=options["slug"], version=options["version"])
            .first()
        )
        if version is None:
            raise CommandError(f"No framework {options['slug']} version {options['version']}.")
        text = json.dumps(framework_export(version), indent=2, ensure_ascii=False) + "\n"
        if options["output"]:
            with open(options["output"], "w", encoding="utf-8") as handle:
                handle.write(text)
            self.stderr.write(f"Wrote {options['output']}")
        else:
            self.stdout.write(text, ending="")
