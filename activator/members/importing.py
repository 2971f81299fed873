"""Bulk import and export of organisations as CSV or Excel (.xlsx) files.

An import is checked first (`organisations_import_preview`, which saves nothing) and then run
(`organisations_import`), which saves every row or, if any row is invalid, none. Row numbers are
the ones a person sees in a spreadsheet: the header is row 1, the first organisation row 2.
"""

import csv
import io
import logging
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from tablib import Dataset

from activator.core.audit import audit_record, diff, snapshot
from activator.members.models import Organisation
from activator.members.resources import (
    EXPORT_ONLY_COLUMNS,
    IMPORT_COLUMNS,
    REQUIRED_COLUMNS,
    OrganisationResource,
    is_blank,
)
from activator.members.services import ORGANISATION_FIELDS

logger = logging.getLogger(__name__)

FILE_FORMATS = ("csv", "xlsx")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
#: The most organisation rows one file may hold.
MAX_ROWS = 10_000
#: Other spellings people give column headers.
HEADER_ALIASES = {"e_mail": "email", "partner": "is_partner", "organisation": "name"}

NEW = "new"
UPDATE = "update"
SKIP = "skip"
INVALID = "invalid"


@dataclass(frozen=True)
class RowError:
    """One problem with one cell (or with the whole row when `field` is empty)."""

    row: int
    field: str
    message: str


@dataclass(frozen=True)
class PreviewRow:
    """What importing one row of the file would do."""

    row: int
    outcome: str  # NEW, UPDATE, SKIP or INVALID
    name: str = ""
    country: str = ""
    region: str = ""
    existing: Organisation | None = None  # the organisation an update row changes
    changes: list[str] = field(default_factory=list)  # the columns an update row changes
    errors: list[RowError] = field(default_factory=list)


@dataclass(frozen=True)
class ImportPreview:
    file_format: str
    rows: list[PreviewRow]
    errors: list[RowError]
    ignored_columns: list[str]

    @property
    def is_valid(self) -> bool:
        return not self.errors

    def count(self, outcome: str) -> int:
        return sum(1 for row in self.rows if row.outcome == outcome)

    @property
    def new_count(self) -> int:
        return self.count(NEW)

    @property
    def update_count(self) -> int:
        return self.count(UPDATE)

    @property
    def skip_count(self) -> int:
        return self.count(SKIP)

    @property
    def invalid_count(self) -> int:
        return self.count(INVALID)

    @property
    def unchanged_count(self) -> int:
        return sum(1 for row in self.rows if row.outcome == UPDATE and not row.changes)


@dataclass(frozen=True)
class ImportSummary:
    created: int
    updated: int
    unchanged: int
    skipped: int


# Reading files.


def _normalise_header(value: Any) -> str:
    text = "" if value is None else str(value).strip().casefold()
    text = "_".join(text.replace("-", " ").split())
    return HEADER_ALIASES.get(text, text)


def _csv_rows(file_bytes: bytes) -> list[list[Any]]:
    try:
        text = file_bytes.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError(
            _(
                "The file is not UTF-8 text. In your spreadsheet program, save it as "
                "“CSV UTF-8”, or upload an Excel (.xlsx) file."
            ),
            code="encoding",
        ) from None
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    try:
        rows = []
        for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            rows.append(row)
            if len(rows) > MAX_ROWS + 1:
                break
        return rows
    except csv.Error as error:
        raise ValidationError(
            _("The file could not be read as CSV: %(error)s"),
            code="unreadable",
            params={"error": error},
        ) from None


def _xlsx_rows(file_bytes: bytes) -> list[list[Any]]:
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(file_bytes), read_only=True, data_only=True)
    except Exception:
        logger.info("Unreadable workbook uploaded for import", exc_info=True)
        raise ValidationError(
            _("The file could not be read as an Excel workbook (.xlsx)."), code="unreadable"
        ) from None
    try:
        if not workbook.worksheets:
            return []
        rows = []
        for row in workbook.worksheets[0].iter_rows(values_only=True):
            rows.append(list(row))
            if len(rows) > MAX_ROWS + 1:
                break
        return rows
    finally:
        workbook.close()


