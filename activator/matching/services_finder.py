"""Solution Finder requests: what the Secretariat does with a city's application to the standing
Solution Finder call.

The city applies through the calls engine (form, files, submission); submitting opens a
`FinderRequest`, which then moves forward through the stages of `FinderStage`: staff take it
(under review), give preliminary feedback, clarify it with the city in a thread, connect the city
with partners, and close it, at best as a project of the city with those partners on it.

Permissions are checked by the callers (pages) through `matching.rules`
(`matching.view_finder_request`, `matching.handle_finder_request`); these functions check that
each step comes in its order, write the audit trail and e-mail the other side.
"""

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from activator.accounts.enums import AffiliationRole
from activator.accounts.models import Affiliation
from activator.calls import services as calls_services
from activator.calls.enums import ApplicationStatus, CallKind, CallStatus, Outcome, QuestionKind
from activator.calls.models import Application, Call, Question
from activator.core.audit import audit_for, audit_record
from activator.matching.enums import FinderOutcome, FinderStage
from activator.matching.models import (
    Challenge,
    FinderMessage,
    FinderPartner,
    FinderRequest,
    Solution,
)
from activator.members.enums import OrganisationType
from activator.members.models import Organisation
from activator.projects.enums import PartnerRole, Stage
from activator.projects.models import Project

TEXT_MAX = 5000
NOTE_MAX = 500
STAGES = list(FinderStage.values)
# The steps after which each action makes sense (a step may be repeated while it is current).
FEEDBACK_FROM = (FinderStage.IN_REVIEW, FinderStage.FEEDBACK, FinderStage.CLARIFICATION)
CONNECT_FROM = (FinderStage.FEEDBACK, FinderStage.CLARIFICATION, FinderStage.CONNECTED)
# The role a connected partner takes on the project the request becomes.
PARTNER_ROLE = {
    OrganisationType.LOCAL_GOVERNMENT: PartnerRole.PARTNER_CITY,
    OrganisationType.CORPORATION: PartnerRole.SOLUTION_PROVIDER,
    OrganisationType.INSTITUTION: PartnerRole.ACADEMIA,
}


def stage_index(stage: str) -> int:
    return STAGES.index(stage)


# --- Reading ----------------------------------------------------------------------------------


def open_finder_call(now: datetime.datetime | None = None) -> Call | None:
    """The Solution Finder call taking requests now (the standing one), if any."""
    now = now or timezone.now()
    return (
        Call.objects.filter(
            kind=CallKind.SOLUTION_FINDER,
            status=CallStatus.OPEN,
            opens_at__lte=now,
            deadline__gt=now,
        )
        .order_by("deadline", "pk")
        .first()
    )


def challenge_question(call: Call) -> Question | None:
    """The question that takes the city's challenge: the form's first long-text question."""
    return call.questions.filter(kind=QuestionKind.LONG_TEXT).order_by("position", "pk").first()


def challenge_text(challenge: Challenge) -> str:
    """A challenge written out for the request form, with its budget and timeline."""
    lines = [challenge.title, "", challenge.description.strip()]
    if challenge.budget_min or challenge.budget_max:
        if challenge.budget_min and challenge.budget_max:
            budget = f"USD {challenge.budget_min:,} – {challenge.budget_max:,}"
        elif challenge.budget_max:
            budget = _("up to USD %(amount)s") % {"amount": f"{challenge.budget_max:,}"}
        else:
            budget = _("from USD %(amount)s") % {"amount": f"{challenge.budget_min:,}"}
        lines += ["", _("Budget: %(budget)s") % {"budget": budget}]
    if challenge.start_by:
        lines.append(_("Start by: %(day)s") % {"day": challenge.start_by.isoformat()})
    if challenge.duration_months:
        lines.append(
            ngettext(
                "Duration: %(months)s month",
                "Duration: %(months)s months",
                challenge.duration_months,
            )
            % {"months": challenge.duration_months}
        )
    return "\n".join(lines).strip()


def city_emails(request: FinderRequest) -> list[str]:
    """Who speaks for the city on a request: the applicant and the city's representatives."""
    application = request.application
    emails = [application.applicant.email]
    if application.organisation_id:
        emails += Affiliation.objects.filter(
            organisation_id=application.organisation_id,
            role=AffiliationRole.REPRESENTATIVE,
            user__is_active=True,
        ).values_list("user__email", flat=True)
    return list(dict.fromkeys(e for e in emails if e))


