"""Writes of processes and their phases. The pages and any command call these.

A process is managed by the space's managers (participation.manage_space). Its phases are
optional, each a whole number of days, and follow the fixed order information → proposals →
debate → voting → results without overlapping, so on any day at most one phase runs and the
services can ask `process.in_phase(kind)`. Publishing (and taking back to draft) is audited.
"""

import datetime
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.formats import date_format
from django.utils.text import slugify
from django.utils.translation import gettext as _

from activator.core.audit import audit_record, diff, snapshot
from activator.core.permissions import authorize
from activator.core.richtext import clean_html
from activator.participation.enums import PhaseKind, ProcessStatus
from activator.participation.models import Phase, Process, Space

# Addresses the pages use themselves (…/processes/new/).
RESERVED_SLUGS = frozenset({"new"})
PROCESS_FIELDS = ["title", "slug", "summary", "description", "support_threshold", "status"]
# {phase kind: (starts on, ends on)}; a phase left out, or with both dates empty, is removed.
Phases = Mapping[str, tuple[datetime.date | None, datetime.date | None]]


def phase_field(kind: str, end: str) -> str:
    """The name the forms give a phase's date (`proposals_starts_on`), errors are keyed by it."""
    return f"{kind}_{end}"


def validate_phases(phases: Phases) -> list[tuple[str, datetime.date, datetime.date]]:
    """The phases given, in their fixed order; ValidationError naming each wrong date.

    Each phase has both dates or neither, ends on or after its start, and starts after the
    previous phase given has ended (days are whole: a phase ending on the 10th and the next
    starting on the 10th would both run that day).
    """
    errors: dict[str, list[str]] = {}
    unknown = set(phases) - set(PhaseKind.values)
    if unknown:
        raise ValidationError(
            _("Unknown phases: %(kinds)s.") % {"kinds": ", ".join(sorted(unknown))}
        )
    result: list[tuple[str, datetime.date, datetime.date]] = []
    previous: tuple[str, datetime.date] | None = None
    for kind in PhaseKind:
        starts_on, ends_on = phases.get(kind.value, (None, None))
        if starts_on is None and ends_on is None:
            continue
        if starts_on is None or ends_on is None:
            missing = "starts_on" if starts_on is None else "ends_on"
            errors[phase_field(kind, missing)] = [
                _("Give both dates of the %(phase)s phase, or neither.")
                % {"phase": kind.label.lower()}
            ]
            continue
        if ends_on < starts_on:
            errors[phase_field(kind, "ends_on")] = [
                _("The %(phase)s phase ends before it starts.") % {"phase": kind.label.lower()}
            ]
            continue
        if previous is not None and starts_on <= previous[1]:
            errors[phase_field(kind, "starts_on")] = [
                _(
                    "The %(phase)s phase must start after the %(previous)s phase ends "
                    "(%(date)s): phases follow each other without overlapping."
                )
                % {
                    "phase": kind.label.lower(),
                    "previous": PhaseKind(previous[0]).label.lower(),
                    "date": date_format(previous[1], "DATE_FORMAT"),
                }
            ]
        result.append((kind.value, starts_on, ends_on))
        previous = (kind.value, ends_on)
    if errors:
        raise ValidationError(errors)
    return result


def _unique_slug(space: Space, base: str, exclude_id: int | None = None) -> str:
    base = slugify(base)[:90] or "process"
    taken = Process.objects.filter(space=space)
    if exclude_id:
        taken = taken.exclude(pk=exclude_id)
    slug, n = base, 2
    while slug in RESERVED_SLUGS or taken.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def _chosen_slug(space: Space, slug: str, exclude_id: int | None = None) -> str:
    """A slug the manager typed: kept as typed (slugified), refused when another process has it."""
    value = slugify(slug)[:100]
    if not value:
        raise ValidationError({"slug": _("Use letters, numbers and hyphens.")})
    if value in RESERVED_SLUGS:
        raise ValidationError({"slug": _("This web address is reserved; choose another.")})
    taken = Process.objects.filter(space=space, slug=value)
    if exclude_id:
        taken = taken.exclude(pk=exclude_id)
    if taken.exists():
        raise ValidationError(
            {"slug": _("Another process of this space already has this web address.")}
        )
    return value


def _validate(process: Process) -> None:
    process.full_clean(
        exclude=["space", "created_by", "slug"], validate_unique=False, validate_constraints=False
    )


def _save(process: Process) -> None:
    try:
        with transaction.atomic():
            process.save()
    except IntegrityError:
        # Another manager took the same address at the same moment.
        raise ValidationError(
            {"slug": _("Another process of this space already has this web address.")}
        ) from None


