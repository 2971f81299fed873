"""Writes for calls and applications. Pages, the API and commands all call these.

Every function runs in one transaction, checks its input and records each state change in the
audit trail. Deadlines are compared as instants, so the call's time zone decides what "before
midnight" means and the server's clock is the only clock that counts.
"""

import datetime
import decimal
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from activator.calls.eligibility import eligibility_problems
from activator.calls.enums import (
    ApplicationStatus,
    CallKind,
    CallStatus,
    Outcome,
    QuestionKind,
)
from activator.calls.models import (
    Application,
    ApplicationFile,
    Call,
    Category,
    Criterion,
    DecisionLevel,
    Phase,
    Question,
)
from activator.core.audit import audit_record, diff, snapshot
from activator.core.tasks import send_email
from activator.members.models import Organisation
from activator.projects.models import Project

CALL_FIELDS = [
    "kind",
    "title",
    "year",
    "summary",
    "description",
    "benefits",
    "organiser",
    "office",
    "contact_email",
    "time_zone",
    "opens_at",
    "deadline",
    "applicant_types",
    "members_only",
    "membership_statuses",
    "max_age",
    "one_per_category",
    "exclude_same_country",
    "anonymous_review",
]
APPLICATION_FIELDS = ["title", "category", "status", "outcome", "level", "country", "birth_date"]
# The parts of a call edited one by one on its set-up page.
CALL_PARTS = (Category, Phase, DecisionLevel, Question)
REVISION_DAYS = 21


def notify(*, to: list[str], subject: str, template: str, context: dict[str, Any]) -> None:
    """Queue an e-mail once the transaction commits, so a rolled-back write sends nothing."""
    to = [address for address in to if address]
    if not to:
        return
    body = render_to_string(template, {"site_url": settings.SITE_URL, **context})
    transaction.on_commit(lambda: send_email.enqueue(subject=subject, body=body, to=to))


def _actor_or_none(actor: Any) -> Any:
    return actor if actor is not None and actor.is_authenticated else None


def unique_call_slug(title: str, year: int, exclude_id: int | None = None) -> str:
    base = slugify(f"{title} {year}" if str(year) not in title else title)[:200] or "call"
    slug, n = base, 2
    while Call.objects.filter(slug=slug).exclude(pk=exclude_id).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


# --- Calls -----------------------------------------------------------------------------------


@transaction.atomic
def call_create(
    *,
    actor: Any,
    categories: Iterable[str] = (),
    regions: Iterable[Any] | None = None,
    **fields: Any,
) -> Call:
    """A draft call; staff open it when its form and timeline are ready."""
    unknown = set(fields) - set(CALL_FIELDS)
    if unknown:
        raise TypeError(f"Unknown call fields: {sorted(unknown)}")
    categories = [name.strip() for name in categories if name.strip()]
    if len({name.casefold() for name in categories}) != len(categories):
        raise ValidationError({"categories": _("Each category may be listed only once.")})
    if any(len(name) > 200 for name in categories):
        raise ValidationError({"categories": _("Category names have at most 200 characters.")})
    call = Call(**fields, created_by=_actor_or_none(actor))
    call.slug = unique_call_slug(call.title, call.year or 0)
    call.full_clean(exclude=["slug"])
    call.save()
    if regions is not None:
        call.regions.set(regions)
    Category.objects.bulk_create(
        Category(call=call, name=name, position=i) for i, name in enumerate(categories)
    )
    audit_record(
        actor=actor,
        action="call.created",
        target=call,
        changes=diff({}, snapshot(call, CALL_FIELDS)),
    )
    return call


