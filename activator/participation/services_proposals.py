"""Writes of proposals: posting, editing and withdrawing them, supports, the city's answer and the
project an accepted proposal becomes (accountability).

Who may act is asked of rules.py (checks.require_take_part for participants); *when* is decided
here: proposals are posted during the process's proposals phase, supported during the proposals
or voting phase. The supports counter is kept by conditional UPDATEs with F() in the transaction
that adds or removes the Support row (unique per person), so it stays exact under concurrent
clicks on SQLite and PostgreSQL alike.
"""

import decimal
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from activator.core.audit import audit_record, diff, snapshot
from activator.core.models import AuditEntry
from activator.core.permissions import authorize
from activator.core.ratelimit import check_rate
from activator.core.richtext import MAX_LENGTH, clean_html, plain_text
from activator.participation import selectors, services_notify
from activator.participation.checks import require_feature, require_take_part
from activator.participation.enums import (
    AnswerStatus,
    Feature,
    Moderation,
    PhaseKind,
    ProcessStatus,
)
from activator.participation.models import Category, Process, Proposal, Support
from activator.projects.enums import Stage
from activator.projects.models import Project
from activator.projects.services import project_create

SUPPORT_PHASES = (PhaseKind.PROPOSALS, PhaseKind.VOTING)
ANSWERS = (AnswerStatus.EVALUATING, AnswerStatus.ACCEPTED, AnswerStatus.REJECTED)
EDITABLE_FIELDS = ("title", "body", "category", "address", "latitude", "longitude")
PROJECT_STAGES = (Stage.IDEA, Stage.PROPOSAL)
THRESHOLD_ACTION = "participation.proposal_threshold_reached"
COORDINATE = Decimal("0.000001")


# --- When -------------------------------------------------------------------------------------


def proposals_open(process: Process) -> bool:
    """New proposals are posted in a published process during its proposals phase."""
    return process.status == ProcessStatus.PUBLISHED and process.in_phase(PhaseKind.PROPOSALS)


def supports_open(process: Process) -> bool:
    """Supports are given or taken back during the proposals or voting phase."""
    if process.status != ProcessStatus.PUBLISHED:
        return False
    phase = process.phase_on()
    return phase is not None and phase.kind in SUPPORT_PHASES


def can_be_supported(proposal: Proposal) -> bool:
    """Not withdrawn, not hidden, and its process takes supports today."""
    return (
        proposal.withdrawn_at is None
        and proposal.moderation == Moderation.VISIBLE
        and supports_open(proposal.process)
    )


def can_edit(user: Any, proposal: Proposal) -> bool:
    """The author changes a proposal while nobody supports it yet, during the proposals phase."""
    return (
        user.is_authenticated
        and proposal.author_id == user.pk
        and proposal.withdrawn_at is None
        and proposal.supports_count == 0
        and proposals_open(proposal.process)
    )


def can_withdraw(user: Any, proposal: Proposal) -> bool:
    return user.is_authenticated and proposal.author_id == user.pk and proposal.withdrawn_at is None


# --- Input ------------------------------------------------------------------------------------


def _coordinate(value: Any, limit: int, field: str, errors: dict[str, list[str]]) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value).strip())
    except (decimal.InvalidOperation, ValueError):
        number = None
    if number is None or not number.is_finite():
        errors.setdefault(field, []).append(_("Give a number."))
        return None
    if not -limit <= number <= limit:
        errors.setdefault(field, []).append(
            _("Give a number from -%(limit)d to %(limit)d.") % {"limit": limit}
        )
        return None
    return number.quantize(COORDINATE, rounding=decimal.ROUND_HALF_EVEN)


def _validated(process: Process, **fields: Any) -> dict[str, Any]:
    """The proposal's fields cleaned (rich text sanitised), or ValidationError naming each one."""
    errors: dict[str, list[str]] = {}
    data: dict[str, Any] = {}
    if "title" in fields:
        title = " ".join((fields["title"] or "").split())
        if not title:
            errors["title"] = [_("Give your proposal a title.")]
        elif len(title) > 150:
            errors["title"] = [_("Keep the title to 150 characters.")]
        data["title"] = title
    if "body" in fields:
        body = clean_html(fields["body"] or "")
        if not plain_text(body):
            errors["body"] = [_("Describe your proposal.")]
        elif len(body) > MAX_LENGTH:
            errors["body"] = [_("The proposal is too long.")]
        data["body"] = body
    if "category" in fields:
        category = fields["category"]
        if category is not None and (
            not isinstance(category, Category) or category.space_id != process.space_id
        ):
            errors["category"] = [_("Choose one of this space's categories.")]
        data["category"] = category
    if "address" in fields:
        address = " ".join((fields["address"] or "").split())
        if len(address) > 255:
            errors["address"] = [_("Keep the place to 255 characters.")]
        data["address"] = address
    if "latitude" in fields or "longitude" in fields:
        latitude = _coordinate(fields.get("latitude"), 90, "latitude", errors)
        longitude = _coordinate(fields.get("longitude"), 180, "longitude", errors)
        both_read = "latitude" not in errors and "longitude" not in errors
        if both_read and (latitude is None) != (longitude is None):
            missing = "latitude" if latitude is None else "longitude"
            errors[missing] = [_("Give both the latitude and the longitude, or neither.")]
        data["latitude"], data["longitude"] = latitude, longitude
    if errors:
        raise ValidationError(errors)
    return data


