"""Pages of debates, comments, surveys, following and the notifications inbox."""

import csv
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Case, IntegerField, Prefetch, Value, When
from django.forms import Form
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseRedirect,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from activator.core.redirects import local_next
from activator.participation import services_discussion as services
from activator.participation import services_notify
from activator.participation.checks import require_feature
from activator.participation.enums import Feature
from activator.participation.forms_discussion import (
    AnswerForm,
    CommentForm,
    DebateCloseForm,
    DebateForm,
    FollowForm,
    NotificationModeForm,
    QuestionFormSet,
    SurveyForm,
    question_initial,
    questions_from,
)
from activator.participation.models import (
    Comment,
    Debate,
    Notification,
    Participant,
    Phase,
    Process,
    Space,
    Survey,
    SurveyResponse,
)

PAGE_SIZE = 20


def _process(request: HttpRequest, space: str, process: str) -> Process:
    """The process named in the address, if the person may see it (else 404)."""
    found = get_object_or_404(
        Process.objects.select_related("space__organisation").prefetch_related(
            Prefetch("phases", queryset=Phase.objects.order_by("starts_on", "id"))
        ),
        space__slug=space,
        slug=process,
    )
    if not request.user.has_perm("participation.view_process", found):
        raise Http404
    return found


def _safe_next(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next")
    return local_next(request, target) or fallback


def _form_errors(form: Form, error: ValidationError) -> None:
    """A service's refusal shown on the form: on its field when it names one."""
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            shown = field in form.fields and not form.fields[field].widget.is_hidden
            form.add_error(field if shown else None, errors)
    else:
        form.add_error(None, error.messages)


def _refusal_text(code: str | None) -> str:
    return str(services.REFUSALS[code]) if code else ""


# --- Debates ----------------------------------------------------------------------------------


@require_GET
def debate_list(request: HttpRequest, space: str, process: str) -> HttpResponse:
    process_obj = _process(request, space, process)
    require_feature(process_obj.space, Feature.DEBATES)
    debates = services.debates_for(process_obj, request.user)
    page = Paginator(debates, PAGE_SIZE).get_page(request.GET.get("page"))
    refusal = services.debate_refusal(request.user, process_obj)
    return render(
        request,
        "participation/discussion/debate_list.html",
        {
            "process": process_obj,
            "space": process_obj.space,
            "page_obj": page,
            "debates": page.object_list,
            "may_open": refusal is None,
            "refusal": refusal,
            "refusal_text": _refusal_text(refusal),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def debate_new(request: HttpRequest, space: str, process: str) -> HttpResponse:
    process_obj = _process(request, space, process)
    require_feature(process_obj.space, Feature.DEBATES)
    refusal = services.debate_refusal(request.user, process_obj)
    context: dict[str, Any] = {
        "process": process_obj,
        "space": process_obj.space,
        "refusal": refusal,
        "refusal_text": _refusal_text(refusal),
    }
    if refusal:
        return render(request, "participation/discussion/debate_form.html", context, status=403)
    form = DebateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            debate = services.debate_create(
                request.user,
                process=process_obj,
                title=form.cleaned_data["title"],
                body=form.cleaned_data["body"],
            )
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("The debate is open."))
            return redirect(debate.get_absolute_url())
    context["form"] = form
    return render(request, "participation/discussion/debate_form.html", context)


def _debate(request: HttpRequest, space: str, process: str, pk: int) -> Debate:
    process_obj = _process(request, space, process)
    require_feature(process_obj.space, Feature.DEBATES)
    debate = get_object_or_404(Debate.objects.select_related("author"), pk=pk, process=process_obj)
    debate.process = process_obj
    return debate


@require_GET
def debate_detail(request: HttpRequest, space: str, process: str, pk: int) -> HttpResponse:
    debate = _debate(request, space, process, pk)
    user = request.user
    moderates = user.has_perm("participation.moderate", debate)
    return render(
        request,
        "participation/discussion/debate_detail.html",
        {
            "debate": debate,
            "process": debate.process,
            "space": debate.process.space,
            "shows_body": services.shows_body(user, debate, moderates=moderates),
            "may_close": debate.closed_at is None
            and user.has_perm("participation.manage_space", debate),
            "author_name": services.public_name(debate.author),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def debate_close(request: HttpRequest, space: str, process: str, pk: int) -> HttpResponse:
    debate = _debate(request, space, process, pk)
    if not request.user.has_perm("participation.manage_space", debate):
        raise PermissionDenied
    if debate.closed_at is not None:
        messages.info(request, _("This debate is closed already."))
        return redirect(debate.get_absolute_url())
    form = DebateCloseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.debate_close(
                request.user, debate=debate, conclusions=form.cleaned_data["conclusions"]
            )
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("The debate is closed with its conclusions."))
            return redirect(debate.get_absolute_url())
    return render(
        request,
        "participation/discussion/debate_close.html",
        {"debate": debate, "process": debate.process, "space": debate.process.space, "form": form},
    )


# --- Comments ---------------------------------------------------------------------------------


@require_POST
def comment_new(request: HttpRequest) -> HttpResponse:
    """Post a comment or a reply; without JavaScript, errors show on a page of their own that
    keeps what was written."""
    form = CommentForm(request.POST)
    form.is_valid()
    data = getattr(form, "cleaned_data", {})
    if form.has_error("proposal") or form.has_error("debate") or form.has_error("parent"):
        return HttpResponseBadRequest(_("Unknown proposal, debate or comment."))
    target = services.comment_target(proposal=data.get("proposal"), debate=data.get("debate"))
    if target is None:
        if form.non_field_errors():
            return HttpResponseBadRequest(_("Comment on one proposal or one debate."))
        raise Http404
    if not services.may_view(request.user, target):
        raise Http404
    if not request.user.is_authenticated:
        return redirect_to_login(target.get_absolute_url())
    parent = None
    if data.get("parent"):
        # Only a comment on the same proposal or debate: never quote one from elsewhere.
        parent = (
            Comment.objects.filter(pk=data["parent"], **{target._meta.model_name: target})
            .select_related("author")
            .first()
        )
        if parent is None:
            form.add_error(None, _("That comment is not on this page."))
    if form.is_valid():
        try:
            comment = services.comment_create(
                request.user, target=target, body=form.cleaned_data["body"], parent=parent
            )
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("Your comment is posted."))
            return HttpResponseRedirect(comment.get_absolute_url())
    return render(
        request,
        "participation/discussion/comment_form.html",
        {
            "form": form,
            "target": target,
            "parent": parent,
            "parent_shown": parent is not None
            and services.shows_body(
                request.user,
                parent,
                moderates=request.user.has_perm("participation.moderate", target),
            ),
        },
        status=422,
    )


# --- Following --------------------------------------------------------------------------------


@require_POST
def follow(request: HttpRequest) -> HttpResponse:
    """Follow or stop following a process, proposal or debate (a toggle)."""
    form = FollowForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest(_("Unknown thing to follow."))
    target = services.followable(form.cleaned_data["kind"], form.cleaned_data["id"])
    if target is None or not services.may_view(request.user, target):
        raise Http404
    fallback = target.get_absolute_url()
    if not request.user.is_authenticated:
        return redirect_to_login(_safe_next(request, fallback))
    following = services.follow_toggle(request.user, target)
    next_url = _safe_next(request, fallback)
    if request.htmx:
        return render(
            request,
            "participation/discussion/_follow_button.html",
            {
                "kind": form.cleaned_data["kind"],
                "target": target,
                "following": following,
                "next": next_url,
                "just_changed": True,
            },
        )
    if following:
        messages.success(request, _("You follow it: you will be told what happens."))
    else:
        messages.success(request, _("You no longer follow it."))
    return redirect(next_url)


# --- Notifications ----------------------------------------------------------------------------


@login_required
@require_GET
def notifications(request: HttpRequest) -> HttpResponse:
    """The person's notifications, unread ones first, and how each space e-mails them."""
    inbox = (
        Notification.objects.filter(user=request.user)
        .select_related("space")
        .annotate(
            unread=Case(
                When(read_at__isnull=True, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("unread", "-created_at", "-id")
    )
    page = Paginator(inbox, PAGE_SIZE).get_page(request.GET.get("page"))
    unread = Notification.objects.filter(user=request.user, read_at__isnull=True).count()
    return render(
        request,
        "participation/discussion/notifications.html",
        {
            "page_obj": page,
            "notifications": page.object_list,
            "unread": unread,
            "participations": _participations(request.user),
        },
    )


def _participations(user: Any, space: Space | None = None) -> list[dict[str, Any]]:
    rows = Participant.objects.filter(user=user).select_related("space").order_by("space__title")
    if space is not None:
        rows = rows.filter(space=space)
    return [
        {
            "participant": p,
            "space": p.space,
            "form": NotificationModeForm(initial={"space": p.space.slug, "mode": p.notifications}),
            "digest": p.space.has_feature(Feature.DIGEST),
        }
        for p in rows
    ]


@login_required
@require_POST
def notifications_read(request: HttpRequest) -> HttpResponse:
    count = services_notify.mark_read(request.user)
    if count:
        messages.success(request, _("All your notifications are marked read."))
    return redirect("participation:notifications")


@login_required
@require_GET
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one notification read and go to what it is about."""
    notification = get_object_or_404(Notification, pk=pk, user=request.user)
    services_notify.mark_read(request.user, [notification.pk])
    url = notification.url
    if url.startswith("/") and not url.startswith("//") and "\\" not in url:
        return HttpResponseRedirect(url)
    return redirect("participation:notifications")


@login_required
@require_http_methods(["GET", "POST"])
def notification_mode(request: HttpRequest) -> HttpResponse:
    """How a participant hears of what they follow in a space: each at once, a daily digest, or
    only on the site."""
    if request.method == "POST":
        form = NotificationModeForm(request.POST)
        if not form.is_valid():
            return HttpResponseBadRequest(_("Choose a space and how to be told."))
        space = get_object_or_404(Space, slug=form.cleaned_data["space"])
        try:
            services_notify.set_mode(request.user, space, form.cleaned_data["mode"])
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                _("Saved: %(space)s, %(mode)s.")
                % {"space": space.title, "mode": _mode_label(form.cleaned_data["mode"])},
            )
        return redirect(_safe_next(request, reverse("participation:notification_mode")))
    space = None
    slug = request.GET.get("space", "")
    if slug:
        if "\x00" in slug:
            raise Http404
        space = get_object_or_404(Space, slug=slug[:100])
    return render(
        request,
        "participation/discussion/notification_mode.html",
        {"participations": _participations(request.user, space), "space": space},
    )


def _mode_label(mode: str) -> str:
    from activator.participation.enums import NotificationMode

    return str(NotificationMode(mode).label)


# --- Surveys ----------------------------------------------------------------------------------


def _survey(request: HttpRequest, space: str, process: str, pk: int) -> Survey:
    process_obj = _process(request, space, process)
    require_feature(process_obj.space, Feature.SURVEYS)
    survey = get_object_or_404(Survey, pk=pk, process=process_obj)
    survey.process = process_obj
    if not services.may_view(request.user, survey):
        raise Http404
    return survey


@require_GET
def survey_list(request: HttpRequest, space: str, process: str) -> HttpResponse:
    process_obj = _process(request, space, process)
    require_feature(process_obj.space, Feature.SURVEYS)
    page = Paginator(services.surveys_for(process_obj, request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "participation/discussion/survey_list.html",
        {
            "process": process_obj,
            "space": process_obj.space,
            "page_obj": page,
            "surveys": page.object_list,
            "may_manage": request.user.has_perm("participation.manage_space", process_obj),
        },
    )


def _survey_form_page(
    request: HttpRequest, process: Process, survey: Survey | None
) -> HttpResponse:
    if not request.user.has_perm("participation.manage_space", process):
        raise PermissionDenied
    answered = survey is not None and survey.responses.exists()
    if survey is None:
        initial: dict[str, Any] = {}
        question_rows: list[dict[str, Any]] = []
    else:
        initial = {
            "title": survey.title,
            "description": survey.description,
            "opens_on": survey.opens_on,
            "closes_on": survey.closes_on,
            "published": survey.published,
        }
        question_rows = question_initial(list(survey.questions.all()))
    form = SurveyForm(request.POST or None, initial=initial)
    formset = QuestionFormSet(request.POST or None, initial=question_rows, prefix="questions")
    if request.method == "POST":
        valid = form.is_valid() and (answered or formset.is_valid())
        if valid:
            data = form.cleaned_data
            questions = None if answered else questions_from(formset)
            try:
                if survey is None:
                    survey = services.survey_create(
                        request.user, process=process, questions=questions or [], **data
                    )
                    messages.success(request, _("The survey is saved."))
                else:
                    services.survey_update(request.user, survey=survey, questions=questions, **data)
                    messages.success(request, _("The survey is saved."))
            except ValidationError as error:
                _form_errors(form, error)
            else:
                return redirect(survey.get_absolute_url())
    return render(
        request,
        "participation/discussion/survey_form.html",
        {
            "process": process,
            "space": process.space,
            "survey": survey,
            "form": form,
            "formset": formset,
            "answered": answered,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def survey_new(request: HttpRequest, space: str, process: str) -> HttpResponse:
    process_obj = _process(request, space, process)
    require_feature(process_obj.space, Feature.SURVEYS)
    return _survey_form_page(request, process_obj, None)


@login_required
@require_http_methods(["GET", "POST"])
def survey_edit(request: HttpRequest, space: str, process: str, pk: int) -> HttpResponse:
    survey = _survey(request, space, process, pk)
    return _survey_form_page(request, survey.process, survey)


@require_http_methods(["GET", "POST"])
def survey_detail(request: HttpRequest, space: str, process: str, pk: int) -> HttpResponse:
    survey = _survey(request, space, process, pk)
    user = request.user
    questions = list(survey.questions.all())
    response = (
        SurveyResponse.objects.filter(survey=survey, user=user).first()
        if user.is_authenticated
        else None
    )
    refusal = services.survey_refusal(user, survey, answered=response is not None)
    form = AnswerForm(request.POST or None, questions=questions) if refusal is None else None
    if request.method == "POST":
        if not user.is_authenticated:
            return redirect_to_login(survey.get_absolute_url())
        if form is None:
            messages.error(request, _refusal_text(refusal))
            return redirect(survey.get_absolute_url())
        if form.is_valid():
            try:
                services.survey_answer(user, survey=survey, answers=form.answers())
            except ValidationError as error:
                _form_errors(form, error)
            else:
                messages.success(request, _("Thank you: your answers are saved."))
                return redirect(survey.get_absolute_url())
    return render(
        request,
        "participation/discussion/survey_detail.html",
        {
            "survey": survey,
            "process": survey.process,
            "space": survey.process.space,
            "questions": questions,
            "form": form,
            "response": response,
            "refusal": refusal,
            "refusal_text": _refusal_text(refusal),
            "may_manage": user.has_perm("participation.manage_space", survey),
            "may_see_results": user.has_perm("participation.view_survey_results", survey),
        },
    )


def _results_survey(request: HttpRequest, space: str, process: str, pk: int) -> Survey:
    survey = _survey(request, space, process, pk)
    if not request.user.has_perm("participation.view_survey_results", survey):
        raise PermissionDenied
    return survey


@login_required
@require_GET
def survey_results(request: HttpRequest, space: str, process: str, pk: int) -> HttpResponse:
    survey = _results_survey(request, space, process, pk)
    return render(
        request,
        "participation/discussion/survey_results.html",
        {
            "survey": survey,
            "process": survey.process,
            "space": survey.process.space,
            "results": services.survey_results(survey),
        },
    )


@login_required
@require_GET
def survey_results_csv(request: HttpRequest, space: str, process: str, pk: int) -> HttpResponse:
    """Every response as a row, one column per question (several choices joined by "; ")."""
    survey = _results_survey(request, space, process, pk)
    questions = list(survey.questions.all())
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="survey-{survey.pk}.csv"'
    writer = csv.writer(response)
    writer.writerow(
        [pgettext("survey response", "Answered at"), *[_csv_cell(q.text) for q in questions]]
    )
    for created_at, answers in survey.responses.order_by("created_at", "id").values_list(
        "created_at", "answers"
    ):
        answers = answers if isinstance(answers, dict) else {}
        cells = []
        for question in questions:
            value = answers.get(str(question.pk), "")
            cells.append(_csv_cell("; ".join(value) if isinstance(value, list) else str(value)))
        writer.writerow([created_at.isoformat(), *cells])
    return response


def _csv_cell(text: str) -> str:
    """No formula injection when the file is opened in a spreadsheet."""
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