@transaction.atomic
def call_update(
    *, actor: Any, call: Call, regions: Iterable[Any] | None = None, **fields: Any
) -> Call:
    unknown = set(fields) - set(CALL_FIELDS)
    if unknown:
        raise TypeError(f"Unknown call fields: {sorted(unknown)}")
    before = snapshot(call, CALL_FIELDS)
    before_regions = sorted(call.regions.values_list("name", flat=True))
    for name, value in fields.items():
        setattr(call, name, value)
    call.full_clean()
    call.save()
    if regions is not None:
        call.regions.set(regions)
    changes = diff(before, snapshot(call, CALL_FIELDS))
    after_regions = sorted(call.regions.values_list("name", flat=True))
    if after_regions != before_regions:
        changes["regions"] = [", ".join(before_regions), ", ".join(after_regions)]
    if changes:
        audit_record(actor=actor, action="call.updated", target=call, changes=changes)
    return call


def _set_status(actor: Any, call: Call, status: str, action: str) -> Call:
    if call.status == status:
        return call
    before = call.status
    call.status = status
    call.save(update_fields=["status", "updated_at"])
    audit_record(actor=actor, action=action, target=call, changes={"status": [before, status]})
    return call


@transaction.atomic
def call_open(*, actor: Any, call: Call) -> Call:
    """Publish the call: it shows on the public pages and accepts applications in its dates."""
    if call.categories.count() == 0 and call.kind in (CallKind.AWARD, CallKind.PRIZE):
        raise ValidationError(_("An award needs at least one category before it opens."))
    return _set_status(actor, call, CallStatus.OPEN, "call.opened")


@transaction.atomic
def call_close(*, actor: Any, call: Call) -> Call:
    """Stop taking applications now, whatever the deadline says."""
    return _set_status(actor, call, CallStatus.CLOSED, "call.closed")


def _shift_years(moment: Any, years: int) -> Any:
    if moment is None or years == 0:
        return moment
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:  # 29 February
        return moment.replace(year=moment.year + years, day=28)


@transaction.atomic
def call_copy(*, actor: Any, call: Call, year: int | None = None) -> Call:
    """Next year's call from this one: same form, rubric and levels, dates moved by the years.

    Applications, reviewers, bids and decisions stay with the original.
    """
    year = year or call.year + 1
    years = year - call.year
    title = call.title.replace(str(call.year), str(year))
    fields = {name: getattr(call, name) for name in CALL_FIELDS}
    fields.update(
        title=title,
        year=year,
        opens_at=_shift_years(call.opens_at, years),
        deadline=_shift_years(call.deadline, years),
    )
    copy = Call(**fields, created_by=_actor_or_none(actor), copied_from=call)
    copy.slug = unique_call_slug(title, year)
    copy.full_clean(exclude=["slug"])
    copy.save()
    copy.regions.set(call.regions.all())
    for model in CALL_PARTS:
        items = []
        for item in model.objects.filter(call=call):
            item.pk = None
            item.call = copy
            if isinstance(item, Phase):
                item.starts_on = _shift_years(item.starts_on, years)
                item.ends_on = _shift_years(item.ends_on, years)
            items.append(item)
        model.objects.bulk_create(items)
    for review_round in call.rounds.all():
        criteria = list(review_round.criteria.all())
        review_round.pk = None
        review_round.call = copy
        review_round.status = "setup"
        review_round.ends_on = _shift_years(review_round.ends_on, years)
        review_round.save()
        for criterion in criteria:
            criterion.pk = None
            criterion.round = review_round
        Criterion.objects.bulk_create(criteria)
    audit_record(
        actor=actor,
        action="call.copied",
        target=copy,
        note=_("Copied from %(call)s") % {"call": call.title},
    )
    return copy


@transaction.atomic
def results_publish(*, actor: Any, call: Call) -> Call:
    """Put the decisions on the public results page, closing the call if it is still open."""
    if not call.applications.filter(outcome__in=("winner", "selected", "accepted")).exists():
        raise ValidationError(_("There is no winner or selected application to publish yet."))
    # Results end the call: it takes no more applications once they are public.
    _set_status(actor, call, CallStatus.CLOSED, "call.closed")
    call.results_published_at = timezone.now()
    call.save(update_fields=["results_published_at", "updated_at"])
    audit_record(actor=actor, action="call.results_published", target=call)
    return call


