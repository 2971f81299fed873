"""Staff pages that set up an event: its form, its status, its documents and its photos.

The Secretariat manages every event; regional office staff the events their office runs
(`events.manage_event`, and `events.add_event` to start one). A draft a person may not see
answers 404; an event they see but may not manage answers 403. GET pages never change
anything; every write is a POST that goes through `events.services`.
"""

import copy
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from activator.core.audit import audit_for
from activator.core.forms import add_service_errors
from activator.core.permissions import authorize
from activator.events import selectors, services
from activator.events.enums import EventStatus
from activator.events.forms import DocumentForm, EventForm, PhotoCaptionForm, PhotoForm, StatusForm
from activator.events.models import Document, Event, Photo

STATUS_DONE = {
    EventStatus.PUBLISHED: gettext_lazy("%(title)s is published."),
    EventStatus.DRAFT: gettext_lazy("%(title)s is a draft again: only staff see it."),
    EventStatus.CANCELLED: gettext_lazy(
        "%(title)s is cancelled; everyone registered is told by e-mail."
    ),
}

# The audit trail's actions as the history on the edit page names them.
ACTION_LABELS = {
    "event.created": gettext_lazy("Created"),
    "event.updated": gettext_lazy("Edited"),
    "event.published": gettext_lazy("Published"),
    "event.unpublished": gettext_lazy("Back to draft"),
    "event.cancelled": gettext_lazy("Cancelled"),
    "event.document_added": gettext_lazy("Document added"),
    "event.document_removed": gettext_lazy("Document deleted"),
    "event.photo_added": gettext_lazy("Photo added"),
    "event.photo_updated": gettext_lazy("Photo caption changed"),
    "event.photo_removed": gettext_lazy("Photo deleted"),
}


def _history(event: Event) -> list[tuple[Any, str]]:
    """The event's latest changes, each with a readable name for its action."""
    return [
        (entry, str(ACTION_LABELS.get(entry.action, entry.action)))
        for entry in audit_for(event)[:30]
    ]


def _event_to_manage(request: HttpRequest, slug: str) -> Event:
    """The event, if the person sees it (else 404) and manages it (else 403)."""
    event = get_object_or_404(
        selectors.events_visible_to(request.user).prefetch_related("partners"), slug=slug
    )
    authorize(request.user, "events.manage_event", event)
    return event


def _status(request: HttpRequest) -> int:
    return 400 if request.method == "POST" else 200


# --- The event itself ---------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def create(request: HttpRequest) -> HttpResponse:
    authorize(request.user, "events.add_event")
    user = request.user
    instance = Event(office_id=None if user.is_secretariat else user.regional_office_id)
    form = EventForm(request.POST or None, instance=instance, user=user)
    if request.method == "POST" and form.is_valid():
        fields = form.service_fields()
        if not user.is_secretariat:
            fields["office"] = user.regional_office
        try:
            event = services.event_create(actor=user, **fields)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("%(title)s was created as a draft. Publish it when it is ready.")
                % {"title": event.title},
            )
            return redirect(event)
    return render(
        request,
        "events/manage/event_form.html",
        {"form": form, "event": None},
        status=_status(request),
    )


@login_required
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, slug: str) -> HttpResponse:
    event = _event_to_manage(request, slug)
    user = request.user
    # The form works on a copy, so the page keeps the saved values while errors are shown.
    form = EventForm(request.POST or None, instance=copy.copy(event), user=user)
    if request.method == "POST" and form.is_valid():
        fields = form.service_fields()
        if not user.is_secretariat:
            fields["office"] = user.regional_office
        try:
            saved = services.event_update(actor=user, event=copy.copy(event), **fields)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect(saved)
    return render(
        request,
        "events/manage/event_form.html",
        {"form": form, "event": event, "history": _history(event)},
        status=_status(request),
    )


@login_required
@require_POST
def change_status(request: HttpRequest, slug: str) -> HttpResponse:
    """Publish, take back to draft, or cancel with a reason."""
    event = _event_to_manage(request, slug)
    form = StatusForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
        return redirect(event)
    status = form.cleaned_data["status"]
    try:
        services.event_set_status(
            actor=request.user, event=event, status=status, reason=form.cleaned_data["reason"]
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, STATUS_DONE[status] % {"title": event.title})
    return redirect(event)


# --- Documents --------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def documents(request: HttpRequest, slug: str) -> HttpResponse:
    """The event's documents: upload one (with who may read it) or delete one."""
    event = _event_to_manage(request, slug)
    form = DocumentForm(event=event)
    if request.method == "POST" and "delete" in request.POST:
        document = _document_of(event, request.POST.get("delete"))
        services.document_remove(actor=request.user, document=document)
        messages.success(
            request, _("The document “%(title)s” was deleted.") % {"title": document.title}
        )
        return redirect("events:documents", event.slug)
    if request.method == "POST":
        form = DocumentForm(request.POST, request.FILES, event=event)
        if form.is_valid():
            data = form.cleaned_data
            try:
                document = services.document_add(
                    actor=request.user,
                    event=event,
                    title=data["title"],
                    file=data["file"],
                    access=data["access"],
                    agenda_item=data.get("agenda_item"),
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("%(title)s was added.") % {"title": document.title})
                return redirect("events:documents", event.slug)
    return render(
        request,
        "events/manage/documents.html",
        {
            "event": event,
            "form": form,
            "documents": event.documents.select_related("agenda_item", "uploaded_by"),
        },
        status=_status(request),
    )


def _document_of(event: Event, pk: str | None) -> Document:
    try:
        return get_object_or_404(Document, event=event, pk=int(pk or ""))
    except ValueError:
        raise Http404 from None


# --- Photos -----------------------------------------------------------------------------------


def _photo_of(event: Event, pk: str | None) -> Photo:
    try:
        return get_object_or_404(Photo, event=event, pk=int(pk or ""))
    except ValueError:
        raise Http404 from None


@login_required
@require_http_methods(["GET", "POST"])
def photos(request: HttpRequest, slug: str) -> HttpResponse:
    """The event's gallery: upload a photo with its caption, change a caption, delete one."""
    event = _event_to_manage(request, slug)
    form = PhotoForm()
    if request.method == "POST" and "delete" in request.POST:
        photo = _photo_of(event, request.POST.get("delete"))
        services.photo_remove(actor=request.user, photo=photo)
        messages.success(request, _("The photo was deleted."))
        return redirect("events:photos", event.slug)
    if request.method == "POST" and "caption_of" in request.POST:
        photo = _photo_of(event, request.POST.get("caption_of"))
        caption_form = PhotoCaptionForm(request.POST)
        if caption_form.is_valid():
            services.photo_update(
                actor=request.user, photo=photo, caption=caption_form.cleaned_data["caption"]
            )
            messages.success(request, _("The caption was saved."))
        else:
            messages.error(request, _("A caption has at most 300 characters."))
        return redirect("events:photos", event.slug)
    if request.method == "POST":
        form = PhotoForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                services.photo_add(
                    actor=request.user,
                    event=event,
                    image=form.cleaned_data["image"],
                    caption=form.cleaned_data["caption"],
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The photo was added."))
                return redirect("events:photos", event.slug)
    return render(
        request,
        "events/manage/photos.html",
        {"event": event, "form": form, "photos": event.photos.all()},
        status=_status(request),
    )
