"""Governance pages: the General Assemblies and EXCOM meetings through the years, one meeting
with its agenda, motions, votes and minutes, one motion with its live count or its result, the
ballot, and the managers' page that sets a meeting up.

A meeting or a motion a person may not see answers 404 (draft motions are seen by the meeting's
managers only); one they see but may not change answers 403 to a change. Votes stay secret while
voting is open (only how many were cast shows); after it closes each member's vote is published.
Every write goes through `services_governance` (documents through `services.document_add`).
"""

import copy
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db.models import Count, Prefetch, Q, QuerySet
from django.forms import BaseForm
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from activator.accounts.predicates import represented_organisation_ids
from activator.core.forms import add_service_errors
from activator.core.models import AuditEntry
from activator.core.permissions import authorize
from activator.events import services_governance
from activator.events.enums import (
    EventStatus,
    EventType,
    GoverningBody,
    MotionKind,
    MotionStatus,
)
from activator.events.forms_governance import (
    AgendaItemForm,
    MeetingForm,
    MinutesForm,
    MotionForm,
    VoteForm,
)
from activator.events.models import AgendaItem, Candidate, Document, Event, Meeting, Motion, Vote
from activator.events.templatetags.governance_tags import result_lines, vote_choice
from activator.members.enums import GovernanceRoleKind
from activator.members.models import GovernanceRole, Organisation

POLL_SECONDS = 5
HISTORY_SIZE = 100


def _visible_meetings(user: Any) -> QuerySet[Meeting]:
    """Meetings of published or cancelled events; drafts to the staff who manage them."""
    shown = ~Q(event__status=EventStatus.DRAFT)
    if user.is_authenticated and user.is_secretariat:
        shown = Q()
    elif user.is_authenticated and user.is_regional_staff:
        shown |= Q(event__office_id=user.regional_office_id)
    return Meeting.objects.filter(shown).select_related("event")


def _meeting_for(request: HttpRequest, slug: str) -> Meeting:
    meeting = get_object_or_404(
        Meeting.objects.select_related("event", "event__office"), event__slug=slug
    )
    if not request.user.has_perm("events.view_event", meeting.event):
        raise Http404
    return meeting


def _motion_for(request: HttpRequest, pk: int) -> Motion:
    """The motion, if the person sees its meeting and it has been put to the vote (drafts to
    the meeting's managers), else 404."""
    motion = get_object_or_404(
        Motion.objects.select_related("meeting", "meeting__event", "agenda_item").prefetch_related(
            Prefetch("candidates", queryset=Candidate.objects.select_related("organisation"))
        ),
        pk=pk,
    )
    user = request.user
    if not user.has_perm("events.view_event", motion.meeting.event):
        raise Http404
    if motion.status == MotionStatus.DRAFT and not user.has_perm(
        "events.manage_meeting", motion.meeting
    ):
        raise Http404
    return motion