@transaction.atomic
def results_unpublish(*, actor: Any, call: Call) -> Call:
    call.results_published_at = None
    call.save(update_fields=["results_published_at", "updated_at"])
    audit_record(actor=actor, action="call.results_unpublished", target=call)
    return call


@transaction.atomic
def part_save(*, actor: Any, call: Call, item: Any) -> Any:
    """Save one category, phase, decision level or question of `call`."""
    if not isinstance(item, CALL_PARTS):
        raise TypeError(f"Not a part of a call: {type(item).__name__}")
    creating = item.pk is None
    item.call = call
    if isinstance(item, Question):
        _validate_question(item)
    item.full_clean()
    item.save()
    kind = type(item).__name__.lower()
    audit_record(
        actor=actor,
        action=f"call.{kind}_{'added' if creating else 'changed'}",
        target=call,
        note=str(item),
    )
    return item


@transaction.atomic
def part_remove(*, actor: Any, item: Any) -> None:
    if not isinstance(item, CALL_PARTS):
        raise TypeError(f"Not a part of a call: {type(item).__name__}")
    if isinstance(item, Category) and item.applications.exists():
        raise ValidationError(_("Applications use this category; it cannot be removed."))
    if isinstance(item, DecisionLevel) and item.applications.exists():
        raise ValidationError(_("Decisions use this level; it cannot be removed."))
    if isinstance(item, Question) and (
        item.files.exists() or item.call.applications.filter(answers__has_key=str(item.pk)).exists()
    ):
        raise ValidationError(_("Applications answer this question; it cannot be removed."))
    call = item.call
    kind = type(item).__name__.lower()
    label = str(item)
    item.delete()
    audit_record(actor=actor, action=f"call.{kind}_removed", target=call, note=label)


def _validate_question(question: Question) -> None:
    if question.kind == QuestionKind.CHOICE:
        choices = [str(c).strip() for c in question.choices or [] if str(c).strip()]
        if len(choices) < 2:
            raise ValidationError({"choices": _("A choice question needs at least two choices.")})
        question.choices = choices
    else:
        question.choices = []


# --- Applying ---------------------------------------------------------------------------------


def _deadline_text(call: Call, moment: datetime.datetime) -> str:
    local = call.local(moment)
    return f"{local:%Y-%m-%d %H:%M} ({call.time_zone})"


def editable_until(application: Application) -> datetime.datetime | None:
    """Until when the applicant may still change it, or None when they no longer may."""
    if application.outcome and application.status != ApplicationStatus.REVISIONS_REQUESTED:
        return None
    if application.status == ApplicationStatus.WITHDRAWN:
        return None
    if application.status == ApplicationStatus.REVISIONS_REQUESTED:
        return application.revision_due
    if application.call.status != CallStatus.OPEN:
        return None
    return application.call.deadline


def can_edit(application: Application, now: datetime.datetime | None = None) -> bool:
    until = editable_until(application)
    return until is not None and (now or timezone.now()) < until


def _refuse_unless_editable(application: Application, now: datetime.datetime) -> None:
    call = application.call
    if application.status == ApplicationStatus.WITHDRAWN:
        raise ValidationError(_("This application was withdrawn."), code="withdrawn")
    if application.outcome and application.status != ApplicationStatus.REVISIONS_REQUESTED:
        raise ValidationError(_("This application has been decided."), code="decided")
    if application.status == ApplicationStatus.REVISIONS_REQUESTED:
        if application.revision_due and now >= application.revision_due:
            raise ValidationError(
                _("Revisions were due by %(due)s.")
                % {"due": _deadline_text(call, application.revision_due)},
                code="late",
            )
        return
    if call.status != CallStatus.OPEN:
        raise ValidationError(_("This call is closed."), code="closed")
    if now < call.opens_at:
        raise ValidationError(
            _("Applications open on %(opens)s.") % {"opens": _deadline_text(call, call.opens_at)},
            code="not_open",
        )
    if now >= call.deadline:
        raise ValidationError(
            _("The deadline was %(deadline)s; applications are no longer accepted.")
            % {"deadline": _deadline_text(call, call.deadline)},
            code="late",
        )


