"""Writes of the index: assessments, values, verification, bulk import, and result requests.

Every write runs in one transaction and leaves an audit entry on the assessment. Anything that
changes what the computation sees (a submission, a rejected value, an import) asks for the
results of that framework version and year to be computed again in the background.
"""

import csv
import io
import math
import re
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from activator.core.audit import audit_record
from activator.core.search import normalize as fold
from activator.index.enums import AssessmentStatus, Verification
from activator.index.models import (
    Assessment,
    CityResult,
    FrameworkVersion,
    Indicator,
    ResultSet,
    Value,
)
from activator.members.enums import OrganisationType
from activator.members.models import Organisation

EDITABLE_AFTER_SUBMIT = (Verification.QUERIED, Verification.REJECTED)
IMPORT_MAX_ROWS = 100_000
NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
# Commas only as thousands separators (1,234,567.8): "55,5" is a decimal comma, not 555.
GROUPED = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d*)?")


class AssessmentError(ValidationError):
    """A refused step of the assessment's life, with the reason a person can act on."""


def year_allowed(year: int) -> bool:
    """Assessments cover 2000 to next year (a city may prepare next year's baseline)."""
    return 2000 <= year <= timezone.now().year + 1


def assessment_start(
    *, actor: Any, organisation: Organisation, version: FrameworkVersion, year: int
) -> Assessment:
    """A new draft; a city has at most one assessment per framework version and year."""
    if organisation.type != OrganisationType.LOCAL_GOVERNMENT:
        raise AssessmentError(_("Only cities and other local governments take the index."))
    if not year_allowed(year):
        raise AssessmentError(_("Choose a year from 2000 to next year."))
    with transaction.atomic():
        existing = Assessment.objects.filter(
            version=version, organisation=organisation, year=year
        ).first()
        if existing is not None:
            raise AssessmentError(
                _("%(city)s already has an assessment for %(version)s in %(year)s.")
                % {"city": organisation.name, "version": version, "year": year}
            )
        assessment = Assessment.objects.create(
            version=version, organisation=organisation, year=year, created_by=actor
        )
        audit_record(actor=actor, action="assessment.started", target=assessment)
    return assessment


def can_edit_value(assessment: Assessment, value: Value | None) -> bool:
    """Drafts are open; after submission only values a reviewer queried or rejected."""
    if not assessment.is_submitted:
        return True
    return value is not None and value.verification in EDITABLE_AFTER_SUBMIT


