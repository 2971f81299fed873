"""The ranking as a table (CSV, Excel) and the city report as a PDF.

The table writers are the calls app's: they guard text a spreadsheet would run as a formula
(core/spreadsheets.py), so a city named "=HYPERLINK(...)" stays text.
"""

import time
from typing import Any

from django.db.models import F
from django.utils.translation import gettext as _

from activator.core.spreadsheets import Table
from activator.index.models import CityResult, ResultSet

__all__ = ["ranking_rows", "report_pdf"]


def _number(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def ranking_rows(result_set: ResultSet) -> Table:
    """Every city of the result set, best first and unscored last, one column per group code.

    Groups come in the framework's order; a group no city has a score for (nothing scored below
    it) has no column. Two queries, however many cities.
    """
    results = list(
        CityResult.objects.filter(result_set=result_set)
        .select_related("organisation__region")
        .order_by(F("rank").asc(nulls_last=True), "organisation__name")
    )
    present = {code for row in results for code in row.group_scores}
    codes = [
        code
        for code in result_set.version.groups.order_by("position").values_list("code", flat=True)
        if code in present
    ]
    header = [
        _("Rank"),
        _("City"),
        _("Country"),
        _("Region"),
        _("Score"),
        _("Stage"),
        *codes,
        _("Median rank"),
        _("Rank, 5th percentile"),
        _("Rank, 95th percentile"),
    ]
    rows: list[list[Any]] = []
    for row in results:
        organisation = row.organisation
        rows.append(
            [
                row.rank,
                organisation.name,
                organisation.country.name if organisation.country else "",
                organisation.region.name,
                _number(row.overall),
                row.stage,
                *[_number(row.group_scores.get(code)) for code in codes],
                _number(row.median_rank),
                _number(row.rank_p05),
                _number(row.rank_p95),
            ]
        )
    return header, rows


def report_pdf(html: str) -> tuple[bytes, float]:
    """The report page made for print, as PDF bytes, and how many seconds WeasyPrint took.

    The print template carries its charts and styles inline, so WeasyPrint may fetch nothing
    but data: URLs (no file or network access from a page that shows city-entered text).
    Imported here, not at the top: WeasyPrint loads Pango on import, which only this needs.
    """
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    started = time.perf_counter()
    pdf = HTML(string=html, url_fetcher=URLFetcher(allowed_protocols={"data"})).write_pdf()
    return pdf, time.perf_counter() - started