def _clean_answer(question: Question, value: Any, organisation: Organisation | None) -> Any:
    """The stored form of one answer, or a ValidationError naming what is wrong."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    kind = question.kind
    if kind in (QuestionKind.SHORT_TEXT, QuestionKind.LONG_TEXT):
        text = str(value).strip()
        limit = question.max_length or (300 if kind == QuestionKind.SHORT_TEXT else 10_000)
        if len(text) > limit:
            raise ValidationError(
                _("At most %(limit)s characters (this is %(length)s).")
                % {"limit": limit, "length": len(text)}
            )
        return text
    if kind == QuestionKind.NUMBER:
        try:
            number = decimal.Decimal(str(value).strip().replace(",", ""))
        except decimal.InvalidOperation as error:
            raise ValidationError(_("Enter a number.")) from error
        if not number.is_finite():
            raise ValidationError(_("Enter a number."))
        return str(number)
    if kind == QuestionKind.CHOICE:
        if str(value) not in question.choices:
            raise ValidationError(_("Choose one of the listed answers."))
        return str(value)
    if kind == QuestionKind.DATE:
        if isinstance(value, datetime.date):
            return value.isoformat()
        try:
            return datetime.date.fromisoformat(str(value).strip()).isoformat()
        except ValueError as error:
            raise ValidationError(_("Enter a date as YYYY-MM-DD.")) from error
    if kind == QuestionKind.PROJECT:
        project_id = value.pk if isinstance(value, Project) else value
        try:
            project_id = int(project_id)
        except (TypeError, ValueError) as error:
            raise ValidationError(_("Choose one of your projects.")) from error
        if not 0 < project_id < 2**63:
            raise ValidationError(_("Choose one of your projects."))
        if (
            organisation is None
            or not Project.objects.filter(pk=project_id, organisation=organisation).exists()
        ):
            raise ValidationError(_("Choose one of your organisation's projects."))
        return project_id
    raise ValidationError(_("This question takes a file upload."))


def _clean_answers(
    application: Application, answers: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Merge `answers` (keyed by question id) into the stored ones; return them and any errors."""
    questions = {str(q.pk): q for q in application.call.questions.all()}
    stored = dict(application.answers)
    errors: dict[str, list[str]] = {}
    for key, value in answers.items():
        key = str(key)
        question = questions.get(key)
        if question is None:
            errors[key] = [_("There is no such question in this call's form.")]
            continue
        if question.kind == QuestionKind.FILE:
            continue
        try:
            cleaned = _clean_answer(question, value, application.organisation)
        except ValidationError as error:
            errors[key] = error.messages
            continue
        if cleaned is None:
            stored.pop(key, None)
        else:
            stored[key] = cleaned
    return stored, errors


def missing_answers(application: Application) -> list[Question]:
    """Required questions without an answer: what still stops a submission."""
    answered = set(application.answers)
    with_files = set(application.files.values_list("question_id", flat=True))
    return [
        q
        for q in application.call.questions.all()
        if q.required
        and (q.pk not in with_files if q.kind == QuestionKind.FILE else str(q.pk) not in answered)
    ]


def _snapshot(application: Application) -> dict[str, Any]:
    return snapshot(application, APPLICATION_FIELDS)


