"""The shipped frameworks and the countries' income groups, loaded with the demo data.

The six-pillar survey is our own diagnostic; the U4SSC file carries the 91 KPIs of ITU-T Y.4903.
Income groups follow the World Bank's classification for its fiscal year 2026 (July 2025); they
are used only to choose peers. Loading is idempotent: an existing framework version is left alone.
"""

import csv
import json
from pathlib import Path

from django.db import transaction

from activator.index.frameworks import SHIPPED, check, framework_import
from activator.index.models import CountryIncome, FrameworkVersion
from activator.members.seed import Tally

INCOME_FILE = Path(__file__).resolve().parent / "fixtures" / "income_groups.csv"
KINDS = ["frameworks", "income_groups"]


@transaction.atomic
def load_index_seed() -> dict[str, int]:
    tally = Tally(KINDS)
    for path in sorted(SHIPPED.glob("*.json")):
        document = json.loads(path.read_text(encoding="utf-8"))
        data = check(document)
        existing = FrameworkVersion.objects.filter(
            framework__slug=data["slug"], version=data["version"]
        ).first()
        if existing is not None:
            tally.add("frameworks", existing, False)
            continue
        tally.add("frameworks", framework_import(document), True)
    if INCOME_FILE.exists():
        with INCOME_FILE.open(encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                record, created = CountryIncome.objects.get_or_create(
                    country=row["country_code"],
                    defaults={"group": row["income_group"], "source": row["source"]},
                )
                tally.add("income_groups", record, created)
    return tally.counts
