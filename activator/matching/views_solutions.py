"""The Solution Finder's pages: solutions, challenges, their ranked matches and conversations.

A solution or challenge a person may not see (a draft of another organisation) answers 404, so
its existence is not revealed; one they see but may not change answers 403 to a change. Every
permission is asked of `rules.py`; every write goes through `services` / `services_matches`.
"""

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from activator.accounts.predicates import (
    affiliated_organisation_ids,
    is_secretariat,
    served_region_ids,
)
from activator.core.api import MAX_ID
from activator.core.audit import audit_for
from activator.core.forms import add_service_errors
from activator.core.permissions import authorize
from activator.core.search import search_match_sql
from activator.matching import ranking, services, services_matches
from activator.matching.enums import MatchState, MediaKind, PublicationStatus, Side
from activator.matching.forms import (
    ChallengeFilterForm,
    ChallengeForm,
    ConversationStartForm,
    DecideForm,
    DeploymentForm,
    MediaForm,
    MessageForm,
    SolutionFilterForm,
    SolutionForm,
    cities_for_challenges,
    organisations_for_solutions,
)
from activator.matching.models import (
    Challenge,
    Conversation,
    Deployment,
    Solution,
    SolutionMedia,
)
from activator.matching.services import CHALLENGE_KIND, SOLUTION_KIND

PAGE_SIZE = 20
MATCHES_PAGE_SIZE = 20
PROJECT_CHOICES_MAX = 200
MAX_ID_DIGITS = len(str(MAX_ID))


# --- Shared helpers -----------------------------------------------------------------------------


@dataclass
class Chip:
    """One active filter, with the address of the same page without it."""

    label: str
    remove_url: str


def _chips(request: HttpRequest, form, labels: dict[str, str]) -> list[Chip]:
    if not form.is_valid():
        return []

    def without(key: str) -> str:
        query = request.GET.copy()
        query.pop("page", None)
        query.pop(key, None)
        encoded = query.urlencode()
        return f"{request.path}?{encoded}" if encoded else request.path

    chips = []
    for key, value in form.cleaned_data.items():
        if not value:
            continue
        if key == "q":
            label = _("“%(words)s”") % {"words": value}
        elif key in labels:
            label = str(dict(form.fields[key].choices).get(value, value))
        else:
            label = str(value)
        chips.append(Chip(label, without(key)))
    return chips


def _page_number(request: HttpRequest) -> int:
    try:
        return max(1, int(request.GET.get("page", 1)))
    except (TypeError, ValueError):
        return 1


def _posted_id(request: HttpRequest, name: str) -> int | None:
    """The id posted as `name`, or None when it is not a number a row could have."""
    value = request.POST.get(name, "").strip()
    if not value.isascii() or not value.isdigit() or len(value) > MAX_ID_DIGITS:
        return None
    number = int(value)
    return number if 0 < number <= MAX_ID else None


