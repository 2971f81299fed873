"""Debates, threaded comments, surveys and following: the rules of who may write when.

Each write says why it is refused with one of the REFUSALS codes, so the pages show the same
reason the services enforce (`comment_refusal`, `debate_refusal`, `survey_refusal`). Who the person
is (not logged in, not a verified participant, the plan) is a PermissionDenied; the state of the
thing (a closed debate, a withdrawn proposal, the phase) a ValidationError.

Comment threads nest to `Comment.MAX_DEPTH`: a reply to a comment at that depth becomes its
sibling (it answers the same parent, at the deepest level), and the person replied to is still
the one notified. Threads never get deeper than the page can indent, and nobody's reply is refused.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Model, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from activator.core.audit import audit_record, snapshot
from activator.core.ratelimit import check_rate
from activator.core.richtext import clean_html, plain_text
from activator.participation import services_notify
from activator.participation.enums import (
    Feature,
    Moderation,
    ParticipantStatus,
    PhaseKind,
    ProcessStatus,
    QuestionKind,
)
from activator.participation.models import (
    Comment,
    Debate,
    Participant,
    Process,
    Proposal,
    Question,
    Space,
    Survey,
    SurveyResponse,
)

COMMENT_MAX_LENGTH = 5_000
DEBATE_BODY_MAX_LENGTH = 20_000
TEXT_ANSWER_MAX_LENGTH = 2_000
TEXT_ANSWERS_SHOWN = 200  # the rest are in the CSV download
MAX_QUESTIONS = 50
MAX_CHOICES = 30

# What one may follow, by the name the forms and the API use.
FOLLOW_KINDS: dict[str, type[Model]] = {"process": Process, "proposal": Proposal, "debate": Debate}

REFUSALS = {
    "login": gettext_lazy("Log in to take part."),
    "join": gettext_lazy("Join the space to take part."),
    "pending": gettext_lazy("Your request to join this space is waiting for approval."),
    "refused": gettext_lazy("You cannot take part in this space."),
    "feature": gettext_lazy("This space's plan does not include this."),
    "unpublished": gettext_lazy("This process is not published."),
    "space_closed": gettext_lazy("This space is closed: it can be read, not written in."),
    "withdrawn": gettext_lazy("This proposal was withdrawn: it takes no comments."),
    "debate_closed": gettext_lazy("This debate is closed: it takes no comments."),
    "hidden": gettext_lazy("This is hidden by the moderators: it takes no comments."),
    "not_running": gettext_lazy("The process is not running: comments are closed."),
    "debate_phase": gettext_lazy("Debates are opened during the process's debate phase."),
    "survey_closed": gettext_lazy("This survey is not open for answers."),
    "answered": gettext_lazy("You have already answered this survey."),
}
# Refusals about who the person is (403 in the API); the others are about the thing (422).
WHO = frozenset({"login", "join", "pending", "refused", "feature", "unpublished"})


class AlreadyAnswered(ValidationError):
    """The person answered this survey already (the API answers 409)."""

    def __init__(self) -> None:
        super().__init__(str(REFUSALS["answered"]), code="answered")


def refuse(code: str) -> None:
    message = str(REFUSALS[code])
    if code in WHO:
        raise PermissionDenied(message)
    if code == "answered":
        raise AlreadyAnswered
    raise ValidationError(message, code=code)


def public_name(user: Any) -> str:
    """How a person is named to others: never their e-mail address."""
    if user is None:
        return _("Someone")
    return user.full_name or _("A participant")


def participant_status(user: Any, space: Space) -> str | None:
    if not user.is_authenticated:
        return None
    return (
        Participant.objects.filter(space=space, user=user).values_list("status", flat=True).first()
    )


def _who_refusal(user: Any, space: Space) -> str | None:
    """Why `user` may not write in `space` as a participant, or None."""
    if not user.is_authenticated:
        return "login"
    if not user.is_active:
        return "refused"
    status = participant_status(user, space)
    if status is None:
        return "join"
    if status == ParticipantStatus.PENDING:
        return "pending"
    if status != ParticipantStatus.VERIFIED:
        return "refused"
    return None


def is_running(process: Process, day: datetime.date | None = None) -> bool:
    """Between the start of its first phase and the end of its last (always, without phases)."""
    phases = list(process.phases.all())
    if not phases:
        return True
    day = day or timezone.localdate()
    return min(p.starts_on for p in phases) <= day <= max(p.ends_on for p in phases)


# --- Seeing and following ---------------------------------------------------------------------


def may_view(user: Any, target: Model) -> bool:
    """Whether `user` may see a process, proposal, debate or survey (drafts only to managers)."""
    if isinstance(target, Process):
        return user.has_perm("participation.view_process", target)
    process = target.process  # type: ignore[attr-defined]
    if not user.has_perm("participation.view_process", process):
        return False
    space = process.space
    if isinstance(target, Proposal):
        # A withdrawn proposal stays readable on its page, marked withdrawn (it takes no more
        # supports or comments); only lists leave it out.
        return True
    if isinstance(target, Debate):
        return space.has_feature(Feature.DEBATES)
    if isinstance(target, Survey):
        return space.has_feature(Feature.SURVEYS) and (
            target.published or user.has_perm("participation.manage_space", space)
        )
    return False


def followable(kind: str, pk: int) -> Model | None:
    """The process, proposal or debate of that kind and id, or None."""
    model = FOLLOW_KINDS.get(kind)
    if model is None or not 0 < pk < 2**63:
        return None
    related = "space" if model is Process else "process__space"
    return model.objects.select_related(related).filter(pk=pk).first()


def follow_set(actor: Any, target: Model, following: bool) -> bool:
    """Follow or stop following something the person may see; returns whether they follow."""
    if not actor.is_authenticated:
        raise PermissionDenied(str(REFUSALS["login"]))
    if not may_view(actor, target):
        raise PermissionDenied
    if following:
        services_notify.follow(actor, target)
    else:
        services_notify.unfollow(actor, target)
    return following


def follow_toggle(actor: Any, target: Model) -> bool:
    """Follow if not following yet, else stop; returns whether the person follows now."""
    return follow_set(actor, target, not services_notify.is_following(actor, target))


# --- Debates ----------------------------------------------------------------------------------


def debate_refusal(user: Any, process: Process) -> str | None:
    """Why `user` may not open a debate in `process` now, or None.

    Verified participants open debates during the debate phase of a published process; the
    people who manage the space, at any time.
    """
    space = process.space
    if not space.has_feature(Feature.DEBATES):
        return "feature"
    if not user.is_authenticated:
        return "login"
    if not space.is_open:
        return "space_closed"
    if user.has_perm("participation.manage_space", space):
        return None
    if process.status != ProcessStatus.PUBLISHED:
        return "unpublished"
    if who := _who_refusal(user, space):
        return who
    if not process.in_phase(PhaseKind.DEBATE):
        return "debate_phase"
    return None


def _title(title: str) -> str:
    title = " ".join((title or "").split())
    if not title:
        raise ValidationError({"title": _("Give it a title.")})
    if len(title) > 150:
        raise ValidationError({"title": _("At most 150 characters.")})
    return title


def _rich(text: str, field: str, *, max_length: int, required: bool = True) -> str:
    if len(text or "") > max_length:
        raise ValidationError({field: _("At most %(count)d characters.") % {"count": max_length}})
    cleaned = clean_html(text)
    if required and not plain_text(cleaned):
        raise ValidationError({field: _("Write something.")})
    return cleaned


@transaction.atomic
def debate_create(actor: Any, *, process: Process, title: str, body: str) -> Debate:
    """Open a debate; its author follows it and the process's followers hear of it."""
    if code := debate_refusal(actor, process):
        refuse(code)
    title = _title(title)
    body = _rich(body, "body", max_length=DEBATE_BODY_MAX_LENGTH)
    check_rate("debate", Debate.objects.filter(author=actor))
    debate = Debate.objects.create(process=process, author=actor, title=title, body=body)
    services_notify.follow(actor, debate)
    if process.status == ProcessStatus.PUBLISHED:
        services_notify.notify(
            space=process.space,
            verb="debate_new",
            text=_("New debate in “%(process)s”: %(title)s")
            % {"process": process.title, "title": title},
            url=debate.get_absolute_url(),
            targets=[process],
            actor=actor,
        )
    return debate