def staff_emails(request: FinderRequest) -> list[str]:
    """Who hears from the city: the person handling the request, else the call's address."""
    if request.handled_by_id and request.handled_by.email:
        return [request.handled_by.email]
    return (
        [request.application.call.contact_email] if request.application.call.contact_email else []
    )


def partner_emails(partner: FinderPartner) -> list[str]:
    emails = list(
        Affiliation.objects.filter(
            organisation_id=partner.organisation_id,
            role=AffiliationRole.REPRESENTATIVE,
            user__is_active=True,
        ).values_list("user__email", flat=True)
    )
    if partner.solution_id and partner.solution.contact_id:
        emails.append(partner.solution.contact.email)
    return list(dict.fromkeys(e for e in emails if e))


def suggestions(request: FinderRequest, limit: int = 5) -> list[Any]:
    """The solutions that best match the request's challenge, to help staff choose partners.

    Empty when the request names no challenge or ranking is not available.
    """
    if request.challenge_id is None:
        return []
    try:
        from activator.matching.ranking import solutions_for_challenge
    except ImportError:
        return []
    return solutions_for_challenge(request.challenge, limit=limit)


# --- Helpers ----------------------------------------------------------------------------------


def _locked(request: FinderRequest) -> FinderRequest:
    return (
        FinderRequest.objects.select_for_update(of=("self",))
        .select_related("application__call", "application__applicant", "application__organisation")
        .get(pk=request.pk)
    )


def _refuse_unless_open(request: FinderRequest) -> None:
    if request.stage == FinderStage.CLOSED:
        raise ValidationError(_("This request is closed."), code="closed")
    if request.application.status == ApplicationStatus.DRAFT:
        raise ValidationError(_("This request has not been submitted yet."), code="draft")


def _refuse_if_withdrawn(request: FinderRequest) -> None:
    """A request the city took back only awaits closing as withdrawn."""
    if request.application.status == ApplicationStatus.WITHDRAWN:
        raise ValidationError(_("The city withdrew this request; close it."), code="withdrawn")


def _clean_text(value: str, field: str, empty: str, limit: int = TEXT_MAX) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationError({field: empty})
    if len(text) > limit:
        raise ValidationError(
            {
                field: _("At most %(limit)s characters (this is %(length)s).")
                % {"limit": limit, "length": len(text)}
            }
        )
    return text


def _move(actor: Any, request: FinderRequest, stage: str, action: str, note: str = "") -> None:
    """Set the stage (when it changes) and record the step."""
    before = request.stage
    request.stage = stage
    request.save()
    changes = {"stage": [before, stage]} if before != stage else {}
    audit_record(actor=actor, action=action, target=request, changes=changes, note=note)


def _notify(to: list[str], subject: str, template: str, request: FinderRequest, **extra) -> None:
    calls_services.notify(
        to=to,
        subject=subject,
        template=f"matching/finder/email/{template}.txt",
        context={"request": request, "application": request.application, **extra},
    )


# --- Writing ----------------------------------------------------------------------------------


@transaction.atomic
def request_start(*, actor: Any, challenge: Challenge, call: Call | None = None) -> Application:
    """A draft request to the Solution Finder call for `challenge`'s city, its text prefilled.

    The city then completes and submits it on the calls pages; the request remembers the
    challenge so staff see the matches ranked for it. A draft already started for the same
    challenge is returned instead of a second one.
    """
    call = call or open_finder_call()
    if call is None:
        raise ValidationError(_("The Solution Finder is not taking requests at the moment."))
    existing = (
        FinderRequest.objects.filter(
            challenge=challenge,
            application__call=call,
            application__status=ApplicationStatus.DRAFT,
        )
        .select_related("application")
        .first()
    )
    if existing is not None:
        return existing.application
    application = calls_services.application_start(
        actor=actor, call=call, organisation=challenge.city, title=challenge.title[:200]
    )
    question = challenge_question(call)
    if question is not None:
        application = calls_services.application_save(
            actor=actor,
            application=application,
            answers={str(question.pk): challenge_text(challenge)[: question.max_length or 10_000]},
        )
    request = FinderRequest.objects.create(application=application, challenge=challenge)
    audit_record(actor=actor, action="finder.request_started", target=request, note=str(challenge))
    return application