def _locked(proposal: Proposal) -> Proposal:
    """The proposal as stored now, with its process, space and phases."""
    return (
        Proposal.objects.select_for_update(of=("self",))
        .select_related("process__space", "author")
        .get(pk=proposal.pk)
    )


def _visible_to_followers(proposal: Proposal) -> bool:
    """Withdrawn, hidden proposals and drafts' proposals are not told to followers."""
    return (
        proposal.withdrawn_at is None
        and proposal.moderation == Moderation.VISIBLE
        and proposal.process.status == ProcessStatus.PUBLISHED
    )


def _tell(proposal: Proposal, *, verb: str, text: str, actor: Any, author: bool = True) -> None:
    services_notify.notify(
        space=proposal.process.space,
        verb=verb,
        text=text,
        url=proposal.get_absolute_url(),
        targets=[proposal] if _visible_to_followers(proposal) else [],
        recipients=[proposal.author] if author else [],
        actor=actor,
    )


# --- Posting, editing, withdrawing --------------------------------------------------------------


@transaction.atomic
def proposal_create(
    actor: Any,
    process: Process,
    *,
    title: str,
    body: str,
    category: Category | None = None,
    address: str = "",
    latitude: Any = None,
    longitude: Any = None,
) -> Proposal:
    """A participant's proposal in the process's proposals phase; the author follows it and
    the process's followers hear of it."""
    space = process.space
    require_take_part(actor, space)
    require_feature(space, Feature.PROPOSALS)
    if not proposals_open(process):
        raise ValidationError(_("Proposals are taken only during the process's proposals phase."))
    check_rate("proposal", Proposal.objects.filter(author=actor))
    data = _validated(
        process,
        title=title,
        body=body,
        category=category,
        address=address,
        latitude=latitude,
        longitude=longitude,
    )
    proposal = Proposal.objects.create(process=process, author=actor, **data)
    services_notify.follow(actor, proposal)
    services_notify.notify(
        space=space,
        verb="proposal.created",
        text=_("New proposal in %(process)s: %(title)s")
        % {"process": process.title, "title": proposal.title},
        url=proposal.get_absolute_url(),
        targets=[process],
        actor=actor,
    )
    return proposal


@transaction.atomic
def proposal_update(actor: Any, proposal: Proposal, **fields: Any) -> Proposal:
    """The author changes their proposal while it has no supports, in the proposals phase."""
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"Unknown proposal fields: {sorted(unknown)}")
    proposal = _locked(proposal)
    if not actor.is_authenticated or proposal.author_id != actor.pk:
        raise PermissionDenied(_("Only the author changes a proposal."))
    require_take_part(actor, proposal.process.space)
    if proposal.withdrawn_at is not None:
        raise ValidationError(_("A withdrawn proposal cannot be changed."))
    if not proposals_open(proposal.process):
        raise ValidationError(_("Proposals can be changed only during the proposals phase."))
    if "latitude" in fields or "longitude" in fields:
        fields.setdefault("latitude", proposal.latitude)
        fields.setdefault("longitude", proposal.longitude)
    data = _validated(proposal.process, **fields)
    if not data:
        return proposal
    data["updated_at"] = timezone.now()
    # Only while nobody supports it: a support given meanwhile makes this change nothing.
    changed = Proposal.objects.filter(
        pk=proposal.pk, supports_count=0, withdrawn_at__isnull=True
    ).update(**data)
    if not changed:
        raise ValidationError(
            _("A proposal that people already support cannot be changed any more.")
        )
    proposal.refresh_from_db()
    return proposal