@transaction.atomic
def debate_close(actor: Any, *, debate: Debate, conclusions: str) -> Debate:
    """Close a debate with the city's conclusions: it takes no more comments. Audited."""
    if not actor.has_perm("participation.manage_space", debate):
        raise PermissionDenied
    if debate.closed_at is not None:
        raise ValidationError(_("This debate is closed already."))
    before = snapshot(debate, ["closed_at", "conclusions"])
    conclusions = _rich(conclusions, "conclusions", max_length=DEBATE_BODY_MAX_LENGTH)
    now = timezone.now()
    if not Debate.objects.filter(pk=debate.pk, closed_at__isnull=True).update(
        closed_at=now, conclusions=conclusions
    ):
        raise ValidationError(_("This debate is closed already."))
    debate.closed_at, debate.conclusions = now, conclusions
    audit_record(
        actor=actor,
        action="participation.debate_close",
        target=debate,
        changes={
            "closed_at": [before["closed_at"], str(now)],
            "conclusions": [before["conclusions"], conclusions],
        },
    )
    if debate.process.status == ProcessStatus.PUBLISHED:
        services_notify.notify(
            space=debate.process.space,
            verb="debate_closed",
            text=_("The debate “%(title)s” is closed, with its conclusions.")
            % {"title": debate.title},
            url=debate.get_absolute_url(),
            targets=[debate],
            actor=actor,
        )
    return debate