def clean_value(indicator: Indicator, raw: Any) -> float | None:
    """The number to store for `raw`, or ValidationError with the reason; blank clears it."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if isinstance(raw, str):
        text = raw.strip()
        if "," in text:
            if not GROUPED.fullmatch(text):
                raise ValidationError(_("Enter a number, with a point before the decimals."))
            text = text.replace(",", "")
        if not NUMBER.fullmatch(text):
            raise ValidationError(_("Enter a number."))
        raw = text
    try:
        number = float(raw)
    except (TypeError, ValueError):
        raise ValidationError(_("Enter a number.")) from None
    if not math.isfinite(number):
        raise ValidationError(_("Enter a number."))
    if abs(number) > 1e15:
        raise ValidationError(_("This number is too large."))
    if indicator.is_question:
        if number not in (1, 2, 3, 4, 5):
            raise ValidationError(_("Choose a level from 1 to 5."))
        return number
    if indicator.transform == "log" and number <= 0:
        raise ValidationError(
            _("This indicator is compared on a log scale, so the value must be above zero.")
        )
    if indicator.unit.startswith("%") and not 0 <= number <= 100:
        raise ValidationError(_("A percentage lies between 0 and 100."))
    return number


@dataclass
class ValueInput:
    """What a person enters for one indicator."""

    value: Any = None
    source: str = ""
    evidence_link: str = ""
    evidence_file: UploadedFile | None = None
    clear_file: bool = False


def values_save(
    *, actor: Any, assessment: Assessment, entries: dict[Indicator, ValueInput]
) -> dict[str, list[str]]:
    """Save a page's worth of values at once; on any error nothing is saved.

    Returns the problems keyed by indicator code (empty when everything was saved).
    """
    existing = {v.indicator_id: v for v in assessment.values.all()}
    problems: dict[str, list[str]] = {}
    prepared: list[tuple[Indicator, Value, float | None, dict[str, Any]]] = []
    for indicator, entry in entries.items():
        if indicator.version_id != assessment.version_id:
            problems.setdefault(indicator.code, []).append(_("Not in this framework."))
            continue
        current = existing.get(indicator.pk)
        try:
            number = clean_value(indicator, entry.value)
        except ValidationError as error:
            problems.setdefault(indicator.code, []).extend(error.messages)
            continue
        changes = {
            "value": number,
            "source": (entry.source or "").strip()[:300],
            "evidence_link": (entry.evidence_link or "").strip(),
        }
        if (
            current is not None
            and all(getattr(current, k) == v for k, v in changes.items())
            and not entry.evidence_file
            and not entry.clear_file
        ):
            continue
        if not can_edit_value(assessment, current):
            problems.setdefault(indicator.code, []).append(
                _("Submitted values change only when a reviewer queries or rejects them.")
            )
            continue
        value = current or Value(assessment=assessment, indicator=indicator)
        before = value.value
        for key, v in changes.items():
            setattr(value, key, v)
        if entry.evidence_file:
            value.evidence_file = entry.evidence_file
        elif entry.clear_file:
            value.evidence_file = None
        try:
            value.full_clean(exclude=["assessment", "indicator", "verified_by"])
        except ValidationError as error:
            for messages in error.message_dict.values():
                problems.setdefault(indicator.code, []).extend(messages)
            continue
        prepared.append((indicator, value, before, changes))
    if problems:
        return problems
    # Two saves of one page (an autosave and the Save button) may both create the same value;
    # where the database has no row locks (SQLite) the second insert fails: read again, once.
    try:
        return _write_values(actor, assessment, prepared)
    except IntegrityError:
        return _write_values(actor, assessment, prepared)


def _write_values(
    actor: Any, assessment: Assessment, prepared: list[tuple[Indicator, Value, Any, Any]]
) -> dict[str, list[str]]:
    """Store checked values in one transaction, after checking again against fresh rows."""
    answered_query = False
    with transaction.atomic():
        # Check again under a lock: a submission or a verdict may have landed since the page
        # was read, and two tabs may both be creating the same value.
        locked = Assessment.objects.select_for_update(of=("self",)).get(pk=assessment.pk)
        fresh = {v.indicator_id: v for v in locked.values.all()}
        for indicator, value, _before, _changes in prepared:
            now = fresh.get(indicator.pk)
            if locked.status != assessment.status or not can_edit_value(locked, now):
                return {indicator.code: [_("The assessment changed meanwhile; reload the page.")]}
            if now is not None:
                value.verification = now.verification
                if value.pk is None:
                    value.pk, value._state.adding = now.pk, False
        for indicator, value, before, changes in prepared:
            verdict = value.verification
            # A changed value needs a fresh verdict: after submission it answers a query; in a
            # reopened draft the old verdict was about another number.
            if verdict != Verification.PENDING:
                value.verification = Verification.PENDING
                answered_query = answered_query or assessment.is_submitted
                audit_record(
                    actor=actor,
                    action=(
                        "assessment.value_answered"
                        if assessment.is_submitted
                        else "assessment.value_changed"
                    ),
                    target=assessment,
                    changes={
                        "value": [before, changes["value"]],
                        "verification": [verdict, Verification.PENDING.value],
                    },
                    note=indicator.code,
                )
            value.save()
        Assessment.objects.filter(pk=assessment.pk).update(updated_at=timezone.now())
        if answered_query:
            results_request(assessment.version, assessment.year)
    return {}


def missing_answers(assessment: Assessment) -> list[Indicator]:
    """Survey questions still unanswered (an indicator set may be submitted with gaps)."""
    answered = set(assessment.values.exclude(value=None).values_list("indicator_id", flat=True))
    return [
        i
        for i in assessment.version.indicators.order_by("position")
        if i.is_question and i.pk not in answered
    ]


def assessment_submit(*, actor: Any, assessment: Assessment) -> Assessment:
    """Submit for the index: the values enter the computation and go to verification."""
    with transaction.atomic():
        assessment = Assessment.objects.select_for_update(of=("self",)).get(pk=assessment.pk)
        if assessment.is_submitted:
            raise AssessmentError(_("This assessment has already been submitted."))
        missing = missing_answers(assessment)
        if missing:
            raise AssessmentError(
                _("Answer every question first; %(count)s still open: %(codes)s.")
                % {"count": len(missing), "codes": ", ".join(i.code for i in missing[:10])}
            )
        # Scored as Indicator.is_scored says: a direction and a weight above zero.
        scored = assessment.values.exclude(value=None).filter(
            indicator__direction__gt="", indicator__weight__gt=0
        )
        if not scored.exists():
            raise AssessmentError(_("Enter at least one scored value before submitting."))
        assessment.status = AssessmentStatus.SUBMITTED
        assessment.submitted_at = timezone.now()
        assessment.submitted_by = actor
        assessment.save(update_fields=["status", "submitted_at", "submitted_by", "updated_at"])
        audit_record(
            actor=actor,
            action="assessment.submitted",
            target=assessment,
            changes={"status": ["draft", "submitted"]},
        )
        results_request(assessment.version, assessment.year)
    return assessment


def assessment_reopen(*, actor: Any, assessment: Assessment, reason: str) -> Assessment:
    """Staff send a submitted assessment back to draft, taking it out of the results."""
    if not reason.strip():
        raise AssessmentError(_("Say why the assessment goes back to the city."))
    with transaction.atomic():
        assessment = Assessment.objects.select_for_update(of=("self",)).get(pk=assessment.pk)
        if not assessment.is_submitted:
            raise AssessmentError(_("Only a submitted assessment can be reopened."))
        assessment.status = AssessmentStatus.DRAFT
        assessment.save(update_fields=["status", "updated_at"])
        # Out of the published figures now, not when the recomputation ends.
        CityResult.objects.filter(assessment=assessment).delete()
        audit_record(
            actor=actor,
            action="assessment.reopened",
            target=assessment,
            changes={"status": ["submitted", "draft"]},
            note=reason.strip(),
        )
        results_request(assessment.version, assessment.year)
    return assessment


def value_verify(*, actor: Any, value: Value, verdict: str, comment: str = "") -> Value:
    """Record a reviewer's verdict; a query or a rejection says why, and goes back to the city."""
    if verdict not in Verification.values or verdict == Verification.PENDING:
        raise ValidationError({"verification": _("Choose verified, queried or rejected.")})
    comment = comment.strip()
    if verdict in EDITABLE_AFTER_SUBMIT and not comment:
        raise ValidationError({"comment": _("Say what is wrong, so the city can answer.")})
    with transaction.atomic():
        # Read the status afresh: the assessment may have been reopened since the page loaded.
        assessment = Assessment.objects.select_for_update(of=("self",)).get(pk=value.assessment_id)
        if not assessment.is_submitted:
            raise AssessmentError(_("Values are verified once the assessment is submitted."))
        before = value.verification
        counted = value.counts
        value.verification = verdict
        value.comment = comment
        value.verified_by = actor
        value.verified_at = timezone.now()
        value.save(update_fields=["verification", "comment", "verified_by", "verified_at"])
        audit_record(
            actor=actor,
            action="assessment.value_verified",
            target=assessment,
            changes={"verification": [before, verdict]},
            note=f"{value.indicator.code}: {comment}" if comment else value.indicator.code,
        )
        if counted != value.counts:
            results_request(assessment.version, assessment.year)
    return value