@transaction.atomic
def proposal_withdraw(actor: Any, proposal: Proposal) -> Proposal:
    """The author takes the proposal back: it stays readable, marked withdrawn, leaves the lists
    and takes no more supports."""
    if not actor.is_authenticated or proposal.author_id != actor.pk:
        raise PermissionDenied(_("Only the author withdraws a proposal."))
    now = timezone.now()
    changed = Proposal.objects.filter(pk=proposal.pk, withdrawn_at__isnull=True).update(
        withdrawn_at=now, updated_at=now
    )
    if not changed:
        raise ValidationError(_("This proposal is already withdrawn."))
    proposal.refresh_from_db()
    audit_record(
        actor=actor,
        action="participation.proposal_withdrawn",
        target=proposal,
        changes={"withdrawn_at": [None, str(now)]},
    )
    return proposal


# --- Supports ---------------------------------------------------------------------------------


@transaction.atomic
def proposal_support(actor: Any, proposal: Proposal) -> bool:
    """Support a proposal; False when the person already supports it (nothing changes).

    When the supports reach the process's threshold, the city's representatives and the author
    are told, once in the proposal's life.
    """
    proposal = Proposal.objects.select_related("process__space").get(pk=proposal.pk)
    process = proposal.process
    require_take_part(actor, process.space)
    require_feature(process.space, Feature.PROPOSALS)
    if proposal.withdrawn_at is not None:
        raise ValidationError(_("A withdrawn proposal takes no more supports."))
    if proposal.moderation != Moderation.VISIBLE:
        raise ValidationError(_("A hidden proposal takes no supports."))
    if not supports_open(process):
        raise ValidationError(
            _("Supports are given only during the process's proposals and voting phases.")
        )
    try:
        with transaction.atomic():
            Support.objects.create(proposal=proposal, user=actor)
    except IntegrityError:
        return False
    counted = Proposal.objects.filter(
        pk=proposal.pk, withdrawn_at__isnull=True, moderation=Moderation.VISIBLE
    ).update(supports_count=F("supports_count") + 1)
    if not counted:
        # Withdrawn or hidden in the meantime: the support row goes with the rollback.
        raise ValidationError(_("This proposal takes no more supports."))
    count = Proposal.objects.filter(pk=proposal.pk).values_list("supports_count", flat=True).get()
    if count >= process.support_threshold:
        _threshold_reached(proposal, count)
    return True


def _threshold_reached(proposal: Proposal, count: int) -> None:
    """Tell the city and the author, the first time only (the audit trail remembers it; the
    counter's row lock, held until commit, makes a second concurrent crossing see it)."""
    already = AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Proposal),
        object_id=str(proposal.pk),
        action=THRESHOLD_ACTION,
    ).exists()
    if already:
        return
    process = proposal.process
    audit_record(
        actor=None,
        action=THRESHOLD_ACTION,
        target=proposal,
        changes={"supports_count": [None, str(count)]},
        note=ngettext(
            "Reached the %(threshold)d support the process asks for.",
            "Reached the %(threshold)d supports the process asks for.",
            process.support_threshold,
        )
        % {"threshold": process.support_threshold},
    )
    services_notify.notify(
        space=process.space,
        verb="proposal.threshold",
        text=ngettext(
            "“%(title)s” reached %(threshold)d support and waits for the city's answer.",
            "“%(title)s” reached %(threshold)d supports and waits for the city's answer.",
            process.support_threshold,
        )
        % {"title": proposal.title, "threshold": process.support_threshold},
        url=proposal.get_absolute_url(),
        recipients=[*selectors.representatives(process.space), proposal.author],
    )


@transaction.atomic
def proposal_unsupport(actor: Any, proposal: Proposal) -> bool:
    """Take one's support back; False when there was none."""
    if not actor.is_authenticated:
        raise PermissionDenied
    proposal = Proposal.objects.select_related("process__space").get(pk=proposal.pk)
    if proposal.withdrawn_at is not None:
        raise ValidationError(_("The supports of a withdrawn proposal stay as they were."))
    if not supports_open(proposal.process):
        raise ValidationError(
            _("Supports are taken back only during the process's proposals and voting phases.")
        )
    deleted, _rows = Support.objects.filter(proposal=proposal, user=actor).delete()
    if not deleted:
        return False
    Proposal.objects.filter(pk=proposal.pk, supports_count__gt=0).update(
        supports_count=F("supports_count") - 1
    )
    return True


# --- The city's answer and the project ----------------------------------------------------------


