"""Solution Finder pages: what it is and how to ask (with the city's own requests), the staff
queue, and one request with its answers, stage, feedback, thread, partners and outcome.

A request a person may not see answers 404; a step they may not take answers 403. Every write
goes through `services_finder` (and, to start a draft, the calls engine).
"""

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from activator.accounts.predicates import affiliated_organisation_ids, served_region_ids
from activator.calls import selectors as calls_selectors
from activator.calls.enums import ApplicationStatus
from activator.core.audit import audit_for
from activator.core.forms import add_service_errors
from activator.core.models import Region
from activator.core.permissions import authorize
from activator.matching import services_finder
from activator.matching.enums import FinderStage
from activator.matching.forms_finder import (
    CloseForm,
    FeedbackForm,
    MessageForm,
    PartnerForm,
    QueueFilterForm,
)
from activator.matching.models import Challenge, FinderMessage, FinderPartner, FinderRequest

QUEUE_PAGE_SIZE = 25
# What each stage means to the city, in the order a request goes through them.
STAGE_HELP = {
    FinderStage.SUBMITTED: gettext_lazy("The Secretariat has your request."),
    FinderStage.IN_REVIEW: gettext_lazy("A member of staff is reviewing it."),
    FinderStage.FEEDBACK: gettext_lazy("You have the Secretariat's preliminary feedback."),
    FinderStage.CLARIFICATION: gettext_lazy("The Secretariat and your city clarify the request."),
    FinderStage.CONNECTED: gettext_lazy("You are connected with strategic partners."),
    FinderStage.CLOSED: gettext_lazy("The request is closed."),
}
STEPS = [
    gettext_lazy("Consult the Activator Exchange and other platforms, then submit the form."),
    gettext_lazy("WeGO reviews the request and gives preliminary feedback."),
    gettext_lazy("After clarifications, WeGO connects the city with relevant strategic partners."),
    gettext_lazy("The city and its partners develop and implement solution packages as projects."),
]
BENEFITS = [
    gettext_lazy("Matchmaking with strategic partners"),
    gettext_lazy("On-demand matchmaking meetings with a chosen partner"),
    gettext_lazy("Sharing smart city plans with the network"),
    gettext_lazy("Inspiration from member and partner best cases"),
]


@dataclass
class Step:
    stage: str
    label: str
    state: str  # past, current or future
    at: Any = None


def _steps(request: FinderRequest, dates: dict[str, Any] | None = None) -> list[Step]:
    """The stages as a progress line: those passed, the current one, those to come."""
    current = services_finder.stage_index(request.stage)
    dates = dates or {}
    steps = []
    for i, (stage, label) in enumerate(FinderStage.choices):
        state = "past" if i < current else "current" if i == current else "future"
        if request.stage == FinderStage.CLOSED and i == current:
            state = "past"
        steps.append(Step(stage, str(label), state, dates.get(stage)))
    return steps


def _progress(request: FinderRequest) -> int:
    """Share of the way done, for a progress bar (0–100)."""
    return round(100 * services_finder.stage_index(request.stage) / (len(FinderStage) - 1))


# --- What it is, and the city's requests -------------------------------------------------------


def _my_requests(user: Any) -> list[FinderRequest]:
    if not user.is_authenticated:
        return []
    organisations = affiliated_organisation_ids(user)
    requests = list(
        FinderRequest.objects.filter(
            Q(application__organisation_id__in=organisations) | Q(application__applicant=user)
        )
        .select_related("application__organisation", "project")
        .order_by("-created_at", "-id")[:50]
    )
    for item in requests:
        item.progress = _progress(item)
    return requests


def _challenge_from(request: HttpRequest) -> Challenge | None:
    slug = request.POST.get("challenge") or request.GET.get("challenge")
    if not slug:
        return None
    challenge = Challenge.objects.select_related("city").filter(slug=slug).first()
    if challenge is None or not request.user.has_perm("matching.view_challenge", challenge):
        raise Http404
    return challenge