def expert_set(*, actor: Any, assessment: Assessment, experts: list[Any]) -> None:
    """Name the expert auditors of an assessment (besides staff, who always may verify)."""
    with transaction.atomic():
        before = sorted(u.email for u in assessment.experts.all())
        assessment.experts.set(experts)
        after = sorted(u.email for u in experts)
        if before != after:
            audit_record(
                actor=actor,
                action="assessment.experts",
                target=assessment,
                changes={"experts": [", ".join(before), ", ".join(after)]},
            )


# Bulk import --------------------------------------------------------------------------------


@dataclass
class ImportReport:
    """What an import did or would do; `problems` names every bad row by its line number."""

    rows: int = 0
    created_assessments: int = 0
    values: int = 0
    problems: list[tuple[int, str]] = field(default_factory=list)
    applied: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems


IMPORT_COLUMNS = ("city", "year", "indicator", "value")


def _org_lookup() -> tuple[dict[str, Organisation | None], dict[str, Organisation]]:
    """Cities by folded name (None where two share a name) and by web address (slug)."""
    by_name: dict[str, Organisation | None] = {}
    by_slug: dict[str, Organisation] = {}
    for org in Organisation.objects.filter(type=OrganisationType.LOCAL_GOVERNMENT).only(
        "id", "name", "slug"
    ):
        key = fold(org.name)
        by_name[key] = None if key in by_name else org
        by_slug[org.slug] = org
    return by_name, by_slug