def debates_for(process: Process, viewer: Any) -> QuerySet[Debate]:
    """The debates of a process as listed to `viewer`: hidden ones only to moderators and their
    authors (marked), none when the plan has no debates; newest first."""
    if not process.space.has_feature(Feature.DEBATES):
        return Debate.objects.none()
    debates = Debate.objects.filter(process=process)
    if not viewer.has_perm("participation.moderate", process):
        shown = Q(moderation=Moderation.VISIBLE)
        if viewer.is_authenticated:
            shown |= Q(author=viewer)
        debates = debates.filter(shown)
    return debates.select_related("author", "process__space").order_by("-created_at", "-id")


# --- Comments ---------------------------------------------------------------------------------


def target_field(target: Model) -> str:
    if isinstance(target, Proposal):
        return "proposal"
    if isinstance(target, Debate):
        return "debate"
    raise TypeError("Comments are on proposals and debates.")


def comment_refusal(
    user: Any, target: Proposal | Debate, *, moderates: bool | None = None
) -> str | None:
    """Why `user` may not comment on `target` now, or None.

    Verified participants comment while the process runs; the space's managers and moderators
    (the city answering) at any time. Never on a withdrawn proposal, a closed debate, hidden
    content (but for moderators), an unpublished process or a closed space.
    """
    process = target.process
    space = process.space
    if not space.has_feature(Feature.COMMENTS) or (
        isinstance(target, Debate) and not space.has_feature(Feature.DEBATES)
    ):
        return "feature"
    if process.status != ProcessStatus.PUBLISHED:
        return "unpublished"
    if not user.is_authenticated:
        return "login"
    if not space.is_open:
        return "space_closed"
    if isinstance(target, Proposal) and target.withdrawn_at is not None:
        return "withdrawn"
    if isinstance(target, Debate) and target.closed_at is not None:
        return "debate_closed"
    if moderates is None:
        moderates = user.has_perm("participation.moderate", space)
    if target.moderation != Moderation.VISIBLE and not moderates:
        return "hidden"
    if moderates and user.is_active:
        return None
    if who := _who_refusal(user, space):
        return who
    if not is_running(process):
        return "not_running"
    return None