def _dataset(file_bytes: bytes, file_format: str) -> tuple[Dataset, list[str]]:
    """The file's organisation rows under the known columns, and the columns it ignores."""
    if file_format not in FILE_FORMATS:
        raise ValidationError(_("Upload a .csv or .xlsx file."), code="format")
    if not file_bytes:
        raise ValidationError(_("The file is empty."), code="empty")
    if len(file_bytes) > settings.IMPORT_MAX_BYTES:
        raise ValidationError(
            _("The file is too large: at most %(size)s may be imported at once."),
            code="too_large",
            params={"size": filesizeformat(settings.IMPORT_MAX_BYTES)},
        )
    rows = _csv_rows(file_bytes) if file_format == "csv" else _xlsx_rows(file_bytes)
    while rows and all(is_blank(value) for value in rows[-1]):
        rows.pop()
    if not rows:
        raise ValidationError(_("The file is empty."), code="empty")
    if len(rows) > MAX_ROWS + 1:
        raise ValidationError(
            _("The file has more than %(max)s rows; split it into smaller files."),
            code="too_many_rows",
            params={"max": MAX_ROWS},
        )

    headers = [_normalise_header(value) for value in rows[0]]
    known = set(IMPORT_COLUMNS) | set(EXPORT_ONLY_COLUMNS)
    columns: dict[str, int] = {}
    ignored: list[str] = []
    for index, header in enumerate(headers):
        if not header:
            continue
        if header in columns:
            raise ValidationError(
                _("The column “%(column)s” appears more than once in the first row."),
                code="duplicate_column",
                params={"column": header},
            )
        if header in known:
            columns[header] = index
        else:
            ignored.append(str(rows[0][index]).strip())
    missing = [column for column in REQUIRED_COLUMNS if column not in columns]
    if missing:
        raise ValidationError(
            _(
                "The file is missing the required column(s): %(missing)s. The first row must "
                "name the columns; name, type, country and region are required."
            ),
            code="missing_columns",
            params={"missing": ", ".join(missing)},
        )
    if len(rows) == 1:
        raise ValidationError(_("The file has column names but no organisations."), code="empty")

    # Export-only columns (membership) are read by nobody; leave them out.
    kept = {name: index for name, index in columns.items() if name in IMPORT_COLUMNS}
    dataset = Dataset(headers=list(kept))
    for row in rows[1:]:
        dataset.append([row[index] if index < len(row) else None for index in kept.values()])
    return dataset, ignored


# Checking and importing.


def _row_errors(number: int, error_dict: dict[str, list[str]]) -> list[RowError]:
    errors = []
    for name, messages in error_dict.items():
        for message in messages:
            errors.append(RowError(number, "" if name == NON_FIELD_ERRORS else name, message))
    return errors


def _cell(dataset: Dataset, index: int, column: str) -> str:
    if column not in dataset.headers:
        return ""
    value = dataset[index][dataset.headers.index(column)]
    return "" if value is None else str(value).strip()