def values_import(
    *, actor: Any, version: FrameworkVersion, text: str, dry_run: bool = True
) -> ImportReport:
    """Import a long CSV (city, year, indicator, value[, source]); any bad row saves nothing."""
    report = ImportReport()
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    headers = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in IMPORT_COLUMNS if c not in headers]
    if missing:
        report.problems.append(
            (1, _("Missing columns: %(columns)s.") % {"columns": ", ".join(missing)})
        )
        return report
    reader.fieldnames = headers
    indicators = {i.code.strip().lower(): i for i in version.indicators.all()}
    by_name, by_slug = _org_lookup()
    assessments = {(a.organisation_id, a.year): a for a in version.assessments.all()}
    seen: dict[tuple[int, int, int], int] = {}
    planned: list[tuple[Organisation, int, Indicator, float | None, str]] = []
    try:
        for line, row in enumerate(reader, start=2):
            report.rows += 1
            if report.rows > IMPORT_MAX_ROWS:
                report.problems.append((line, _("Too many rows; split the file.")))
                break
            row = {k: (v or "").strip() for k, v in row.items() if k}
            city = by_slug.get(row["city"].lower()) or by_name.get(fold(row["city"]))
            if city is None:
                if fold(row["city"]) in by_name:
                    message = _(
                        "Several cities are called “%(city)s”; give its web address instead."
                    )
                else:
                    message = _("Unknown city “%(city)s”.")
                report.problems.append((line, message % {"city": row["city"]}))
                continue
            try:
                year = int(row["year"])
                if not year_allowed(year):
                    raise ValueError
            except ValueError:
                report.problems.append(
                    (line, _("Year “%(year)s” is not a year.") % {"year": row["year"]})
                )
                continue
            indicator = indicators.get(row["indicator"].lower())
            if indicator is None:
                report.problems.append(
                    (
                        line,
                        _("Unknown indicator “%(code)s” in %(version)s.")
                        % {"code": row["indicator"], "version": version},
                    )
                )
                continue
            try:
                number = clean_value(indicator, row["value"])
            except ValidationError as error:
                report.problems.append((line, f"{indicator.code}: {' '.join(error.messages)}"))
                continue
            key = (city.pk, year, indicator.pk)
            if key in seen:
                report.problems.append(
                    (
                        line,
                        _("Same city, year and indicator as line %(line)s.") % {"line": seen[key]},
                    )
                )
                continue
            seen[key] = line
            planned.append((city, year, indicator, number, row.get("source", "")[:300]))
    except csv.Error as error:  # e.g. a field longer than the csv module allows
        report.problems.append(
            (
                reader.line_num + 1,
                _("This line cannot be read as CSV: %(error)s.") % {"error": error},
            )
        )

    report.values = len(planned)
    report.created_assessments = len({(c.pk, y) for c, y, *_ in planned} - set(assessments))
    if report.problems or dry_run:
        return report
    touched_years: set[int] = set()
    with transaction.atomic():
        for city, year, indicator, number, source in planned:
            assessment = assessments.get((city.pk, year))
            if assessment is None:
                assessment = Assessment.objects.create(
                    version=version, organisation=city, year=year, created_by=actor
                )
                audit_record(actor=actor, action="assessment.imported", target=assessment)
                assessments[(city.pk, year)] = assessment
            stored, created = Value.objects.get_or_create(
                assessment=assessment,
                indicator=indicator,
                defaults={"value": number, "source": source},
            )
            if not created and (stored.value, stored.source) != (number, source):
                # A changed value needs a fresh verdict; an unchanged one keeps its verdict.
                stored.value, stored.source = number, source
                stored.verification = Verification.PENDING
                stored.save(update_fields=["value", "source", "verification", "updated_at"])
            elif not created:
                continue
            if assessment.is_submitted:
                touched_years.add(year)
        for assessment in {assessments[(c.pk, y)] for c, y, *_ in planned}:
            audit_record(actor=actor, action="assessment.values_imported", target=assessment)
        for year in touched_years:
            results_request(version, year)
    report.applied = True
    return report


# Results --------------------------------------------------------------------------------------


def results_request(version: FrameworkVersion, year: int) -> ResultSet:
    """Mark the results stale and compute them in the background once this write commits."""
    from activator.index.tasks import compute_results

    result_set, _created = ResultSet.objects.get_or_create(version=version, year=year)
    ResultSet.objects.filter(pk=result_set.pk).update(
        status="pending", requested_at=timezone.now(), error="", generation=F("generation") + 1
    )
    transaction.on_commit(lambda: compute_results.enqueue(result_set_id=result_set.pk))
    return result_set


def results_publish(*, actor: Any, result_set: ResultSet, publish: bool = True) -> ResultSet:
    """Show (or hide) a result set on the public ranking; the computation is unchanged."""
    if publish and result_set.status != "ready":
        raise AssessmentError(_("Publish once the results are computed."))
    with transaction.atomic():
        before = result_set.published_at
        result_set.published_at = timezone.now() if publish else None
        result_set.save(update_fields=["published_at"])
        audit_record(
            actor=actor,
            action="index.results_published" if publish else "index.results_unpublished",
            target=result_set,
            changes={
                "published_at": [
                    str(before) if before else None,
                    str(result_set.published_at) if publish else None,
                ]
            },
        )
    return result_set