@transaction.atomic
def proposal_answer(actor: Any, proposal: Proposal, *, answer: str, text: str = "") -> Proposal:
    """The city answers (evaluating, accepted or rejected, with its reasons); it may change its
    answer later. Each change is audited and told to the author and followers."""
    authorize(actor, "participation.answer_proposal", proposal)
    text = clean_html(text)
    errors: dict[str, list[str]] = {}
    if answer not in ANSWERS:
        errors["answer"] = [_("Choose evaluating, accepted or rejected.")]
    if answer == AnswerStatus.REJECTED and not plain_text(text):
        errors["answer_text"] = [_("Say why the proposal is rejected.")]
    if len(text) > MAX_LENGTH:
        errors["answer_text"] = [_("The answer is too long.")]
    if errors:
        raise ValidationError(errors)
    proposal = _locked(proposal)
    if proposal.project_id and answer != AnswerStatus.ACCEPTED:
        raise ValidationError(
            {"answer": _("This proposal is followed as a project: unlink the project first.")}
        )
    fields = ["answer", "answer_text"]
    before = snapshot(proposal, fields)
    proposal.answer, proposal.answer_text = answer, text
    changes = diff(before, snapshot(proposal, fields))
    if not changes:
        return proposal
    proposal.answered_at = timezone.now()
    proposal.answered_by = actor
    proposal.save(update_fields=[*fields, "answered_at", "answered_by", "updated_at"])
    audit_record(
        actor=actor, action="participation.proposal_answered", target=proposal, changes=changes
    )
    _tell(
        proposal,
        verb="proposal.answered",
        text=_("The city answered “%(title)s”: %(answer)s.")
        % {"title": proposal.title, "answer": AnswerStatus(answer).label},
        actor=actor,
    )
    return proposal


def _require_linkable(actor: Any, proposal: Proposal) -> None:
    authorize(actor, "participation.link_project", proposal)
    require_feature(proposal.process.space, Feature.ACCOUNTABILITY)
    if proposal.answer != AnswerStatus.ACCEPTED:
        raise ValidationError(
            {"project": _("Only an accepted proposal becomes a project: accept it first.")}
        )


@transaction.atomic
def proposal_link_project(actor: Any, proposal: Proposal, project: Project) -> Proposal:
    """Follow an accepted proposal as one of the city's own projects: its title, stage and
    milestones show on the proposal's page to everyone."""
    proposal = _locked(proposal)
    _require_linkable(actor, proposal)
    space = proposal.process.space
    if project.organisation_id != space.organisation_id:
        raise ValidationError({"project": _("Choose one of the city's own projects.")})
    if proposal.project_id == project.pk:
        return proposal
    before = {"project": str(proposal.project) if proposal.project_id else None}
    proposal.project = project
    proposal.save(update_fields=["project", "updated_at"])
    audit_record(
        actor=actor,
        action="participation.proposal_project_linked",
        target=proposal,
        changes=diff(before, {"project": str(project)}),
    )
    _tell(
        proposal,
        verb="proposal.project",
        text=_("“%(title)s” is now followed as the project %(project)s.")
        % {"title": proposal.title, "project": project.title},
        actor=actor,
    )
    return proposal


@transaction.atomic
def proposal_create_project(actor: Any, proposal: Proposal, *, stage: str = Stage.IDEA) -> Project:
    """A new project of the city made from an accepted proposal (its title, its words as the
    summary), linked to it."""
    proposal = _locked(proposal)
    _require_linkable(actor, proposal)
    organisation = proposal.process.space.organisation
    authorize(actor, "projects.add_project", organisation)
    if stage not in PROJECT_STAGES:
        raise ValidationError({"stage": _("A new project starts as an idea or a proposal.")})
    project = project_create(
        actor=actor,
        organisation=organisation,
        title=proposal.title,
        summary=plain_text(proposal.body),
        stage=stage,
    )
    proposal_link_project(actor, proposal, project)
    return project


@transaction.atomic
def proposal_unlink_project(actor: Any, proposal: Proposal) -> Proposal:
    """The proposal is no longer followed as that project (the project itself stays)."""
    authorize(actor, "participation.link_project", proposal)
    proposal = _locked(proposal)
    if proposal.project_id is None:
        return proposal
    old = proposal.project
    proposal.project = None
    proposal.save(update_fields=["project", "updated_at"])
    audit_record(
        actor=actor,
        action="participation.proposal_project_unlinked",
        target=proposal,
        changes={"project": [str(old), None]},
    )
    _tell(
        proposal,
        verb="proposal.project",
        text=_("“%(title)s” is no longer followed as the project %(project)s.")
        % {"title": proposal.title, "project": old.title},
        actor=actor,
    )
    return proposal