@transaction.atomic
def request_opened(*, actor: Any, application: Application) -> FinderRequest:
    """The request behind a submitted Solution Finder application; staff are told of it.

    Called by the calls engine on each submission; a request already opened (submitted again
    after revisions) is left as it is.
    """
    request, created = FinderRequest.objects.get_or_create(application=application)
    if not created and audit_for(request).filter(action="finder.request_opened").exists():
        return request
    audit_record(
        actor=actor, action="finder.request_opened", target=request, note=application.applicant_name
    )
    call = application.call
    _notify(
        [call.contact_email] if call.contact_email else [],
        _("New Solution Finder request: %(city)s") % {"city": application.applicant_name},
        "opened",
        request,
    )
    return request


@transaction.atomic
def request_review_start(*, actor: Any, request: FinderRequest) -> FinderRequest:
    """A member of staff takes the request: it is under review and they handle it from now on."""
    request = _locked(request)
    _refuse_unless_open(request)
    _refuse_if_withdrawn(request)
    if request.stage != FinderStage.SUBMITTED:
        raise ValidationError(_("This request is already under review."), code="order")
    request.handled_by = actor
    _move(actor, request, FinderStage.IN_REVIEW, "finder.review_started", note=str(actor))
    return request


@transaction.atomic
def feedback_give(*, actor: Any, request: FinderRequest, text: str) -> FinderRequest:
    """The Secretariat's preliminary feedback to the city; giving it again replaces it."""
    request = _locked(request)
    _refuse_unless_open(request)
    _refuse_if_withdrawn(request)
    if request.stage not in FEEDBACK_FROM:
        raise ValidationError(_("Start the review before giving feedback."), code="order")
    text = _clean_text(text, "feedback", _("Write the feedback."))
    request.feedback = text
    request.feedback_at = timezone.now()
    stage = FinderStage.FEEDBACK if request.stage == FinderStage.IN_REVIEW else request.stage
    _move(actor, request, stage, "finder.feedback_given", note=text[:300])
    _notify(
        city_emails(request),
        _("Preliminary feedback on your Solution Finder request"),
        "feedback",
        request,
    )
    return request


@transaction.atomic
def message_post(*, actor: Any, request: FinderRequest, body: str) -> FinderMessage:
    """A message in the clarification thread, e-mailed to the other side.

    Staff asking something after the feedback start the clarification stage.
    """
    request = _locked(request)
    _refuse_unless_open(request)
    _refuse_if_withdrawn(request)
    body = _clean_text(body, "body", _("Write a message."))
    from_staff = bool(actor.has_perm("matching.handle_finder_request", request))
    message = FinderMessage.objects.create(
        request=request, author=actor, from_staff=from_staff, body=body
    )
    if from_staff and request.stage == FinderStage.FEEDBACK:
        _move(actor, request, FinderStage.CLARIFICATION, "finder.message_posted", note=body[:300])
    else:
        audit_record(actor=actor, action="finder.message_posted", target=request, note=body[:300])
    to = city_emails(request) if from_staff else staff_emails(request)
    _notify(
        [e for e in to if e != actor.email],
        _("New message on the Solution Finder request %(title)s")
        % {"title": request.application.title},
        "message",
        request,
        message=message,
    )
    return message