def _next_url(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


# --- The meetings through the years -------------------------------------------------------------


@dataclass
class Office:
    """An office's holders in a year (or its latest recorded holders), and those elected for a
    term that has not started yet."""

    role: str
    label: str
    seats: list[GovernanceRole]
    current: bool
    upcoming: list[GovernanceRole]

    @property
    def upcoming_year(self) -> int | None:
        return self.upcoming[0].start_year if self.upcoming else None


def office_holders(year: int) -> list[Office]:
    """Who holds each office in `year`; where no term covers it, the latest recorded term."""
    seats = list(
        GovernanceRole.objects.select_related("organisation").order_by(
            "-start_year", "organisation__name"
        )
    )
    offices = []
    for role, label in GovernanceRoleKind.choices:
        rows = [s for s in seats if s.role == role]
        future = [s for s in rows if s.start_year > year]
        upcoming = [s for s in future if s.start_year == min(f.start_year for f in future)]
        current = [
            s for s in rows if s.start_year <= year and (s.end_year is None or s.end_year >= year)
        ]
        past = [s for s in rows if s.start_year <= year]
        if current:
            offices.append(Office(role, label, current, True, upcoming))
        elif past:
            latest = past[0].start_year
            shown = [s for s in past if s.start_year == latest]
            offices.append(Office(role, label, shown, False, upcoming))
        elif upcoming:
            offices.append(Office(role, label, [], False, upcoming))
    return offices


@require_GET
def governance(request: HttpRequest) -> HttpResponse:
    meetings = list(
        _visible_meetings(request.user).order_by(
            "event__year", "number", "event__starts_at", "event__title"
        )
    )
    year = timezone.localdate().year
    return render(
        request,
        "events/governance.html",
        {
            "assemblies": [m for m in meetings if m.body == GoverningBody.GENERAL_ASSEMBLY],
            "committees": [m for m in meetings if m.body == GoverningBody.EXECUTIVE_COMMITTEE],
            "offices": office_holders(year),
            "year": year,
        },
    )


# --- One meeting ----------------------------------------------------------------------------


@dataclass
class Ballot:
    """One member's ballot on one open motion, for the representative looking at the page."""

    motion: Motion
    organisation: Organisation
    form: VoteForm
    vote: Vote | None

    @property
    def current(self) -> str:
        """The vote as cast so far, in words ("" before the first)."""
        if self.vote is None:
            return ""
        names = [c.organisation.name for c in self.vote.candidates.all()]
        if names:
            return ", ".join(names)
        if self.motion.kind == MotionKind.ELECTION:
            return _("Blank ballot")
        return vote_choice(self.vote.choice)


def _motions(meeting: Meeting, *, drafts: bool) -> list[Motion]:
    motions = meeting.motions.prefetch_related(
        Prefetch("candidates", queryset=Candidate.objects.select_related("organisation"))
    ).annotate(votes_cast=Count("votes"))
    if not drafts:
        motions = motions.exclude(status=MotionStatus.DRAFT)
    return list(motions.order_by("id"))


def _ballots(
    request: HttpRequest,
    meeting: Meeting,
    open_motions: list[Motion],
    bound: VoteForm | None = None,
) -> tuple[dict[int, list[Ballot]], list[Organisation]]:
    """The ballots the person may fill in (per open motion), and the members they represent
    that do not vote at this meeting."""
    represented = represented_organisation_ids(request.user)
    if not represented:
        return {}, []
    voters = list(services_governance.meeting_voters(meeting).filter(pk__in=represented))
    voter_ids = {o.pk for o in voters}
    outside = list(
        Organisation.objects.filter(pk__in=represented - voter_ids).order_by("name")
        if represented - voter_ids
        else []
    )
    if not voters or not open_motions:
        return {}, outside
    votes = {
        (v.motion_id, v.organisation_id): v
        for v in Vote.objects.filter(
            motion__in=open_motions, organisation__in=voters
        ).prefetch_related(
            Prefetch("candidates", queryset=Candidate.objects.select_related("organisation"))
        )
    }
    ballots: dict[int, list[Ballot]] = {}
    for motion in open_motions:
        for organisation in voters:
            vote = votes.get((motion.pk, organisation.pk))
            if bound is not None and (bound.motion.pk, bound.organisation_obj.pk) == (
                motion.pk,
                organisation.pk,
            ):
                form = bound
            else:
                initial = {}
                if vote is not None:
                    initial = {
                        "choice": vote.choice,
                        "candidates": [str(c.pk) for c in vote.candidates.all()],
                    }
                form = VoteForm(initial=initial, motion=motion, organisation=organisation)
            ballots.setdefault(motion.pk, []).append(Ballot(motion, organisation, form, vote))
    return ballots, outside


def _live(motion: Motion, eligible: int, cast: int) -> dict[str, Any]:
    needed = services_governance.quorum_needed(eligible, motion.meeting.quorum_percent)
    return {"eligible": eligible, "cast": cast, "needed": needed, "reached": cast >= needed}


def _documents_readable(
    request: HttpRequest, event: Event, documents: list[Document]
) -> list[Document]:
    readable = []
    for document in documents:
        document.event = event
        if request.user.has_perm("events.view_document", document):
            readable.append(document)
    return readable


def _meeting_context(
    request: HttpRequest, meeting: Meeting, bound: VoteForm | None = None
) -> dict[str, Any]:
    user = request.user
    event = meeting.event
    can_manage = user.has_perm("events.manage_meeting", meeting)
    items = list(
        meeting.items.prefetch_related(
            Prefetch("documents", queryset=Document.objects.order_by("uploaded_at", "id"))
        )
    )
    motions = _motions(meeting, drafts=can_manage)
    open_motions = [m for m in motions if m.status == MotionStatus.OPEN]
    eligible = services_governance.meeting_voters(meeting).count() if motions else None
    ballots, outside = _ballots(request, meeting, open_motions, bound)
    for motion in motions:
        motion.meeting = meeting
        motion.ballots = ballots.get(motion.pk, [])
        motion.lines = result_lines(motion)
        if motion.status == MotionStatus.OPEN:
            motion.live = _live(motion, eligible or 0, motion.votes_cast)
    by_item: dict[int | None, list[Motion]] = {}
    for motion in motions:
        by_item.setdefault(motion.agenda_item_id, []).append(motion)
    for item in items:
        item.readable_documents = _documents_readable(request, event, list(item.documents.all()))
        item.motion_list = by_item.get(item.pk, [])
    return {
        "meeting": meeting,
        "event": event,
        "items": items,
        "loose_motions": by_item.get(None, []),
        "open_motions": open_motions,
        "has_motions": bool(motions),
        "has_elections": any(m.kind == MotionKind.ELECTION for m in motions),
        "can_manage": can_manage,
        "can_read_minutes": user.has_perm("events.view_minutes", meeting),
        "eligible": eligible,
        "voters_rule": services_governance.voters_in_words(meeting),
        "quorum_rule": services_governance.quorum_in_words(meeting, eligible),
        "majority_rule": services_governance.majority_in_words(meeting.majority),
        "outside": outside,
        "represents_voter": any(ballots.values()),
        "poll_seconds": POLL_SECONDS,
    }


@require_GET
def meeting(request: HttpRequest, slug: str) -> HttpResponse:
    meeting = _meeting_for(request, slug)
    return render(request, "events/meeting.html", _meeting_context(request, meeting))


# --- One motion ----------------------------------------------------------------------------


def _motion_context(
    request: HttpRequest, motion: Motion, bound: VoteForm | None = None
) -> dict[str, Any]:
    meeting = motion.meeting
    motion.lines = result_lines(motion)
    context: dict[str, Any] = {
        "motion": motion,
        "meeting": meeting,
        "event": meeting.event,
        "can_manage": request.user.has_perm("events.manage_meeting", meeting),
        "voters_rule": services_governance.voters_in_words(meeting),
        "majority_rule": services_governance.majority_in_words(meeting.majority),
        "election_rule": services_governance.election_in_words(motion),
        "poll_seconds": POLL_SECONDS,
    }
    if motion.status == MotionStatus.OPEN:
        voters = services_governance.meeting_voters(meeting)
        eligible = voters.count()
        cast = motion.votes.filter(organisation__in=voters.values("pk")).count()
        context["live"] = _live(motion, eligible, cast)
        context["quorum_rule"] = services_governance.quorum_in_words(meeting, eligible)
        ballots, outside = _ballots(request, meeting, [motion], bound)
        context["ballots"] = ballots.get(motion.pk, [])
        context["outside"] = outside
    else:
        context["quorum_rule"] = services_governance.quorum_in_words(meeting)
    return context


@require_GET
def motion(request: HttpRequest, pk: int) -> HttpResponse:
    """The motion with its text, the rules, and its live count (htmx polls it) or its result."""
    motion = _motion_for(request, pk)
    if request.htmx and request.GET.get("live"):
        context: dict[str, Any] = {"motion": motion, "poll_seconds": POLL_SECONDS}
        if motion.status == MotionStatus.OPEN:
            voters = services_governance.meeting_voters(motion.meeting)
            cast = motion.votes.filter(organisation__in=voters.values("pk")).count()
            context["live"] = _live(motion, voters.count(), cast)
        return render(request, "events/motion_live.html", context)
    return render(request, "events/motion.html", _motion_context(request, motion))


@login_required
@require_POST
def vote(request: HttpRequest, pk: int) -> HttpResponse:
    """Cast (or change) a member's vote; its representative chooses for which member."""
    motion = _motion_for(request, pk)
    authorize(request.user, "events.vote")
    try:
        organisation_id = int(request.POST.get("organisation", ""))
    except ValueError:
        raise Http404 from None
    organisation = get_object_or_404(Organisation, pk=organisation_id)
    if organisation.pk not in represented_organisation_ids(request.user):
        raise Http404
    form = VoteForm(request.POST, motion=motion, organisation=organisation)
    saved = False
    if form.is_valid():
        try:
            services_governance.vote_cast(
                actor=request.user,
                motion=motion,
                organisation=organisation,
                **form.service_arguments(),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            saved = True
    motion.refresh_from_db(fields=["status", "result", "closed_at"])
    default = reverse("events:motion", args=[motion.pk])
    if request.htmx:
        ballots, _outside = _ballots(request, motion.meeting, [motion], None if saved else form)
        ballot = next(
            (b for b in ballots.get(motion.pk, []) if b.organisation == organisation), None
        )
        if ballot is None:  # voting closed meanwhile, or the member no longer votes
            ballot = Ballot(motion, organisation, form, None)
        return render(
            request,
            "events/motion_ballot.html",
            {"ballot": ballot, "saved": saved, "next": _next_url(request, default)},
        )  # always 200, so htmx swaps the ballot in with its errors
    if saved:
        messages.success(
            request,
            _("The vote of %(organisation)s on “%(motion)s” is recorded.")
            % {"organisation": organisation.name, "motion": motion.title},
        )
        return redirect(_next_url(request, default))
    return render(
        request, "events/motion.html", _motion_context(request, motion, bound=form), status=400
    )


@login_required
@require_POST
def motion_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Open or close the vote on a motion, or prepare the second round of a tied election."""
    motion = _motion_for(request, pk)
    authorize(request.user, "events.manage_meeting", motion.meeting)
    actions = {
        "open": (services_governance.motion_open, _("Voting is open on “%(motion)s”.")),
        "close": (
            services_governance.motion_close,
            _("Voting on “%(motion)s” is closed and counted."),
        ),
        "second-round": (
            services_governance.motion_second_round,
            _("The second round is ready as a draft: check it, then open the vote."),
        ),
    }
    if action not in actions:
        raise Http404
    run, done = actions[action]
    default = reverse("events:motion", args=[motion.pk])
    try:
        result = run(actor=request.user, motion=motion)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect(_next_url(request, default))
    messages.success(request, done % {"motion": motion.title})
    if action == "second-round":
        edit = reverse("events:meeting_edit", args=[motion.meeting.event.slug])
        return redirect(f"{edit}#motion-{result.pk}")
    return redirect(_next_url(request, default))


# --- Setting a meeting up ------------------------------------------------------------------


def _edit_url(event: Event, anchor: str = "") -> str:
    url = reverse("events:meeting_edit", args=[event.slug])
    return f"{url}#{anchor}" if anchor else url


def _history(meeting: Meeting, motions: list[Motion]) -> list[AuditEntry]:
    meeting_type = ContentType.objects.get_for_model(Meeting)
    motion_type = ContentType.objects.get_for_model(Motion)
    return list(
        AuditEntry.objects.filter(
            Q(content_type=meeting_type, object_id=str(meeting.pk))
            | Q(content_type=motion_type, object_id__in=[str(m.pk) for m in motions])
        )
        .select_related("actor")
        .order_by("-id")[:HISTORY_SIZE]
    )


def _candidate_choices(meeting: Meeting) -> list[Organisation]:
    """Members and governance seat holders, the organisations that stand for office."""
    return list(
        Organisation.objects.filter(Q(membership__isnull=False) | Q(governance_roles__isnull=False))
        .distinct()
        .only("pk", "name")
        .order_by("name")
    )


def _document_form(*args: Any, event: Event) -> BaseForm:
    from activator.events.forms import DocumentForm

    return DocumentForm(*args, event=event, prefix="document")


def _edit_context(
    request: HttpRequest, event: Event, meeting: Meeting | None, bound: dict[str, BaseForm]
) -> dict[str, Any]:
    """Every form of the page, unbound except the one just posted (shown with its errors)."""
    context: dict[str, Any] = {
        "event": event,
        "meeting": meeting,
        "meeting_form": bound.get("meeting")
        or MeetingForm(instance=copy.copy(meeting) if meeting else Meeting(event=event)),
    }
    if meeting is None:
        return context
    items = list(meeting.items.order_by("position", "id"))
    motions = _motions(meeting, drafts=True)
    organisations = _candidate_choices(meeting)
    for item in items:
        key = f"item-{item.pk}"
        item.form = bound.get(key) or AgendaItemForm(instance=item, prefix=key)
    for motion in motions:
        motion.meeting = meeting
        key = f"motion-{motion.pk}"
        if motion.status == MotionStatus.DRAFT:
            motion.form = bound.get(key) or MotionForm(
                instance=motion,
                prefix=key,
                meeting=meeting,
                items=items,
                organisations=organisations,
            )
        motion.lines = result_lines(motion)
    context.update(
        items=items,
        motions=motions,
        item_form=bound.get("item-new") or AgendaItemForm(prefix="item-new"),
        motion_form=bound.get("motion-new")
        or MotionForm(
            prefix="motion-new", meeting=meeting, items=items, organisations=organisations
        ),
        minutes_form=bound.get("minutes") or MinutesForm(initial={"minutes": meeting.minutes}),
        document_form=bound.get("document") or _document_form(event=event),
        entries=_history(meeting, motions),
        voters_rule=services_governance.voters_in_words(meeting),
        quorum_rule=services_governance.quorum_in_words(meeting),
        majority_rule=services_governance.majority_in_words(meeting.majority),
    )
    return context


def _posted(
    request: HttpRequest, event: Event, meeting: Meeting | None
) -> tuple[str | None, dict[str, BaseForm]]:
    """Run the posted part of the page. Returns (anchor to go back to, None on failure) and the
    bound form with its errors."""
    user, post = request.user, request.POST
    part = post.get("part", "")
    if part == "meeting":
        form = MeetingForm(post, instance=copy.copy(meeting) if meeting else Meeting(event=event))
        if form.is_valid():
            try:
                services_governance.meeting_save(actor=user, event=event, **form.service_fields())
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The meeting's settings are saved."))
                return "settings", {}
        return None, {"meeting": form}
    if meeting is None:
        raise Http404
    pk = post.get("pk") or ""
    if pk and not (pk.isascii() and pk.isdigit() and len(pk) < 19):
        raise Http404  # not an id of any record
    if part == "item":
        item = get_object_or_404(AgendaItem, pk=pk, meeting=meeting) if pk else None
        key = f"item-{item.pk}" if item else "item-new"
        form = AgendaItemForm(post, instance=copy.copy(item) if item else None, prefix=key)
        if form.is_valid():
            try:
                saved = services_governance.agenda_item_save(
                    actor=user, meeting=meeting, item=item, **form.service_fields()
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("“%(title)s” is saved.") % {"title": saved.title})
                return f"item-{saved.pk}", {}
        return None, {key: form}
    if part == "item-delete":
        item = get_object_or_404(AgendaItem, pk=pk, meeting=meeting)
        try:
            services_governance.agenda_item_delete(actor=user, item=item)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return f"item-{item.pk}", {}
        messages.success(request, _("“%(title)s” is off the agenda.") % {"title": item.title})
        return "agenda", {}
    if part == "motion":
        motion = get_object_or_404(Motion, pk=pk, meeting=meeting) if pk else None
        if motion is not None and motion.status != MotionStatus.DRAFT:
            messages.error(
                request,
                _("Only a draft motion can be changed; this one has been put to the vote."),
            )
            return f"motion-{motion.pk}", {}
        key = f"motion-{motion.pk}" if motion else "motion-new"
        items = list(meeting.items.order_by("position", "id"))
        form = MotionForm(
            post,
            instance=copy.copy(motion) if motion else None,
            prefix=key,
            meeting=meeting,
            items=items,
            organisations=_candidate_choices(meeting),
        )
        if form.is_valid():
            try:
                saved = services_governance.motion_save(
                    actor=user, meeting=meeting, motion=motion, **form.service_fields()
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("“%(title)s” is saved.") % {"title": saved.title})
                return f"motion-{saved.pk}", {}
        return None, {key: form}
    if part == "motion-delete":
        motion = get_object_or_404(Motion, pk=pk, meeting=meeting)
        try:
            services_governance.motion_delete(actor=user, motion=motion)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return f"motion-{motion.pk}", {}
        messages.success(request, _("“%(title)s” is removed.") % {"title": motion.title})
        return "motions", {}
    if part == "minutes":
        form = MinutesForm(post)
        if form.is_valid():
            minutes = form.cleaned_data["minutes"]
            try:
                if "publish" in post:
                    services_governance.minutes_publish(
                        actor=user, meeting=meeting, minutes=minutes
                    )
                    messages.success(request, _("The minutes are published."))
                else:
                    services_governance.minutes_save(actor=user, meeting=meeting, minutes=minutes)
                    messages.success(request, _("The minutes are saved."))
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                return "minutes", {}
        return None, {"minutes": form}
    if part == "unpublish":
        services_governance.minutes_unpublish(actor=user, meeting=meeting)
        messages.success(request, _("The minutes are no longer public."))
        return "minutes", {}
    if part == "document":
        from activator.events import services

        form = _document_form(post, request.FILES, event=event)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.document_add(
                    actor=user,
                    event=event,
                    title=data["title"],
                    file=data["file"],
                    access=data["access"],
                    agenda_item=data.get("agenda_item"),
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The document is attached."))
                return "agenda", {}
        return None, {"document": form}
    raise Http404


@login_required
@require_http_methods(["GET", "POST"])
def meeting_edit(request: HttpRequest, slug: str) -> HttpResponse:
    """Managers set the meeting up: its settings, agenda, documents, motions and minutes."""
    event = get_object_or_404(Event.objects.select_related("office"), slug=slug)
    if not request.user.has_perm("events.view_event", event):
        raise Http404
    authorize(request.user, "events.manage_event", event)
    meeting = Meeting.objects.filter(event=event).first()
    if meeting is None and event.type != EventType.GOVERNANCE_MEETING:
        raise Http404
    bound: dict[str, BaseForm] = {}
    if request.method == "POST":
        anchor, bound = _posted(request, event, meeting)
        if anchor is not None:
            return redirect(_edit_url(event, anchor))
        meeting = Meeting.objects.filter(event=event).first()
    return render(
        request,
        "events/meeting_edit.html",
        _edit_context(request, event, meeting, bound),
        status=400 if request.method == "POST" else 200,
    )
