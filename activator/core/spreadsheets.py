"""Tables written as CSV or XLSX files, with cells a spreadsheet would run as formulas made text."""

import csv
import datetime
import decimal
import io
from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

Table = tuple[list[str], list[list[Any]]]
NUMBERS = (int, float, decimal.Decimal)

# A cell starting with one of these is read as a formula by spreadsheet programs.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def guarded_text(value: Any) -> str:
    """The value as text, with a leading quote when a spreadsheet would run it."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def csv_cell(value: Any) -> Any:
    """A value as CSV takes it; text a spreadsheet would run as a formula gets a quote first."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, NUMBERS):
        return value
    if isinstance(value, datetime.date):
        return value.isoformat()
    return guarded_text(value)


def write_csv(target: Any, header: list[str], rows: Iterable[list[Any]]) -> None:
    """Write the table to a file-like `target` (an HttpResponse will do)."""
    writer = csv.writer(target)
    writer.writerow([csv_cell(value) for value in header])
    for row in rows:
        writer.writerow([csv_cell(value) for value in row])


def xlsx_cell(value: Any) -> Any:
    """A value as a workbook takes it: text never becomes a formula, nor carries characters
    the file format forbids."""
    if value is None:
        return None
    if isinstance(value, (bool, *NUMBERS, datetime.date)):
        return value
    text = ILLEGAL_CHARACTERS_RE.sub("", str(value))
    # A leading "=" is the only thing that makes a workbook cell a formula.
    return "'" + text if text.startswith("=") else text


def xlsx_bytes(header: list[str], rows: Iterable[list[Any]], *, title: str) -> bytes:
    """The table as an Excel workbook of one sheet, written row by row."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_sheet_title(title))
    sheet.append([xlsx_cell(value) for value in header])
    for row in rows:
        sheet.append([xlsx_cell(value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _sheet_title(title: str) -> str:
    cleaned = "".join(" " if c in "[]:*?/\\" else c for c in title).strip()
    return cleaned[:31] or _("Sheet")