@transaction.atomic
def partner_connect(
    *,
    actor: Any,
    request: FinderRequest,
    organisation: Organisation,
    solution: Solution | None = None,
    note: str = "",
) -> FinderPartner:
    """Connect the city with a partner (for one of its solutions, if given); both are told."""
    request = _locked(request)
    _refuse_unless_open(request)
    _refuse_if_withdrawn(request)
    if request.stage not in CONNECT_FROM:
        raise ValidationError(
            _("Give the city preliminary feedback before connecting partners."), code="order"
        )
    if organisation.pk == request.application.organisation_id:
        raise ValidationError({"organisation": _("The city cannot be its own partner.")})
    if solution is not None and solution.provider_id != organisation.pk:
        raise ValidationError({"solution": _("This solution is offered by another organisation.")})
    if request.partners.filter(organisation=organisation).exists():
        raise ValidationError({"organisation": _("This partner is already connected.")})
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise ValidationError(
            {
                "note": _("At most %(limit)s characters (this is %(length)s).")
                % {"limit": NOTE_MAX, "length": len(note)}
            }
        )
    partner = FinderPartner.objects.create(
        request=request,
        organisation=organisation,
        solution=solution,
        note=note,
        connected_by=actor,
    )
    _move(actor, request, FinderStage.CONNECTED, "finder.partner_connected", note=str(organisation))
    _notify(
        city_emails(request),
        _("You are connected with %(partner)s") % {"partner": organisation.name},
        "connected_city",
        request,
        partner=partner,
    )
    _notify(
        partner_emails(partner),
        _("The WeGO Secretariat connects you with %(city)s")
        % {"city": request.application.applicant_name},
        "connected_partner",
        request,
        partner=partner,
    )
    return partner


def _project_for(actor: Any, request: FinderRequest, project: Project | None) -> Project:
    """The city's project the request becomes: the one chosen, else a new one from the request."""
    from activator.projects.services import partner_add, project_create

    city = request.application.organisation
    if city is None:
        raise ValidationError(_("Only a city's request becomes a project."))
    if project is not None and project.organisation_id != city.pk:
        raise ValidationError({"project": _("Choose one of the city's projects.")})
    if project is None:
        challenge = request.challenge
        project = project_create(
            actor=actor,
            organisation=city,
            title=request.application.title,
            summary=_("Started through the Solution Finder with %(partners)s.")
            % {"partners": ", ".join(p.organisation.name for p in request.partners.all())},
            stage=Stage.PROPOSAL,
            year=timezone.localdate().year,
            sectors=challenge.sectors.all() if challenge else None,
            pillars=challenge.pillars.all() if challenge else None,
        )
    present = set(project.partners.values_list("organisation_id", flat=True))
    for partner in request.partners.select_related("organisation"):
        if partner.organisation_id in present:
            continue
        partner_add(
            actor=actor,
            project=project,
            organisation=partner.organisation,
            role=PARTNER_ROLE.get(partner.organisation.type, PartnerRole.OTHER),
        )
    return project


@transaction.atomic
def request_close(
    *,
    actor: Any,
    request: FinderRequest,
    outcome: str,
    note: str = "",
    project: Project | None = None,
) -> FinderRequest:
    """Close the request with its outcome.

    "project": the request becomes `project` (one of the city's) or a new project of the city,
    with the connected partners on it, and the application is accepted. "withdrawn": the
    application is withdrawn too. "no_partner": the application stays as it is.
    """
    request = _locked(request)
    _refuse_unless_open(request)
    if outcome not in FinderOutcome.values:
        raise ValidationError({"outcome": _("Choose an outcome.")})
    if outcome != FinderOutcome.WITHDRAWN:
        _refuse_if_withdrawn(request)
    if outcome == FinderOutcome.PROJECT:
        if request.stage != FinderStage.CONNECTED:
            raise ValidationError(
                _("Connect the city with a partner before the request becomes a project."),
                code="order",
            )
        request.project = _project_for(actor, request, project)
    elif outcome == FinderOutcome.NO_PARTNER and request.stage == FinderStage.SUBMITTED:
        raise ValidationError(_("Review the request before closing it."), code="order")
    note = (note or "").strip()
    request.outcome = outcome
    request.outcome_note = note
    request.closed_at = timezone.now()
    _move(actor, request, FinderStage.CLOSED, "finder.request_closed", note=outcome)
    application = request.application
    if outcome == FinderOutcome.PROJECT and application.status == ApplicationStatus.SUBMITTED:
        if not application.outcome:
            calls_services.decide(
                actor=actor, applications=[application], outcome=Outcome.ACCEPTED, note=note
            )
    elif outcome == FinderOutcome.WITHDRAWN and not application.outcome:
        calls_services.application_withdraw(actor=actor, application=application)
    _notify(
        city_emails(request),
        _("Your Solution Finder request is closed"),
        "closed",
        request,
    )
    return request