def _safe_next(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def _kept_filter(user: Any, field: str) -> Q:
    """Records whose organisation (`field`) the person keeps; see `forms.kept_organisations`."""
    if not user.is_authenticated:
        return Q(pk__in=[])
    if is_secretariat(user):
        return Q()
    condition = Q(**{f"{field}_id__in": affiliated_organisation_ids(user)})
    regions = served_region_ids(user)
    if regions:
        condition |= Q(**{f"{field}__region_id__in": regions})
    return condition


def _text_filter(queryset: QuerySet, kind: str, q: str, title_field: str) -> QuerySet:
    """Full-text words of published records; a keeper's drafts (not indexed) by their title."""
    sql, params = search_match_sql(kind, q)
    return queryset.filter(
        Q(id__in=RawSQL(sql, params))  # noqa: S611 - fixed SQL, words as params
        | Q(**{f"{title_field}__icontains": q})
    )


def _solution_for(request: HttpRequest, slug: str) -> Solution:
    solution = get_object_or_404(
        Solution.objects.select_related("provider__region", "contact"), slug=slug
    )
    if not request.user.has_perm("matching.view_solution", solution):
        raise Http404
    return solution


def _challenge_for(request: HttpRequest, slug: str) -> Challenge:
    challenge = get_object_or_404(
        Challenge.objects.select_related("city__region", "index_group", "created_by"), slug=slug
    )
    if not request.user.has_perm("matching.view_challenge", challenge):
        raise Http404
    return challenge


def _history(obj: Any) -> list:
    return list(audit_for(obj).order_by("-created_at", "-id")[:20])


# --- Solutions ----------------------------------------------------------------------------------


def _visible_solutions(user: Any) -> QuerySet[Solution]:
    return Solution.objects.filter(
        Q(status=PublicationStatus.PUBLISHED)
        | (~Q(status=PublicationStatus.PUBLISHED) & _kept_filter(user, "provider"))
    )


@require_GET
def solution_list(request: HttpRequest) -> HttpResponse:
    """Published solutions (and the drafts of the organisations a person keeps), by name."""
    form = SolutionFilterForm(request.GET)
    solutions = _visible_solutions(request.user)
    if form.is_valid():
        data = form.cleaned_data
        if data["q"]:
            solutions = _text_filter(solutions, SOLUTION_KIND, data["q"], "name")
        if data["sector"]:
            solutions = solutions.filter(sectors=data["sector"])
        if data["pillar"]:
            solutions = solutions.filter(pillars=data["pillar"])
        if data["technology"]:
            solutions = solutions.filter(technologies=data["technology"])
        if data["region"]:
            solutions = solutions.filter(Q(regions=data["region"]) | Q(regions__isnull=True))
        if data["provider_type"]:
            solutions = solutions.filter(provider__type=data["provider_type"])
    solutions = (
        solutions.distinct()
        .select_related("provider")
        .prefetch_related("sectors", "pillars", "technologies")
        .annotate(
            deployment_count=Count(
                "deployments",
                filter=Q(deployments__project__published_at__isnull=False),
                distinct=True,
            )
        )
        .order_by("name", "id")
    )
    page = Paginator(solutions, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page_obj": page,
        "solutions": page.object_list,
        "chips": _chips(request, form, {"provider_type": "provider_type"}),
        "can_offer": organisations_for_solutions(request.user).exists(),
        "can_post": cities_for_challenges(request.user).exists(),
    }
    if request.htmx and not request.htmx.boosted:
        return render(request, "matching/_solution_results.html", context)
    return render(request, "matching/solution_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def solution_create(request: HttpRequest) -> HttpResponse:
    if not organisations_for_solutions(request.user).exists():
        raise PermissionDenied
    form = SolutionForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        provider = form.cleaned_data["provider"]
        authorize(request.user, "matching.add_solution", provider)
        try:
            solution = services.solution_create(
                actor=request.user, provider=provider, **form.service_fields()
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, _("The solution is saved as a draft. Publish it to have it matched.")
            )
            return redirect(solution)
    return render(request, "matching/solution_form.html", {"form": form, "solution": None})


@login_required
@require_http_methods(["GET", "POST"])
def solution_edit(request: HttpRequest, slug: str) -> HttpResponse:
    solution = _solution_for(request, slug)
    authorize(request.user, "matching.change_solution", solution)
    form = SolutionForm(request.POST or None, user=request.user, solution=solution)
    if request.method == "POST" and form.is_valid():
        try:
            services.solution_update(actor=request.user, solution=solution, **form.service_fields())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The solution is saved."))
            return redirect(solution)
    return render(
        request,
        "matching/solution_form.html",
        {"form": form, "solution": solution, "history": _history(solution)},
    )


def _solution_action(request: HttpRequest, solution: Solution) -> HttpResponse | None:
    """The keepers' changes made from the solution's page: status, deployments and media.
    Returns a redirect when done, None when a form has errors to show."""
    authorize(request.user, "matching.change_solution", solution)
    action = request.POST.get("action", "")
    user = request.user
    if action == "status":
        status = request.POST.get("status", "")
        if status not in PublicationStatus.values:
            return HttpResponseBadRequest()
        services.solution_set_status(actor=user, solution=solution, status=status)
        messages.success(
            request,
            _("The solution is now: %(status)s.") % {"status": PublicationStatus(status).label},
        )
    elif action == "deployment_remove":
        pk = _posted_id(request, "deployment")
        if pk is None:
            return HttpResponseBadRequest()
        deployment = get_object_or_404(
            Deployment.objects.select_related("project", "solution"), pk=pk, solution=solution
        )
        services.deployment_remove(actor=user, deployment=deployment)
        messages.success(request, _("The deployment is removed."))
    elif action == "media_remove":
        pk = _posted_id(request, "media")
        if pk is None:
            return HttpResponseBadRequest()
        media = get_object_or_404(
            SolutionMedia.objects.select_related("solution"), pk=pk, solution=solution
        )
        services.media_remove(actor=user, media=media)
        messages.success(request, _("The media is removed."))
    else:
        return HttpResponseBadRequest()
    return redirect(solution)


@require_http_methods(["GET", "POST"])
def solution_detail(request: HttpRequest, slug: str) -> HttpResponse:
    solution = _solution_for(request, slug)
    user = request.user
    can_change = user.has_perm("matching.change_solution", solution)
    deployment_form = media_form = None
    if can_change:
        deployment_form = DeploymentForm(solution=solution, q=request.GET.get("q", "").strip())
        media_form = MediaForm(initial={"kind": MediaKind.IMAGE})
    if request.method == "POST":
        if not user.is_authenticated:
            return redirect(f"{reverse('accounts:login')}?next={request.path}")
        action = request.POST.get("action", "")
        if action == "deployment_add":
            authorize(user, "matching.change_solution", solution)
            deployment_form = DeploymentForm(request.POST, solution=solution)
            if deployment_form.is_valid():
                try:
                    services.deployment_add(
                        actor=user,
                        solution=solution,
                        project=deployment_form.cleaned_data["project"],
                        note=deployment_form.cleaned_data["note"],
                    )
                except ValidationError as error:
                    add_service_errors(deployment_form, error)
                else:
                    messages.success(request, _("The deployment is added."))
                    return redirect(solution)
        elif action == "media_add":
            authorize(user, "matching.change_solution", solution)
            media_form = MediaForm(request.POST, request.FILES)
            if media_form.is_valid():
                try:
                    services.media_add(actor=user, solution=solution, **media_form.cleaned_data)
                except ValidationError as error:
                    add_service_errors(media_form, error)
                else:
                    messages.success(request, _("The media is added."))
                    return redirect(solution)
        else:
            response = _solution_action(request, solution)
            if response is not None:
                return response
    # Only projects still in the catalog: an unpublished one is no longer shown anywhere.
    deployments = list(
        solution.deployments.filter(project__published_at__isnull=False)
        .select_related("project__organisation")
        .order_by("project__organisation__name", "project__title")
    )
    media = list(solution.media.all())
    # A challenge the person keeps, when they came from its matches to ask for a meeting.
    from_challenge = None
    if request.GET.get("challenge") and user.is_authenticated:
        candidate = Challenge.objects.filter(slug=request.GET["challenge"]).first()
        if candidate is not None and user.has_perm("matching.decide_for_challenge", candidate):
            from_challenge = candidate
    is_provider = solution.provider_id in affiliated_organisation_ids(user)
    context = {
        "solution": solution,
        "sectors": list(solution.sectors.all()),
        "pillars": list(solution.pillars.all()),
        "technologies": list(solution.technologies.all()),
        "regions": list(solution.regions.all()),
        "references": [line.strip() for line in solution.references.splitlines() if line.strip()],
        "deployments": deployments,
        "images": [m for m in media if m.kind == MediaKind.IMAGE],
        "links": [m for m in media if m.kind != MediaKind.IMAGE],
        "can_change": can_change,
        "deployment_form": deployment_form,
        "deployment_query": request.GET.get("q", ""),
        "media_form": media_form,
        "statuses": PublicationStatus,
        "show_request_box": bool(
            user.is_authenticated
            and not is_provider
            and solution.contact_id
            and solution.contact_id != user.pk
            and solution.status == PublicationStatus.PUBLISHED
        ),
        "from_challenge": from_challenge,
    }
    return render(request, "matching/solution_detail.html", context)


# --- Matches ------------------------------------------------------------------------------------


@dataclass
class MatchPage:
    matches: list
    number: int
    has_previous: bool
    has_next: bool


def _match_page(request: HttpRequest, rank, obj, *, keeper: bool) -> tuple[MatchPage, dict]:
    include_dismissed = keeper and request.GET.get("dismissed") == "1"
    only_saved = keeper and request.GET.get("saved") == "1"
    number = _page_number(request)
    found = rank(
        obj,
        include_dismissed=include_dismissed,
        only_saved=only_saved,
        with_decisions=keeper,  # the side's decisions are its own: not even what they hide
        limit=MATCHES_PAGE_SIZE + 1,
        offset=(number - 1) * MATCHES_PAGE_SIZE,
    )
    page = MatchPage(
        matches=found[:MATCHES_PAGE_SIZE],
        number=number,
        has_previous=number > 1,
        has_next=len(found) > MATCHES_PAGE_SIZE,
    )
    return page, {"include_dismissed": include_dismissed, "only_saved": only_saved}


@require_GET
def challenge_matches(request: HttpRequest, slug: str) -> HttpResponse:
    """The city's view: the solutions proposed for a challenge, each with why it was proposed."""
    challenge = _challenge_for(request, slug)
    keeper = request.user.has_perm("matching.decide_for_challenge", challenge)
    page, toggles = _match_page(request, ranking.solutions_for_challenge, challenge, keeper=keeper)
    conversations = dict(
        Conversation.objects.filter(
            challenge=challenge, solution_id__in=[m.solution.pk for m in page.matches]
        ).values_list("solution_id", "pk")
    )
    return render(
        request,
        "matching/challenge_matches.html",
        {
            "challenge": challenge,
            "page": page,
            "keeper": keeper,
            "side": Side.CITY,
            "conversations": conversations,
            "is_published": challenge.status == PublicationStatus.PUBLISHED,
            **toggles,
        },
    )


@login_required
@require_GET
def solution_matches(request: HttpRequest, slug: str) -> HttpResponse:
    """The provider's view: the challenges its solution may answer."""
    solution = _solution_for(request, slug)
    authorize(request.user, "matching.decide_for_solution", solution)
    page, toggles = _match_page(request, ranking.challenges_for_solution, solution, keeper=True)
    conversations = dict(
        Conversation.objects.filter(
            solution=solution, challenge_id__in=[m.challenge.pk for m in page.matches]
        ).values_list("challenge_id", "pk")
    )
    return render(
        request,
        "matching/solution_matches.html",
        {
            "solution": solution,
            "page": page,
            "keeper": True,
            "side": Side.PROVIDER,
            "conversations": conversations,
            "is_published": solution.status == PublicationStatus.PUBLISHED,
            **toggles,
        },
    )


@login_required
@require_POST
def match_decide(request: HttpRequest) -> HttpResponse:
    """Save, dismiss or take back a decision on a match, for the side the person keeps."""
    form = DecideForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest(_("Unknown match or decision."))
    challenge = form.cleaned_data["challenge"]
    solution = form.cleaned_data["solution"]
    side = form.cleaned_data["side"]
    state = form.cleaned_data["state"] or None
    user = request.user
    if not (
        user.has_perm("matching.view_challenge", challenge)
        and user.has_perm("matching.view_solution", solution)
    ):
        raise Http404
    if side == Side.CITY:
        authorize(user, "matching.decide_for_challenge", challenge)
        fallback = reverse("matching:challenge_matches", args=[challenge.slug])
    else:
        authorize(user, "matching.decide_for_solution", solution)
        fallback = reverse("matching:solution_matches", args=[solution.slug])
    services_matches.match_decide(
        actor=user, challenge=challenge, solution=solution, side=side, state=state
    )
    if request.htmx:
        return render(
            request,
            "matching/_decision.html",
            {
                "challenge": challenge,
                "solution": solution,
                "side": side,
                "state": state,
                "next": _safe_next(request, fallback),
                "just_decided": True,
            },
        )
    if state == MatchState.SAVED:
        messages.success(request, _("The match is saved."))
    elif state == MatchState.DISMISSED:
        messages.success(request, _("The match is dismissed: it is no longer shown."))
    else:
        messages.success(request, _("The decision is taken back."))
    return redirect(_safe_next(request, fallback))


# --- Challenges ---------------------------------------------------------------------------------


def _visible_challenges(user: Any) -> QuerySet[Challenge]:
    return Challenge.objects.filter(
        Q(status=PublicationStatus.PUBLISHED)
        | (~Q(status=PublicationStatus.PUBLISHED) & _kept_filter(user, "city"))
    )


@require_GET
def challenge_list(request: HttpRequest) -> HttpResponse:
    """Published challenges of cities, newest first (and the drafts of the cities one keeps)."""
    form = ChallengeFilterForm(request.GET)
    challenges = _visible_challenges(request.user)
    if form.is_valid():
        data = form.cleaned_data
        if data["q"]:
            challenges = _text_filter(challenges, CHALLENGE_KIND, data["q"], "title")
        if data["sector"]:
            challenges = challenges.filter(sectors=data["sector"])
        if data["pillar"]:
            challenges = challenges.filter(pillars=data["pillar"])
        if data["region"]:
            challenges = challenges.filter(city__region=data["region"])
    challenges = (
        challenges.distinct()
        .select_related("city")
        .prefetch_related("sectors", "pillars")
        .order_by("-published_at", "-id")
    )
    page = Paginator(challenges, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page_obj": page,
        "challenges": page.object_list,
        "chips": _chips(request, form, {}),
        "can_post": cities_for_challenges(request.user).exists(),
    }
    if request.htmx and not request.htmx.boosted:
        return render(request, "matching/_challenge_results.html", context)
    return render(request, "matching/challenge_list.html", context)


def _description_stub(city, group, score: float, result) -> str:
    return _(
        "Our score on %(group)s in the %(index)s (%(year)s) is %(score)s out of 100, one of our "
        "weakest. We are looking for solutions that help us improve it.\n\n"
        "What the problem is today:\n\nWho it affects:\n\nWhat we have tried:\n\n"
        "What success would look like:"
    ) % {
        "group": group.name,
        "index": result.result_set.version.framework.name,
        "year": result.result_set.year,
        "score": f"{score:.1f}",
    }


@login_required
@require_http_methods(["GET", "POST"])
def challenge_create(request: HttpRequest) -> HttpResponse:
    """A new challenge of one of the cities the person posts for; it may start from one of the
    city's weakest pillars in its latest index result."""
    cities = list(cities_for_challenges(request.user).select_related("region"))
    if not cities:
        raise PermissionDenied
    by_id = {c.pk: c for c in cities}
    data = request.POST if request.method == "POST" else request.GET
    try:
        city = by_id.get(int(data.get("city") or 0))
    except ValueError:
        city = None
    if city is None and len(cities) == 1:
        city = cities[0]
    weak = services.weak_pillars(city) if city is not None else []
    chosen = None
    if request.method == "GET" and request.GET.get("group"):
        chosen = next((item for item in weak if str(item[0].pk) == request.GET.get("group")), None)
    initial: dict[str, Any] = {"city": city}
    if chosen is not None:
        group, score, result = chosen
        initial.update(
            {
                "title": _("Improve %(group)s") % {"group": group.name},
                "description": _description_stub(city, group, score, result),
                "pillars": list(group.pillars.all()),
                "sectors": list(group.sectors.all()),
                "index_group": group.pk,
                "index_score": score,
            }
        )
    form = ChallengeForm(
        request.POST if request.method == "POST" else None, user=request.user, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        city = form.cleaned_data["city"]
        authorize(request.user, "matching.add_challenge", city)
        weak_scores = {g.pk: (g, s) for g, s, _r in services.weak_pillars(city)}
        try:
            challenge = services.challenge_create(
                actor=request.user, city=city, **form.service_fields(weak_scores)
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, _("The challenge is saved as a draft. Publish it to see matches.")
            )
            return redirect(challenge)
    return render(
        request,
        "matching/challenge_form.html",
        {
            "form": form,
            "challenge": None,
            "cities": cities,
            "city": city,
            "weak": weak,
            "chosen": chosen,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def challenge_edit(request: HttpRequest, slug: str) -> HttpResponse:
    challenge = _challenge_for(request, slug)
    authorize(request.user, "matching.change_challenge", challenge)
    form = ChallengeForm(request.POST or None, user=request.user, challenge=challenge)
    if request.method == "POST" and form.is_valid():
        try:
            services.challenge_update(
                actor=request.user, challenge=challenge, **form.service_fields()
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The challenge is saved."))
            return redirect(challenge)
    return render(
        request,
        "matching/challenge_form.html",
        {"form": form, "challenge": challenge, "history": _history(challenge)},
    )


@require_http_methods(["GET", "POST"])
def challenge_detail(request: HttpRequest, slug: str) -> HttpResponse:
    challenge = _challenge_for(request, slug)
    user = request.user
    if request.method == "POST":
        if not user.is_authenticated:
            return redirect(f"{reverse('accounts:login')}?next={request.path}")
        authorize(user, "matching.change_challenge", challenge)
        status = request.POST.get("status", "")
        if request.POST.get("action") != "status" or status not in PublicationStatus.values:
            return HttpResponseBadRequest()
        services.challenge_set_status(actor=user, challenge=challenge, status=status)
        messages.success(
            request,
            _("The challenge is now: %(status)s.") % {"status": PublicationStatus(status).label},
        )
        return redirect(challenge)
    return render(
        request,
        "matching/challenge_detail.html",
        {
            "challenge": challenge,
            "sectors": list(challenge.sectors.all()),
            "pillars": list(challenge.pillars.all()),
            "can_change": user.has_perm("matching.change_challenge", challenge),
            "statuses": PublicationStatus,
        },
    )


# --- Conversations ------------------------------------------------------------------------------


def _visible_conversations(user: Any) -> QuerySet[Conversation]:
    if is_secretariat(user):
        return Conversation.objects.all()
    mine = affiliated_organisation_ids(user)
    condition = Q(challenge__city_id__in=mine) | Q(solution__provider_id__in=mine)
    regions = served_region_ids(user)
    if regions:
        condition |= Q(challenge__city__region_id__in=regions)
        condition |= Q(solution__provider__region_id__in=regions)
    return Conversation.objects.filter(condition)


@login_required
@require_GET
def conversation_list(request: HttpRequest) -> HttpResponse:
    """The conversations of the organisations a person belongs to (all they serve, for staff)."""
    conversations = (
        _visible_conversations(request.user)
        .select_related("challenge__city", "solution__provider")
        .annotate(message_count=Count("messages"))
        .order_by("-last_message_at", "-id")
    )
    page = Paginator(conversations, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "matching/conversation_list.html",
        {"page_obj": page, "conversations": page.object_list},
    )


@login_required
@require_POST
def conversation_start(request: HttpRequest) -> HttpResponse:
    form = ConversationStartForm(request.POST)
    if not form.is_valid():
        if "body" in form.errors and not (set(form.errors) - {"body"}):
            messages.error(request, _("Write a message to start the conversation."))
            return redirect(_safe_next(request, reverse("matching:conversations")))
        return HttpResponseBadRequest(_("Unknown challenge or solution."))
    challenge = form.cleaned_data["challenge"]
    solution = form.cleaned_data["solution"]
    user = request.user
    if not (
        user.has_perm("matching.view_challenge", challenge)
        and user.has_perm("matching.view_solution", solution)
    ):
        raise Http404
    if not (
        user.has_perm("matching.decide_for_challenge", challenge)
        or user.has_perm("matching.decide_for_solution", solution)
    ):
        raise PermissionDenied
    try:
        conversation = services_matches.conversation_start(
            actor=user, challenge=challenge, solution=solution, body=form.cleaned_data["body"]
        )
    except ValidationError as error:
        for text in error.messages:
            messages.error(request, text)
        return redirect(_safe_next(request, reverse("matching:conversations")))
    messages.success(request, _("Your message is sent."))
    return redirect(conversation)


@login_required
@require_http_methods(["GET", "POST"])
def conversation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    conversation = get_object_or_404(
        Conversation.objects.select_related(
            "challenge__city", "challenge__created_by", "solution__provider", "solution__contact"
        ),
        pk=pk,
    )
    user = request.user
    if not user.has_perm("matching.view_conversation", conversation):
        raise Http404
    form = MessageForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services_matches.message_post(
                actor=user, conversation=conversation, body=form.cleaned_data["body"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Your message is sent."))
            return redirect(conversation)
    mine = affiliated_organisation_ids(user)
    if conversation.solution.provider_id in mine:
        recipient = conversation.challenge.created_by
    else:
        recipient = conversation.solution.contact
    return render(
        request,
        "matching/conversation_detail.html",
        {
            "conversation": conversation,
            "challenge": conversation.challenge,
            "solution": conversation.solution,
            "thread": list(conversation.messages.select_related("author")),
            "form": form,
            "recipient": recipient if recipient is not None and recipient.pk != user.pk else None,
        },
    )