@require_http_methods(["GET", "POST"])
def finder_home(request: HttpRequest) -> HttpResponse:
    """The Solution Finder: what it is, its steps and benefits, and how to send a request.

    Opened with `?challenge=<slug>`, the city's people may ask the Secretariat about that
    challenge: a draft request is started with the challenge written in.
    """
    user = request.user
    challenge = _challenge_from(request)
    may_ask = bool(challenge and user.has_perm("matching.change_challenge", challenge))
    if request.method == "POST":
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if challenge is None:
            raise Http404
        authorize(user, "matching.change_challenge", challenge)
        try:
            application = services_finder.request_start(actor=user, challenge=challenge)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
            return redirect(f"{request.path}?challenge={challenge.slug}")
        messages.success(
            request,
            _("Your request is started with the challenge in it. Complete it, then submit it."),
        )
        return redirect("calls:application_edit", application.pk)
    call = services_finder.open_finder_call()
    return render(
        request,
        "matching/finder/home.html",
        {
            "call": call,
            "steps": STEPS,
            "benefits": BENEFITS,
            "challenge": challenge,
            "may_ask": may_ask,
            "requests": _my_requests(user),
            "can_see_queue": user.has_perm("matching.view_finder_queue"),
        },
    )


# --- The staff queue ---------------------------------------------------------------------------


def queue_for(user: Any) -> QuerySet[FinderRequest]:
    """The submitted requests a member of staff handles: all for the Secretariat, their
    region's for regional staff."""
    requests = FinderRequest.objects.exclude(application__status=ApplicationStatus.DRAFT)
    if user.is_secretariat:
        return requests
    return requests.filter(application__organisation__region_id__in=served_region_ids(user))