def _preview(
    resource: OrganisationResource,
    result: Any,
    dataset: Dataset,
    file_format: str,
    ignored: list[str],
) -> ImportPreview:
    invalid = {row.number: row for row in result.invalid_rows}
    rows: list[PreviewRow] = []
    errors: list[RowError] = [
        RowError(0, "", _("The file could not be imported: %(error)s") % {"error": e.error})
        for e in result.base_errors
    ]
    for index, row_result in enumerate(result.rows):
        number = index + 2  # the header is row 1
        cells = {
            "name": _cell(dataset, index, "name"),
            "country": _cell(dataset, index, "country"),
            "region": _cell(dataset, index, "region"),
        }
        if row_result.is_invalid() or row_result.is_error():
            if row_result.is_invalid():
                row_errors = _row_errors(number, invalid[index + 1].error_dict)
            else:
                for error in row_result.errors:
                    logger.warning("Import row %s failed: %r", number, error.error)
                row_errors = [
                    RowError(
                        number,
                        "",
                        _("This row could not be saved: %(error)s") % {"error": e.error},
                    )
                    for e in row_result.errors
                ]
            errors.extend(row_errors)
            rows.append(PreviewRow(number, INVALID, errors=row_errors, **cells))
        elif row_result.is_skip():
            rows.append(PreviewRow(number, SKIP, **cells))
        elif row_result.is_update():
            rows.append(
                PreviewRow(
                    number,
                    UPDATE,
                    existing=row_result.original,
                    changes=resource.changed_columns(row_result),
                    **cells,
                )
            )
        else:
            rows.append(PreviewRow(number, NEW, **cells))
    return ImportPreview(file_format, rows, errors, ignored)


def _run(file_bytes: bytes, file_format: str, *, dry_run: bool) -> tuple[Any, ImportPreview]:
    dataset, ignored = _dataset(file_bytes, file_format)
    resource = OrganisationResource()
    result = resource.import_data(
        dataset,
        dry_run=dry_run,
        raise_errors=False,
        use_transactions=True,
        rollback_on_validation_errors=True,
    )
    return result, _preview(resource, result, dataset, file_format, ignored)


def organisations_import_preview(*, file_bytes: bytes, file_format: str) -> ImportPreview:
    """What importing the file would do, row by row, with every problem found. Saves nothing.

    Raises ValidationError when the file itself cannot be read (format, size, columns).
    """
    _result, preview = _run(file_bytes, file_format, dry_run=True)
    return preview


def _describe(error: RowError) -> ValidationError:
    if not error.row:
        return ValidationError(error.message, code="invalid_file")
    if error.field:
        return ValidationError(
            _("Row %(row)s, %(field)s: %(message)s"),
            code="invalid_row",
            params={"row": error.row, "field": error.field, "message": error.message},
        )
    return ValidationError(
        _("Row %(row)s: %(message)s"),
        code="invalid_row",
        params={"row": error.row, "field": "", "message": error.message},
    )


@transaction.atomic
def organisations_import(*, actor: Any, file_bytes: bytes, file_format: str) -> ImportSummary:
    """Import every row of the file, or none: any invalid row raises ValidationError.

    Each organisation created, and each one the file changes, gets an audit entry.
    """
    result, preview = _run(file_bytes, file_format, dry_run=False)
    if not preview.is_valid:
        raise ValidationError([_describe(error) for error in preview.errors])
    note = _("Imported from a %(format)s file.") % {"format": file_format.upper()}
    for row_result in result.rows:
        organisation = row_result.instance
        if row_result.is_new():
            before: dict[str, Any] = {}
        elif row_result.is_update():
            before = snapshot(row_result.original, ORGANISATION_FIELDS)
        else:
            continue
        changes = diff(before, snapshot(organisation, ORGANISATION_FIELDS))
        if changes:
            audit_record(
                actor=actor,
                action="organisation.imported",
                target=organisation,
                changes=changes,
                note=note,
            )
    return ImportSummary(
        created=preview.new_count,
        updated=preview.update_count,
        unchanged=preview.unchanged_count,
        skipped=preview.skip_count,
    )


# Exporting.


def organisations_export(*, queryset: QuerySet[Organisation], file_format: str) -> bytes:
    """The organisations as a file in the import's columns, plus their membership."""
    if file_format not in FILE_FORMATS:
        raise ValueError(f"Unknown export format: {file_format}")
    dataset = OrganisationResource().export(queryset, force_native_type=file_format == "xlsx")
    if file_format == "csv":
        # The byte-order mark makes Excel read the file as UTF-8.
        return dataset.export("csv").encode("utf-8-sig")
    dataset.title = _("Organisations")
    return dataset.export("xlsx")
