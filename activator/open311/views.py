"""Staff triage of service requests, and the public page where a requester follows one."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from activator.core.audit import audit_for
from activator.open311 import selectors, services
from activator.open311.forms import MergeForm, TriageFilterForm, TriageForm
from activator.open311.models import Service, ServiceRequest

PAGE_SIZE = 25
ACTIONS = {
    "open311.request_create": gettext_lazy("Filed through the API"),
    "open311.request_update": gettext_lazy("Triaged"),
    "open311.request_merge": gettext_lazy("Closed as a duplicate"),
}


@login_required
@require_GET
def triage_list(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("open311.view_triage"):
        raise PermissionDenied
    jurisdictions = selectors.jurisdictions_triaged_by(request.user)
    services_offered = (
        Service.objects.filter(jurisdiction__in=jurisdictions)
        .order_by("service_code")
        .values_list("service_code", "service_name")
        .distinct()
    )
    form = TriageFilterForm(
        request.GET or None,
        services=services_offered,
        jurisdictions=[(j.jurisdiction_id, j.organisation.name) for j in jurisdictions],
    )
    filters = form.cleaned_data if form.is_valid() else {}
    requests = selectors.requests_for_triage(request.user, **filters)
    page = Paginator(requests, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "open311/list.html",
        {"form": form, "page_obj": page, "requests": page.object_list},
    )


@login_required
@require_http_methods(["GET", "POST"])
def triage_detail(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(
        ServiceRequest.objects.select_related(
            "jurisdiction__organisation", "service", "merged_into"
        ),
        pk=pk,
    )
    if not request.user.has_perm("open311.triage_request", item):
        raise PermissionDenied
    form = TriageForm(instance=item)
    merge_form = MergeForm()
    if request.method == "POST":
        if request.POST.get("part") == "merge":
            merge_form = MergeForm(request.POST)
            if merge_form.is_valid():
                original = ServiceRequest.objects.filter(
                    pk=merge_form.cleaned_data["original"]
                ).first()
                if original is None:
                    merge_form.add_error("original", _("No request has this number."))
                else:
                    try:
                        services.service_request_merge(
                            actor=request.user, duplicate=item, original=original
                        )
                    except ValidationError as exc:
                        merge_form.add_error(None, exc.messages[0])
                    else:
                        messages.success(request, _("The request is closed as a duplicate."))
                        return redirect("open311:detail", pk=item.pk)
        else:
            form = TriageForm(request.POST, instance=ServiceRequest.objects.get(pk=item.pk))
            if form.is_valid():
                try:
                    services.service_request_update(
                        actor=request.user,
                        service_request=item,
                        **{name: form.cleaned_data[name] for name in services.TRIAGE_FIELDS},
                    )
                except ValidationError as exc:
                    form.add_error(None, exc.messages[0])
                else:
                    messages.success(request, _("The request is saved."))
                    return redirect("open311:detail", pk=item.pk)
    return render(
        request,
        "open311/detail.html",
        {
            "item": item,
            # Pairs built here: a client may name an attribute "items" or "keys".
            "answers": sorted((str(k), v) for k, v in item.attributes.items())
            if isinstance(item.attributes, dict)
            else [],
            "form": form,
            "merge_form": merge_form,
            "duplicates": item.duplicates.order_by("pk"),
            "history": [(e, ACTIONS.get(e.action, e.action)) for e in audit_for(item)[:50]],
        },
    )


@require_GET
def track(request: HttpRequest, token: str) -> HttpResponse:
    if "\x00" in token:
        raise Http404
    item = get_object_or_404(
        ServiceRequest.objects.select_related("service", "jurisdiction__organisation"), token=token
    )
    return render(request, "open311/track.html", {"item": item})