@login_required
@require_GET
def request_list(request: HttpRequest) -> HttpResponse:
    """The queue of requests, oldest waiting first, filtered by stage, region and handler."""
    user = request.user
    authorize(user, "matching.view_finder_queue")
    regions = Region.objects.order_by("name")
    if not user.is_secretariat:
        regions = regions.filter(pk__in=served_region_ids(user))
    form = QueueFilterForm(request.GET, regions=regions)
    requests = queue_for(user)
    if form.is_valid():
        data = form.cleaned_data
        if data["stage"] == "":
            requests = requests.exclude(stage=FinderStage.CLOSED)
        elif data["stage"] != "all":
            requests = requests.filter(stage=data["stage"])
        if data["region"]:
            requests = requests.filter(application__organisation__region=data["region"])
        if data["mine"]:
            requests = requests.filter(handled_by=user)
    else:
        requests = requests.none()
    requests = (
        requests.select_related(
            "application__organisation__region", "application__applicant", "handled_by"
        )
        .annotate(message_count=Count("messages"))
        .order_by("application__submitted_at", "pk")
    )
    page = Paginator(requests, QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
    for item in page.object_list:
        item.progress = _progress(item)
    return render(
        request,
        "matching/finder/list.html",
        {
            "form": form,
            "page_obj": page,
            "requests": page.object_list,
            "filtered": any(request.GET.get(k) for k in ("stage", "region", "mine")),
        },
    )


# --- One request -------------------------------------------------------------------------------


ACTIONS = ("review", "feedback", "message", "connect", "close")


def _request_for(request: HttpRequest, pk: int) -> FinderRequest:
    """The request, if the person may see it (else 404); drafts only to the city."""
    item = get_object_or_404(
        FinderRequest.objects.select_related(
            "application__call",
            "application__organisation__region",
            "application__applicant",
            "challenge",
            "handled_by",
            "project",
        ),
        pk=pk,
    )
    user = request.user
    if not user.has_perm("matching.view_finder_request", item):
        raise Http404
    if item.application.status == ApplicationStatus.DRAFT and not user.has_perm(
        "calls.change_application", item.application
    ):
        raise Http404
    return item


def _forms(item: FinderRequest, data: Any = None, action: str = "") -> dict[str, Form]:
    """The step forms, the posted one bound to `data`."""
    city = item.application.organisation

    def bound(name: str) -> Any:
        return data if action == name else None

    return {
        "feedback_form": FeedbackForm(
            bound("feedback"), initial={"feedback": item.feedback}, prefix="feedback"
        ),
        "message_form": MessageForm(bound("message"), prefix="message"),
        "partner_form": PartnerForm(bound("connect"), city=city, prefix="partner"),
        "close_form": CloseForm(
            bound("close"), city=city, prefix="close", initial=_close_initial(item)
        ),
    }


def _close_initial(item: FinderRequest) -> dict[str, Any]:
    """The related project the city named in its answers, as the project to link."""
    from activator.calls.enums import QuestionKind

    for question in item.application.call.questions.all():
        if question.kind == QuestionKind.PROJECT:
            value = item.application.answers.get(str(question.pk))
            if value:
                return {"project": value}
    return {}


def _stage_dates(item: FinderRequest, entries: list[Any]) -> dict[str, Any]:
    dates: dict[str, Any] = {FinderStage.SUBMITTED: item.application.submitted_at}
    for entry in reversed(entries):  # oldest first, so the first time a stage is reached wins
        stage = (entry.changes or {}).get("stage")
        if stage and len(stage) == 2 and stage[1] not in dates:
            dates[stage[1]] = entry.created_at
    return dates


def _post(request: HttpRequest, item: FinderRequest, action: str, forms: dict[str, Form]) -> bool:
    """Take the posted step through the service; False leaves the errors on the form to show
    again, True means redirect (done, or refused with a message)."""
    user = request.user
    if action == "message":
        authorize(user, "matching.view_finder_request", item)
    else:
        authorize(user, "matching.handle_finder_request", item)
    form = {
        "feedback": forms["feedback_form"],
        "message": forms["message_form"],
        "connect": forms["partner_form"],
        "close": forms["close_form"],
    }.get(action)
    try:
        if action == "review":
            services_finder.request_review_start(actor=user, request=item)
            messages.success(request, _("You handle this request now."))
            return True
        if not form.is_valid():
            return False
        data = form.cleaned_data
        if action == "feedback":
            services_finder.feedback_give(actor=user, request=item, text=data["feedback"])
            messages.success(request, _("The feedback is sent to the city."))
        elif action == "message":
            services_finder.message_post(actor=user, request=item, body=data["body"])
            messages.success(request, _("Your message is posted."))
        elif action == "connect":
            partner = services_finder.partner_connect(
                actor=user,
                request=item,
                organisation=data["organisation"],
                solution=data["solution"],
                note=data["note"],
            )
            messages.success(
                request,
                _("The city and %(partner)s are told of the connection.")
                % {"partner": partner.organisation.name},
            )
        elif action == "close":
            services_finder.request_close(
                actor=user,
                request=item,
                outcome=data["outcome"],
                note=data["note"],
                project=data["project"],
            )
            messages.success(request, _("The request is closed."))
    except ValidationError as error:
        if form is None or not hasattr(error, "error_dict"):
            # A step refused as a whole (out of order, closed): said above the page.
            for message in error.messages:
                messages.error(request, message)
            return True
        add_service_errors(form, error)
        return False
    return True


@login_required
@require_http_methods(["GET", "POST"])
def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One request: what the city sent, where it stands, and the step forms for staff."""
    item = _request_for(request, pk)
    user = request.user
    action = request.POST.get("action", "") if request.method == "POST" else ""
    if request.method == "POST" and action not in ACTIONS:
        return HttpResponse(status=400)
    forms = _forms(item, request.POST, action)
    if request.method == "POST":
        if _post(request, item, action, forms):
            return redirect(item)
        item.refresh_from_db()
    handles = user.has_perm("matching.handle_finder_request", item)
    application = item.application
    entries = list(audit_for(item)[:200])
    # A request the city withdrew only awaits closing: no further step is offered.
    withdrawn = application.status == ApplicationStatus.WITHDRAWN
    context: dict[str, Any] = {
        "item": item,
        "application": application,
        "answers": calls_selectors.answer_rows(application),
        "steps": _steps(item, _stage_dates(item, entries)),
        "stage_help": STAGE_HELP[item.stage],
        "progress": _progress(item),
        "thread": list(
            FinderMessage.objects.filter(request=item)
            .select_related("author")
            .order_by("created_at", "id")
        ),
        "partners": list(
            FinderPartner.objects.filter(request=item).select_related(
                "organisation", "solution", "connected_by"
            )
        ),
        "handles": handles,
        "is_open": item.stage != FinderStage.CLOSED
        and application.status != ApplicationStatus.DRAFT,
        "is_draft": application.status == ApplicationStatus.DRAFT,
        "withdrawn": withdrawn,
        "can_review": handles and not withdrawn and item.stage == FinderStage.SUBMITTED,
        "can_feedback": handles and not withdrawn and item.stage in services_finder.FEEDBACK_FROM,
        "can_connect": handles and not withdrawn and item.stage in services_finder.CONNECT_FROM,
        **forms,
    }
    if handles:
        context["entries"] = entries
        context["suggestions"] = (
            services_finder.suggestions(item) if item.stage != FinderStage.CLOSED else []
        )
    return render(
        request,
        "matching/finder/detail.html",
        context,
        status=400 if request.method == "POST" else 200,
    )
