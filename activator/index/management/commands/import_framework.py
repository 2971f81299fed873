"""`manage.py import_framework FILE`: add or replace a framework version from its JSON file."""

import json

from django.core.management.base import BaseCommand, CommandError, CommandParser

from activator.index.frameworks import FrameworkError, framework_import


class Command(BaseCommand):
    help = "Import an index framework version from a JSON file (see activator/index/FRAMEWORKS.md)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="Path of the JSON document ('-' reads standard input).")

    def handle(self, *args, **options) -> None:
        path = options["file"]
        try:
            if path == "-":
                import sys

                document = json.load(sys.stdin)
            else:
                with open(path, encoding="utf-8") as handle:
                    document = json.load(handle)
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror}") from error
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise CommandError(f"{path} is not JSON: {error}") from error
        try:
            version = framework_import(document)
        except FrameworkError as error:
            lines = "\n".join(f"  {where}: {message}" for where, message in error.problems)
            raise CommandError(f"{path} was not imported:\n{lines}") from error
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {version} ({version.groups.count()} groups, "
                f"{version.indicators.count()} indicators)."
            )
        )
