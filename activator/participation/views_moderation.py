"""Reporting content, the moderation queue, one item's decisions and the author's appeal."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from activator.core.audit import audit_for
from activator.core.permissions import authorize
from activator.core.redirects import local_next
from activator.participation import services_moderation as moderation
from activator.participation.enums import AppealStatus, FlagReason
from activator.participation.forms_moderation import AppealForm, DecisionForm, FlagForm
from activator.participation.models import Space
from activator.participation.rules import space_of

PAGE_SIZE = 20
TAB_LABELS = {
    "awaiting": gettext_lazy("Hidden by reports"),
    "flagged": gettext_lazy("Reported"),
    "hidden": gettext_lazy("Hidden by moderators"),
    "appeals": gettext_lazy("Appeals"),
}
ACTIONS = {
    "participation.auto_hidden": gettext_lazy("Hidden by reports until a moderator decides"),
    "participation.hidden": gettext_lazy("Hidden by a moderator"),
    "participation.restored": gettext_lazy("Shown by a moderator"),
    "participation.appealed": gettext_lazy("Appealed by the author"),
    "participation.appeal_granted": gettext_lazy("Appeal granted"),
    "participation.appeal_upheld": gettext_lazy("Appeal refused"),
}


def safe_next(request: HttpRequest, url: str | None) -> str | None:
    """A `next` address on this site, or None."""
    return local_next(request, url)


def _first_error(error: ValidationError) -> str:
    return error.messages[0] if error.messages else _("This could not be done.")


@login_required
@require_POST
def flag(request: HttpRequest) -> HttpResponse:
    form = FlagForm(request.POST)
    back = safe_next(request, request.POST.get("next"))
    if not form.is_valid():
        if "kind" in form.errors or "id" in form.errors:
            raise Http404
        message = next(iter(form.errors.values()))[0]
        return _answer(request, back, message, ok=False)
    target = moderation.content_get(form.cleaned_data["kind"], form.cleaned_data["id"])
    try:
        moderation.flag(
            request.user, target, form.cleaned_data["reason"], form.cleaned_data["details"]
        )
    except ValidationError as exc:
        return _answer(
            request, back or target.get_absolute_url(), _first_error(exc), ok=False, target=target
        )
    return _answer(
        request,
        back or target.get_absolute_url(),
        _("Thank you. The moderators will look at your report."),
        ok=True,
        target=target,
    )


def _answer(
    request: HttpRequest, back: str | None, message: str, *, ok: bool, target: Any = None
) -> HttpResponse:
    """htmx swaps the report button for the answer; otherwise back to the page, with a message."""
    if request.htmx:
        # 200 either way: htmx swaps in only successful answers.
        return render(
            request, "participation/moderation/_flag_answer.html", {"message": message, "ok": ok}
        )
    (messages.success if ok else messages.error)(request, message)
    return redirect(back or reverse("participation:spaces"))


@login_required
@require_GET
def queue(request: HttpRequest, space: str) -> HttpResponse:
    space_obj = get_object_or_404(Space.objects.select_related("organisation"), slug=space)
    authorize(request.user, "participation.moderate", space_obj)
    tab = request.GET.get("tab")
    if tab not in moderation.TABS:
        tab = moderation.TABS[0]
    page = Paginator(moderation.Queue(space_obj, tab), PAGE_SIZE).get_page(request.GET.get("page"))
    counts = moderation.queue_counts(space_obj)
    return render(
        request,
        "participation/moderation/queue.html",
        {
            "space": space_obj,
            "tab": tab,
            "tabs": [(key, TAB_LABELS[key], counts[key]) for key in moderation.TABS],
            "page_obj": page,
            "items": page.object_list,
            "next": request.get_full_path(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def moderate(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    target = moderation.content_get(kind, pk)
    authorize(request.user, "participation.moderate", target)
    form = DecisionForm(
        request.POST or None,
        initial={"next": request.GET.get("next", "")},
        appeal_pending=target.appeal_status == AppealStatus.PENDING,
    )
    if request.method == "POST" and form.is_valid():
        try:
            moderation.decide(
                request.user, target, form.cleaned_data["action"], form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            if hasattr(exc, "error_dict") and "reason" in exc.error_dict:
                form.add_error("reason", exc.error_dict["reason"])
            else:
                form.add_error(None, _first_error(exc))
            target = moderation.content_get(kind, pk)
        else:
            messages.success(request, _("Your decision is saved."))
            back = safe_next(request, form.cleaned_data["next"])
            return redirect(back or moderation.moderate_url(target))
    reasons = moderation.reason_counts({kind: [target.pk]}).get((kind, target.pk), {})
    labels = dict(FlagReason.choices)
    return render(
        request,
        "participation/moderation/detail.html",
        {
            "target": target,
            "kind": kind,
            "space": space_of(target),
            "title": moderation.content_title(target),
            "form": form,
            "reasons": [(labels.get(code, code), n) for code, n in sorted(reasons.items())],
            "flags": moderation.item_flags(target),
            "history": [(e, ACTIONS.get(e.action, e.action)) for e in audit_for(target)[:50]],
        },
        status=422 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def appeal(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    target = moderation.content_get(kind, pk)
    authorize(request.user, "participation.appeal", target)
    form = AppealForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            moderation.appeal(request.user, target, form.cleaned_data["text"])
        except ValidationError as exc:
            if hasattr(exc, "error_dict") and "text" in exc.error_dict:
                form.add_error("text", exc.error_dict["text"])
            else:
                form.add_error(None, _first_error(exc))
        else:
            messages.success(request, _("Your appeal is sent to the moderators."))
            back = safe_next(request, form.cleaned_data["next"])
            return redirect(back or moderation.appeal_url(target))
    return render(
        request,
        "participation/moderation/appeal.html",
        {
            "target": target,
            "kind": kind,
            "space": space_of(target),
            "title": moderation.content_title(target),
            "form": form,
        },
        status=422 if form.errors else 200,
    )