@transaction.atomic
def comment_create(
    actor: Any, *, target: Proposal | Debate, body: str, parent: Comment | None = None
) -> Comment:
    """Comment on a proposal or debate, or reply to one of its comments.

    The commenter follows the target; its followers hear of the comment, and the author of the
    comment replied to hears "replied to you".
    """
    field = target_field(target)
    moderates = actor.is_authenticated and actor.has_perm("participation.moderate", target)
    if code := comment_refusal(actor, target, moderates=moderates):
        refuse(code)
    replied_to = parent
    if parent is not None:
        if getattr(parent, f"{field}_id") != target.pk:
            raise ValidationError({"parent": _("That comment is not on this page.")})
        if parent.moderation != Moderation.VISIBLE and not moderates:
            raise ValidationError({"parent": _("That comment is hidden by the moderators.")})
        if parent.depth >= Comment.MAX_DEPTH:
            # As deep as threads go: answer the same parent, at the deepest level.
            parent = parent.parent
    body = _rich(body, "body", max_length=COMMENT_MAX_LENGTH)
    check_rate("comment", Comment.objects.filter(author=actor))
    comment = Comment.objects.create(
        **{field: target},
        parent=parent,
        depth=0 if parent is None else parent.depth + 1,
        author=actor,
        body=body,
    )
    type(target).objects.filter(pk=target.pk).update(comments_count=F("comments_count") + 1)
    services_notify.follow(actor, target)
    name, title, url = public_name(actor), target.title, comment.get_absolute_url()
    replied = []
    if replied_to is not None and replied_to.author_id != actor.pk:
        replied = [replied_to.author]
        services_notify.notify(
            space=target.process.space,
            verb="comment_reply",
            text=_("%(name)s replied to you on “%(title)s”") % {"name": name, "title": title},
            url=url,
            recipients=replied,
            actor=actor,
        )
    services_notify.notify(
        space=target.process.space,
        verb="comment",
        text=_("%(name)s commented on “%(title)s”") % {"name": name, "title": title},
        url=url,
        targets=[target],
        actor=actor,
        exclude=replied,
    )
    return comment


def comments_of(target: Proposal | Debate) -> list[Comment]:
    """Every comment on `target`, oldest first, with its author (one query)."""
    field = target_field(target)
    comments = list(
        Comment.objects.filter(**{field: target})
        .select_related("author")
        .order_by("created_at", "id")
    )
    for comment in comments:
        setattr(comment, field, target)  # comment.target needs no query
    return comments


def comment_tree(comments: Iterable[Comment]) -> list[tuple[Comment, list]]:
    """Comments as (comment, replies) pairs, each level oldest first."""
    children: defaultdict[int | None, list[Comment]] = defaultdict(list)
    for comment in comments:
        children[comment.parent_id].append(comment)

    def build(parent_id: int | None) -> list[tuple[Comment, list]]:
        return [(c, build(c.pk)) for c in children.get(parent_id, [])]

    return build(None)


def shows_body(viewer: Any, content: Any, *, moderates: bool) -> bool:
    """Whether `viewer` reads hidden content's text (participation.view_hidden: its author and
    the space's moderators); `moderates` is read once per page."""
    if content.moderation == Moderation.VISIBLE:
        return True
    return moderates or (viewer.is_authenticated and content.author_id == viewer.pk)


def comment_target(
    *, proposal: int | None = None, debate: int | None = None
) -> Proposal | Debate | None:
    model, pk = (Proposal, proposal) if proposal else (Debate, debate)
    if not pk or not 0 < pk < 2**63:
        return None
    return (
        model.objects.select_related("process__space")
        .prefetch_related("process__phases")
        .filter(pk=pk)
        .first()
    )


# --- Surveys ----------------------------------------------------------------------------------