@transaction.atomic
def application_start(
    *,
    actor: Any,
    call: Call,
    organisation: Organisation | None,
    title: str,
    category: Category | None = None,
    birth_date: datetime.date | None = None,
    country: str = "",
    now: datetime.datetime | None = None,
) -> Application:
    """A draft application, created only when the applicant is eligible and the call accepts."""
    now = now or timezone.now()
    probe = Application(call=call, status=ApplicationStatus.DRAFT)
    _refuse_unless_editable(probe, now)
    problems = eligibility_problems(
        call,
        user=actor,
        organisation=organisation,
        category=category,
        birth_date=birth_date,
        country=country,
    )
    if problems:
        raise ValidationError([ValidationError(p, code="ineligible") for p in problems])
    if not title.strip():
        raise ValidationError({"title": _("Give the application a title.")})
    application = Application(
        call=call,
        category=category,
        applicant=actor,
        organisation=organisation,
        country=organisation.country if organisation else country,
        birth_date=birth_date if organisation is None else None,
        title=title.strip(),
    )
    application.full_clean()
    application.save()
    audit_record(
        actor=actor,
        action="application.started",
        target=application,
        changes=diff({}, _snapshot(application)),
    )
    return application


@transaction.atomic
def application_save(
    *,
    actor: Any,
    application: Application,
    answers: Mapping[str, Any] | None = None,
    files: Mapping[str, Any] | None = None,
    now: datetime.datetime | None = None,
    **fields: Any,
) -> Application:
    """Save a draft (or a submitted application before the deadline) as the applicant types.

    Drafts may be incomplete; an application already submitted must stay complete.
    """
    now = now or timezone.now()
    application = Application.objects.select_for_update().get(pk=application.pk)
    _refuse_unless_editable(application, now)
    unknown = set(fields) - {"title", "category", "birth_date", "country"}
    if unknown:
        raise TypeError(f"Unknown application fields: {sorted(unknown)}")
    before = _snapshot(application)
    for name, value in fields.items():
        setattr(application, name, value.strip() if isinstance(value, str) else value)
    if "title" in fields and not application.title:
        raise ValidationError({"title": _("Give the application a title.")})
    if {"category", "birth_date", "country"} & set(fields):
        problems = eligibility_problems(
            application.call,
            user=application.applicant,
            organisation=application.organisation,
            category=application.category,
            birth_date=application.birth_date,
            country=application.country,
            application=application,
        )
        if problems:
            raise ValidationError([ValidationError(p, code="ineligible") for p in problems])
    stored, errors = _clean_answers(application, answers or {})
    questions = {str(q.pk): q for q in application.call.questions.all()}
    for key in files or {}:
        question = questions.get(str(key))
        if question is None or question.kind != QuestionKind.FILE:
            errors[str(key)] = [_("This question does not take a file.")]
    if errors:
        raise ValidationError(errors)
    application.answers = stored
    application.full_clean()
    application.save()
    stored_files = []
    try:
        for key, upload in (files or {}).items():
            stored_files.append(_store_file(application, questions[str(key)], upload).file)
        if application.status == ApplicationStatus.SUBMITTED:
            missing = missing_answers(application)
            if missing:
                raise ValidationError(
                    {
                        str(q.pk): _("A submitted application must answer this question.")
                        for q in missing
                    }
                )
    except Exception:
        # The rows roll back with the transaction; the bytes already written must go too.
        for stored in stored_files:
            stored.delete(save=False)
        raise
    changes = diff(before, _snapshot(application))
    audit_record(
        actor=actor,
        action="application.saved",
        target=application,
        changes=changes,
        note=_("%(count)s answers") % {"count": len(stored)},
    )
    return application


def _store_file(application: Application, question: Question, upload: Any) -> ApplicationFile:
    previous = ApplicationFile.objects.filter(application=application, question=question).first()
    item = ApplicationFile(
        application=application, question=question, file=upload, name=upload.name[:255]
    )
    item.size = upload.size
    item.full_clean()
    if previous is not None:
        stored = previous.file
        previous.delete()
        transaction.on_commit(lambda: stored.delete(save=False))
    item.save()
    return item