def _save_phases(process: Process, phases: Phases) -> None:
    wanted = {kind: (start, end) for kind, start, end in validate_phases(phases)}
    Phase.objects.filter(process=process).exclude(kind__in=list(wanted)).delete()
    existing = {p.kind: p for p in Phase.objects.filter(process=process)}
    for kind, (starts_on, ends_on) in wanted.items():
        phase = existing.get(kind)
        if phase is None:
            Phase.objects.create(process=process, kind=kind, starts_on=starts_on, ends_on=ends_on)
        elif (phase.starts_on, phase.ends_on) != (starts_on, ends_on):
            phase.starts_on, phase.ends_on = starts_on, ends_on
            phase.save(update_fields=["starts_on", "ends_on"])


def _phases_snapshot(process: Process) -> str | None:
    rows = Phase.objects.filter(process=process).order_by("starts_on")
    text = "; ".join(f"{p.kind} {p.starts_on}–{p.ends_on}" for p in rows)
    return text or None


def _status_changed(actor: Any, process: Process, before: str) -> None:
    if process.status == before:
        return
    published = process.status == ProcessStatus.PUBLISHED
    audit_record(
        actor=actor,
        action="participation.process_published"
        if published
        else "participation.process_unpublished",
        target=process,
        changes={"status": [before, process.status]},
    )


@transaction.atomic
def process_create(
    actor: Any,
    space: Space,
    *,
    title: str,
    slug: str = "",
    summary: str = "",
    description: str = "",
    support_threshold: int = 100,
    status: str = ProcessStatus.DRAFT,
    phases: Phases | None = None,
) -> Process:
    """A new process of `space`; its web address comes from the title unless one is given."""
    authorize(actor, "participation.manage_space", space)
    process = Process(
        space=space,
        title=(title or "").strip(),
        summary=(summary or "").strip(),
        description=clean_html(description),
        support_threshold=support_threshold,
        status=ProcessStatus.DRAFT,
        created_by=actor if actor.is_authenticated else None,
    )
    errors: dict[str, list[str]] = {}
    try:
        process.slug = _chosen_slug(space, slug) if slug else _unique_slug(space, process.title)
    except ValidationError as error:
        errors.update(error.message_dict)
        process.slug = "process"
    for check in (lambda: _validate(process), lambda: validate_phases(phases or {})):
        try:
            check()
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    _save(process)
    _save_phases(process, phases or {})
    after = snapshot(process, PROCESS_FIELDS) | {"phases": _phases_snapshot(process)}
    audit_record(
        actor=actor, action="participation.process_created", target=process, changes=diff({}, after)
    )
    if status == ProcessStatus.PUBLISHED:
        process.status = ProcessStatus.PUBLISHED
        process.save(update_fields=["status"])
        _status_changed(actor, process, ProcessStatus.DRAFT)
    return process


@transaction.atomic
def process_update(actor: Any, process: Process, **fields: Any) -> Process:
    """Change a process: any of title, slug, summary, description, support_threshold, status,
    phases (all five as `Phases`: one left out is removed)."""
    authorize(actor, "participation.manage_space", process)
    unknown = set(fields) - set(PROCESS_FIELDS) - {"phases"}
    if unknown:
        raise TypeError(f"Unknown process fields: {sorted(unknown)}")
    process = Process.objects.select_related("space").get(pk=process.pk)
    before = snapshot(process, PROCESS_FIELDS) | {"phases": _phases_snapshot(process)}
    status_before = process.status
    phases = fields.pop("phases", None)
    slug = fields.pop("slug", None)
    for name, value in fields.items():
        if name == "description":
            value = clean_html(value)
        elif isinstance(value, str):
            value = value.strip()
        setattr(process, name, value)
    errors: dict[str, list[str]] = {}
    if slug and slug != process.slug:
        try:
            process.slug = _chosen_slug(process.space, slug, exclude_id=process.pk)
        except ValidationError as error:
            errors.update(error.message_dict)
    checks = [lambda: _validate(process)]
    if phases is not None:
        checks.append(lambda: validate_phases(phases))
    for check in checks:
        try:
            check()
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    _save(process)
    if phases is not None:
        _save_phases(process, phases)
    after = snapshot(process, PROCESS_FIELDS) | {"phases": _phases_snapshot(process)}
    changes = diff(before, after)
    changes.pop("status", None)
    if changes:
        audit_record(
            actor=actor, action="participation.process_updated", target=process, changes=changes
        )
    _status_changed(actor, process, status_before)
    return process


def process_publish(actor: Any, process: Process) -> Process:
    """Open a draft process to everyone (audited)."""
    return process_update(actor, process, status=ProcessStatus.PUBLISHED)


def process_unpublish(actor: Any, process: Process) -> Process:
    """Take a process back to draft: only managers see it then (audited)."""
    return process_update(actor, process, status=ProcessStatus.DRAFT)