def _questions(items: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Questions as given (text, kind, choices, required, position), checked and ordered."""
    cleaned = []
    for n, item in enumerate(items):
        text = " ".join(str(item.get("text") or "").split())
        if not text:
            continue
        if len(text) > 300:
            raise ValidationError({"questions": _("A question has at most 300 characters.")})
        kind = item.get("kind") or QuestionKind.TEXT
        if kind not in QuestionKind.values:
            raise ValidationError({"questions": _("Unknown kind of question.")})
        choices: list[str] = []
        if kind != QuestionKind.TEXT:
            raw = item.get("choices") or []
            if isinstance(raw, str):
                raw = raw.splitlines()
            for choice in raw:
                choice = " ".join(str(choice).split())[:200]
                if choice and choice not in choices:
                    choices.append(choice)
            if len(choices) < 2:
                raise ValidationError(
                    {
                        "questions": _("“%(question)s” needs at least two choices.")
                        % {"question": text}
                    }
                )
            if len(choices) > MAX_CHOICES:
                raise ValidationError(
                    {"questions": _("At most %(count)d choices.") % {"count": MAX_CHOICES}}
                )
        position = item.get("position")
        cleaned.append(
            {
                "text": text,
                "kind": kind,
                "choices": choices,
                "required": bool(item.get("required", True)),
                "position": n if position in (None, "") else int(position),
                "order": n,
            }
        )
    if len(cleaned) > MAX_QUESTIONS:
        raise ValidationError(
            {"questions": _("At most %(count)d questions.") % {"count": MAX_QUESTIONS}}
        )
    cleaned.sort(key=lambda q: (q["position"], q["order"]))
    for position, question in enumerate(cleaned):
        question["position"] = position
        del question["order"]
    return cleaned


def _survey_fields(
    *, title: str, description: str, opens_on: Any, closes_on: Any
) -> dict[str, Any]:
    if opens_on and closes_on and closes_on < opens_on:
        raise ValidationError({"closes_on": _("It closes before it opens.")})
    return {
        "title": _title_long(title),
        "description": _rich(description, "description", max_length=20_000, required=False),
        "opens_on": opens_on,
        "closes_on": closes_on,
    }


def _title_long(title: str) -> str:
    title = " ".join((title or "").split())
    if not title:
        raise ValidationError({"title": _("Give it a title.")})
    if len(title) > 200:
        raise ValidationError({"title": _("At most 200 characters.")})
    return title


def _manage_surveys(actor: Any, process: Process) -> None:
    if not process.space.has_feature(Feature.SURVEYS):
        refuse("feature")
    if not actor.has_perm("participation.manage_space", process):
        raise PermissionDenied


@transaction.atomic
def survey_create(
    actor: Any,
    *,
    process: Process,
    title: str,
    description: str = "",
    opens_on: datetime.date | None = None,
    closes_on: datetime.date | None = None,
    questions: Iterable[dict[str, Any]] = (),
    published: bool = False,
) -> Survey:
    """A survey of a process, by the people who manage the space; published when asked to
    (it needs a question then)."""
    _manage_surveys(actor, process)
    fields = _survey_fields(
        title=title, description=description, opens_on=opens_on, closes_on=closes_on
    )
    questions = _questions(questions)
    if published and not questions:
        raise ValidationError({"questions": _("Ask at least one question to publish it.")})
    survey = Survey.objects.create(process=process, published=published, **fields)
    Question.objects.bulk_create(Question(survey=survey, **q) for q in questions)
    audit_record(
        actor=actor,
        action="participation.survey_create",
        target=survey,
        changes={"published": [None, str(published)]},
    )
    return survey


@transaction.atomic
def survey_update(
    actor: Any,
    *,
    survey: Survey,
    title: str,
    description: str = "",
    opens_on: datetime.date | None = None,
    closes_on: datetime.date | None = None,
    questions: Iterable[dict[str, Any]] | None = None,
    published: bool = False,
) -> Survey:
    """Change a survey; its questions only until someone answers it."""
    _manage_surveys(actor, survey.process)
    fields = _survey_fields(
        title=title, description=description, opens_on=opens_on, closes_on=closes_on
    )
    if questions is not None:
        if survey.responses.exists():
            raise ValidationError(
                {"questions": _("People have answered: the questions can no longer change.")}
            )
        questions = _questions(questions)
        survey.questions.all().delete()
        Question.objects.bulk_create(Question(survey=survey, **q) for q in questions)
    if published and not survey.questions.exists():
        raise ValidationError({"questions": _("Ask at least one question to publish it.")})
    was_published = survey.published
    for name, value in fields.items():
        setattr(survey, name, value)
    survey.published = published
    survey.save()
    if was_published != published:
        audit_record(
            actor=actor,
            action="participation.survey_publish",
            target=survey,
            changes={"published": [str(was_published), str(published)]},
        )
    return survey


def survey_refusal(user: Any, survey: Survey, *, answered: bool | None = None) -> str | None:
    """Why `user` may not answer `survey` now, or None: verified participants answer once,
    while it is open."""
    process = survey.process
    space = process.space
    if not space.has_feature(Feature.SURVEYS):
        return "feature"
    if process.status != ProcessStatus.PUBLISHED or not survey.published:
        return "unpublished"
    if who := _who_refusal(user, space):
        return who
    if not space.is_open:
        return "space_closed"
    if not survey.is_open_on():
        return "survey_closed"
    if answered is None:
        answered = SurveyResponse.objects.filter(survey=survey, user=user).exists()
    if answered:
        return "answered"
    return None


def check_answers(survey: Survey, answers: dict[str, Any]) -> dict[str, Any]:
    """The answers keyed by question id (text), each checked against its question's kind."""
    questions = {str(q.pk): q for q in survey.questions.all()}
    errors: dict[str, list[str]] = {}
    if unknown := sorted(set(map(str, answers)) - set(questions)):
        errors["answers"] = [
            _("Not questions of this survey: %(ids)s") % {"ids": ", ".join(unknown)[:200]}
        ]
    cleaned: dict[str, Any] = {}
    for key, question in questions.items():
        value = answers.get(key, answers.get(question.pk))
        field = f"q{key}"
        if question.kind == QuestionKind.TEXT:
            if value is not None and not isinstance(value, str):
                errors[field] = [_("Write the answer as text.")]
                continue
            value = (value or "").replace("\x00", "").strip()
            if len(value) > TEXT_ANSWER_MAX_LENGTH:
                errors[field] = [
                    _("At most %(count)d characters.") % {"count": TEXT_ANSWER_MAX_LENGTH}
                ]
                continue
            if value:
                cleaned[key] = value
        elif question.kind == QuestionKind.CHOICE:
            if value in (None, "", []):
                value = None
            elif not isinstance(value, str) or value not in question.choices:
                errors[field] = [_("Choose one of the choices given.")]
                continue
            if value is not None:
                cleaned[key] = value
        else:
            if value in (None, ""):
                value = []
            if isinstance(value, str):
                value = [value]
            if not isinstance(value, list) or any(
                not isinstance(v, str) or v not in question.choices for v in value
            ):
                errors[field] = [_("Choose among the choices given.")]
                continue
            value = [c for c in question.choices if c in value]
            if value:
                cleaned[key] = value
        if question.required and key not in cleaned:
            errors[field] = [_("This question needs an answer.")]
    if errors:
        raise ValidationError(errors)
    return cleaned


def survey_answer(actor: Any, *, survey: Survey, answers: dict[str, Any]) -> SurveyResponse:
    """Record a participant's answers, once (AlreadyAnswered the second time)."""
    if code := survey_refusal(actor, survey):
        refuse(code)
    cleaned = check_answers(survey, answers)
    try:
        with transaction.atomic():
            return SurveyResponse.objects.create(survey=survey, user=actor, answers=cleaned)
    except IntegrityError:
        raise AlreadyAnswered from None


def survey_results(survey: Survey) -> dict[str, Any]:
    """How many answered, and per question: counts per choice as (key, label, count) rows for a
    chart, or the newest text answers (`more`: how many are left out)."""
    questions = list(survey.questions.all())
    responses = list(
        survey.responses.order_by("-created_at", "-id").values_list("answers", flat=True)
    )
    results = []
    for question in questions:
        key = str(question.pk)
        given = [
            r.get(key)
            for r in responses
            if isinstance(r, dict) and r.get(key) not in (None, "", [])
        ]
        row: dict[str, Any] = {"question": question, "answered": len(given)}
        if question.kind == QuestionKind.TEXT:
            row["answers"] = [str(v) for v in given[:TEXT_ANSWERS_SHOWN]]
            row["more"] = max(0, len(given) - TEXT_ANSWERS_SHOWN)
        else:
            counts = dict.fromkeys(question.choices, 0)
            for value in given:
                for choice in value if isinstance(value, list) else [value]:
                    if choice in counts:
                        counts[choice] += 1
            row["rows"] = [
                (str(n), choice, count) for n, (choice, count) in enumerate(counts.items())
            ]
        results.append(row)
    return {"responses": len(responses), "questions": results}


def surveys_for(process: Process, viewer: Any) -> QuerySet[Survey]:
    """The surveys of a process as listed: published ones; drafts too for its managers."""
    if not process.space.has_feature(Feature.SURVEYS):
        return Survey.objects.none()
    surveys = Survey.objects.filter(process=process)
    if not viewer.has_perm("participation.manage_space", process):
        surveys = surveys.filter(published=True)
    return surveys.order_by("-created_at", "-id")