@transaction.atomic
def application_submit(
    *, actor: Any, application: Application, now: datetime.datetime | None = None
) -> Application:
    """Submit before the deadline (in the call's time zone); refused and left a draft otherwise."""
    now = now or timezone.now()
    application = (
        Application.objects.select_for_update().select_related("call").get(pk=application.pk)
    )
    if application.status == ApplicationStatus.SUBMITTED:
        raise ValidationError(_("This application is already submitted."), code="submitted")
    _refuse_unless_editable(application, now)
    problems = eligibility_problems(
        application.call,
        user=application.applicant,
        organisation=application.organisation,
        category=application.category,
        birth_date=application.birth_date,
        country=application.country,
        application=application,
    )
    if problems:
        raise ValidationError([ValidationError(p, code="ineligible") for p in problems])
    missing = missing_answers(application)
    if missing:
        raise ValidationError(
            _("Answer every required question first: %(questions)s")
            % {"questions": "; ".join(q.label.rstrip(".") for q in missing)},
            code="incomplete",
        )
    before = _snapshot(application)
    resubmission = application.status == ApplicationStatus.REVISIONS_REQUESTED
    application.status = ApplicationStatus.SUBMITTED
    application.submitted_at = now
    if resubmission:
        application.outcome = ""
        application.revision_due = None
    application.save()
    audit_record(
        actor=actor,
        action="application.resubmitted" if resubmission else "application.submitted",
        target=application,
        changes=diff(before, _snapshot(application)),
    )
    call = application.call
    notify(
        to=[application.applicant.email],
        subject=_("Application received: %(call)s") % {"call": call.title},
        template="calls/email/submitted.txt",
        context={
            "application": application,
            "call": call,
            "submitted_at": _deadline_text(call, now),
            "deadline": _deadline_text(call, call.deadline),
        },
    )
    if call.kind == CallKind.SOLUTION_FINDER:
        # The Secretariat follows a city's request from here on (review, feedback, partners).
        from activator.matching.services_finder import request_opened

        request_opened(actor=actor, application=application)
    return application


@transaction.atomic
def application_withdraw(*, actor: Any, application: Application) -> Application:
    """The applicant takes the application back; it leaves every round and ranking."""
    application = Application.objects.select_for_update().get(pk=application.pk)
    if application.status == ApplicationStatus.WITHDRAWN:
        return application
    if application.outcome and application.outcome != Outcome.REVISIONS_REQUESTED:
        raise ValidationError(_("A decided application cannot be withdrawn."), code="decided")
    before = _snapshot(application)
    application.status = ApplicationStatus.WITHDRAWN
    application.withdrawn_at = timezone.now()
    application.save()
    application.reviews.filter(status="assigned").delete()
    audit_record(
        actor=actor,
        action="application.withdrawn",
        target=application,
        changes=diff(before, _snapshot(application)),
    )
    return application


# --- Decisions --------------------------------------------------------------------------------


@transaction.atomic
def decide(
    *,
    actor: Any,
    applications: Iterable[Application],
    outcome: str,
    level: DecisionLevel | None = None,
    note: str = "",
    revision_due: datetime.datetime | None = None,
) -> list[Application]:
    """Record one decision on each application (bulk from the ranking), and tell each applicant."""
    outcome = Outcome(outcome)
    decided: list[Application] = []
    ids = [a.pk for a in applications]
    rows = (
        Application.objects.select_for_update(of=("self",))
        .filter(pk__in=ids)
        .select_related("call", "applicant", "organisation")
    )
    for application in rows:
        call = application.call
        if application.status not in (
            ApplicationStatus.SUBMITTED,
            ApplicationStatus.REVISIONS_REQUESTED,
        ):
            raise ValidationError(
                _("%(code)s is %(status)s; only submitted applications are decided.")
                % {"code": application.code, "status": application.get_status_display().lower()}
            )
        if level is not None and (level.call_id != call.pk or outcome != Outcome.WINNER):
            raise ValidationError(_("A level goes with a winner of the same call."))
        before = _snapshot(application)
        application.outcome = outcome
        application.level = level
        application.decision_note = note
        application.decided_at = timezone.now()
        if outcome == Outcome.REVISIONS_REQUESTED:
            application.status = ApplicationStatus.REVISIONS_REQUESTED
            application.revision_due = revision_due or timezone.now() + datetime.timedelta(
                days=REVISION_DAYS
            )
        application.save()
        audit_record(
            actor=actor,
            action="application.decided",
            target=application,
            changes=diff(before, _snapshot(application)),
            note=note,
        )
        notify(
            to=[application.applicant.email],
            subject=_("Decision on your application to %(call)s") % {"call": call.title},
            template="calls/email/decided.txt",
            context={
                "application": application,
                "call": call,
                "revision_due": _deadline_text(call, application.revision_due)
                if application.revision_due
                else "",
            },
        )
        decided.append(application)
        if (
            call.kind == CallKind.CONSULTANT_SELECTION
            and outcome == Outcome.SELECTED
            and call.project_id is None
        ):
            feasibility_project_start(actor=actor, call=call, consultant=application)
    if len(decided) != len(set(ids)):
        raise ValidationError(_("Some applications were not found."))
    return decided


# --- Feasibility study ------------------------------------------------------------------------


@transaction.atomic
def consultant_call_create(
    *, actor: Any, call: Call, beneficiary: Application, deadline: datetime.datetime | None = None
) -> Call:
    """After a beneficiary city is selected, the call that chooses its consulting company."""
    if call.kind != CallKind.FEASIBILITY_STUDY:
        raise ValidationError(_("Consulting companies are chosen for a feasibility study call."))
    if beneficiary.call_id != call.pk or beneficiary.outcome != Outcome.SELECTED:
        raise ValidationError(_("Select the beneficiary city before choosing its consultant."))
    existing = call.follow_ups.filter(beneficiary=beneficiary).first()
    if existing is not None:
        return existing
    opens = timezone.now()
    consultant_call = call_create(
        actor=actor,
        kind=CallKind.CONSULTANT_SELECTION,
        title=_("Consulting company for %(title)s") % {"title": beneficiary.title},
        year=call.year,
        summary=_("Selection of the consulting company for the feasibility study in %(city)s.")
        % {"city": beneficiary.applicant_name},
        description=call.description,
        organiser=call.organiser,
        office=call.office,
        contact_email=call.contact_email,
        time_zone=call.time_zone,
        opens_at=opens,
        deadline=deadline or opens + datetime.timedelta(days=27),
        applicant_types=["corporation"],
        members_only=False,
        one_per_category=True,
        exclude_same_country=False,
        anonymous_review=call.anonymous_review,
    )
    consultant_call.parent = call
    consultant_call.beneficiary = beneficiary
    consultant_call.save(update_fields=["parent", "beneficiary"])
    return consultant_call


@transaction.atomic
def feasibility_project_start(*, actor: Any, call: Call, consultant: Application) -> Project:
    """The study becomes a project of the beneficiary city, at the feasibility stage."""
    from activator.projects.enums import PartnerRole, Stage, Visibility
    from activator.projects.services import partner_add, project_create

    beneficiary = call.beneficiary
    if beneficiary is None or beneficiary.organisation is None:
        raise ValidationError(_("This consultant selection has no beneficiary city."))
    project = project_create(
        actor=actor,
        organisation=beneficiary.organisation,
        title=beneficiary.title,
        summary=_("Feasibility study selected through %(call)s.")
        % {"call": call.parent.title if call.parent else call.title},
        stage=Stage.FEASIBILITY,
        year=call.year,
        start_date=timezone.localdate(),
        visibility=Visibility.MEMBERS,
    )
    if consultant.organisation is not None:
        partner_add(
            actor=actor,
            project=project,
            organisation=consultant.organisation,
            role=PartnerRole.CONSULTANT,
        )
    call.project = project
    call.save(update_fields=["project"])
    if call.parent is not None and call.parent.project_id is None:
        Call.objects.filter(pk=call.parent_id).update(project=project)
    audit_record(
        actor=actor,
        action="call.project_started",
        target=call,
        note=project.title,
    )
    return project
