"""Moderation of what participants write: reports, hiding at a space's threshold, moderators'
decisions and the author's appeal. Every decision is audited and told to the people concerned.

When reports hide content: once the reports made *since the last moderator decision* on it
(`moderated_at`; every report when no moderator ever decided) reach the space's `flag_threshold`,
visible content becomes AWAITING until a moderator decides. A moderator who keeps or restores it
starts the count again: its earlier reporters cannot report it twice, so only as many new reports
hide it again.

An author may appeal once per decision (hiding, automatic or not); a new decision opens a new
appeal. While an appeal waits, moderators grant or uphold it rather than hide or restore.
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import CharField, Count, Exists, F, OuterRef, Q, Value
from django.http import Http404
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from activator.accounts.enums import AffiliationRole
from activator.core.api import MAX_ID
from activator.core.audit import audit_record, diff, snapshot
from activator.core.permissions import authorize
from activator.core.ratelimit import check_rate
from activator.core.richtext import plain_text
from activator.participation import services_notify
from activator.participation.checks import require_take_part
from activator.participation.enums import AppealStatus, FlagReason, Moderation, ProcessStatus
from activator.participation.models import Comment, Debate, Flag, Proposal, Space
from activator.participation.rules import space_of

# What can be reported, by the short name used in URLs, forms and the API.
CONTENT_KINDS: dict[str, type[models.Model]] = {
    "proposal": Proposal,
    "debate": Debate,
    "comment": Comment,
}
_RELATED: dict[str, tuple[str, ...]] = {
    "proposal": ("process__space__organisation", "author"),
    "debate": ("process__space__organisation", "author"),
    "comment": (
        "proposal__process__space__organisation",
        "debate__process__space__organisation",
        "author",
    ),
}

# The moderation queue's tabs, and what moderators may decide.
TABS = ("awaiting", "flagged", "hidden", "appeals")
DECISIONS = ("hide", "restore", "grant_appeal", "uphold_appeal")

REASON_MAX = 1000
APPEAL_MAX = 2000
DETAILS_MAX = 500
_AUDITED = ("moderation", "hidden_reason", "appeal_status")


class Conflict(ValidationError):
    """Already done: reported twice, appealed twice, or decided by someone else meanwhile."""


# --- Finding content ----------------------------------------------------------------------------


def kind_of(target: models.Model) -> str:
    for kind, model in CONTENT_KINDS.items():
        if isinstance(target, model):
            return kind
    raise ValueError(f"Not moderated content: {target!r}")


def content_queryset(kind: str) -> models.QuerySet:
    """The content of one kind with what moderation reads (its space, its author)."""
    if kind not in CONTENT_KINDS:
        raise Http404
    return CONTENT_KINDS[kind].objects.select_related(*_RELATED[kind])


def content_get(kind: str, pk: Any) -> Any:
    """One proposal, debate or comment by kind and id; Http404 for any kind or id naming nothing
    (unknown kinds, non-numbers, ids no database stores)."""
    if not isinstance(kind, str) or kind not in CONTENT_KINDS:
        raise Http404
    try:
        number = int(pk)
    except (TypeError, ValueError):
        raise Http404 from None
    if not 1 <= number <= MAX_ID:
        raise Http404
    found = content_queryset(kind).filter(pk=number).first()
    if found is None:
        raise Http404
    return found


def is_public(target: Any) -> bool:
    """Content anyone may come across: in a published process, not on a withdrawn proposal."""
    proposal = target if isinstance(target, Proposal) else getattr(target, "proposal", None)
    if proposal is not None and proposal.withdrawn_at is not None:
        return False
    owner = target.target if isinstance(target, Comment) else target
    return owner.process.status == ProcessStatus.PUBLISHED


def can_view_body(user: Any, target: Any) -> bool:
    """Whether `user` reads the body of `target`: always when visible; when hidden, its author
    and the space's moderators only (everyone else sees the notice with the reason)."""
    if target.moderation == Moderation.VISIBLE:
        return True
    return bool(user is not None and user.has_perm("participation.view_hidden", target))


def content_title(target: Any, words: int = 12) -> str:
    """A proposal's or debate's title; for a comment, the start of its text."""
    if isinstance(target, Comment):
        return Truncator(plain_text(target.body)).words(words)
    return target.title


def moderators_of(space: Space) -> models.QuerySet:
    """The people told about reports and appeals: the space's moderators and the city's
    representatives."""
    from activator.accounts.models import User

    return User.objects.filter(
        Q(moderated_spaces=space)
        | Q(
            affiliations__organisation_id=space.organisation_id,
            affiliations__role=AffiliationRole.REPRESENTATIVE,
        ),
        is_active=True,
    ).distinct()


def flagged_ids(user: Any, kind: str, ids: Iterable[int]) -> set[int]:
    """Which of `ids` (content of `kind`) `user` already reported: one query for a whole thread."""
    ids = [i for i in ids if i is not None]
    if not ids or user is None or not user.is_authenticated or kind not in CONTENT_KINDS:
        return set()
    return set(
        Flag.objects.filter(
            user=user,
            content_type=ContentType.objects.get_for_model(CONTENT_KINDS[kind]),
            object_id__in=ids,
        ).values_list("object_id", flat=True)
    )


def has_flagged(user: Any, target: Any) -> bool:
    return target.pk in flagged_ids(user, kind_of(target), [target.pk])


# --- Reports ------------------------------------------------------------------------------------


def flag(actor: Any, target: Any, reason: str, details: str = "") -> Flag:
    """Report content to the moderators, once per person; hides it at the space's threshold.

    The report row's unique constraint makes a second report fail in its savepoint (Conflict);
    the counter moves with F(), and hiding is a conditional UPDATE on content still visible and
    not decided on meanwhile, so simultaneous reports hide it once, on SQLite and PostgreSQL.
    """
    if not is_public(target):
        raise Http404
    space = space_of(target)
    if reason not in FlagReason.values:
        raise ValidationError({"reason": _("Choose a reason.")})
    details = _plain(details)
    if len(details) > DETAILS_MAX:
        raise ValidationError(
            {"details": _("Keep the details under %(max)d characters.") % {"max": DETAILS_MAX}}
        )
    if actor.is_authenticated and target.author_id == actor.pk:
        raise ValidationError(_("You cannot report what you wrote."), code="own_content")
    require_take_part(actor, space)
    if has_flagged(actor, target):
        raise Conflict(_("You already reported this."), code="already_reported")
    if target.moderation != Moderation.VISIBLE:
        raise ValidationError(_("This is already hidden."), code="hidden")
    model = type(target)
    content_type = ContentType.objects.get_for_model(model)
    with transaction.atomic():
        check_rate("flag", Flag.objects.filter(user=actor))
        try:
            with transaction.atomic():
                report = Flag.objects.create(
                    user=actor,
                    content_type=content_type,
                    object_id=target.pk,
                    reason=reason,
                    details=details,
                )
        except IntegrityError:
            raise Conflict(_("You already reported this."), code="already_reported") from None
        # Taking the row's write lock here orders simultaneous reports: the count below then
        # sees every report committed before this one.
        model.objects.filter(pk=target.pk).update(flags_count=F("flags_count") + 1)
        state = (
            model.objects.filter(pk=target.pk)
            .values("moderation", "moderated_at", "flags_count")
            .get()
        )
        target.flags_count = state["flags_count"]
        if state["moderation"] == Moderation.VISIBLE:
            pending = reports_since(content_type, target.pk, state["moderated_at"]).count()
            if pending >= space.flag_threshold:
                _auto_hide(target, space, state["moderated_at"], pending)
    return report


def reports_since(content_type: ContentType, pk: int, moderated_at: Any) -> models.QuerySet:
    """The reports on one piece of content no moderator has decided on yet."""
    reports = Flag.objects.filter(content_type=content_type, object_id=pk)
    if moderated_at is not None:
        reports = reports.filter(created_at__gt=moderated_at)
    return reports


def _auto_hide(target: Any, space: Space, moderated_at: Any, pending: int) -> bool:
    before = snapshot(target, _AUDITED)
    decided = _decided_at(moderated_at)
    changes = {
        "moderation": Moderation.AWAITING,
        "appeal_status": AppealStatus.NONE,
        "appeal_text": "",
        "appealed_at": None,
    }
    updated = (
        type(target)
        .objects.filter(decided, pk=target.pk, moderation=Moderation.VISIBLE)
        .update(**changes)
    )
    if not updated:
        return False
    for name, value in changes.items():
        setattr(target, name, value)
    audit_record(
        actor=None,
        action="participation.auto_hidden",
        target=target,
        changes=diff(before, snapshot(target, _AUDITED)),
        note=ngettext(
            "Reported by %(count)d participant.", "Reported by %(count)d participants.", pending
        )
        % {"count": pending},
    )
    title = content_title(target)
    services_notify.notify(
        space=space,
        verb="moderation_awaiting",
        text=_("Reports hid “%(title)s” until a moderator decides.") % {"title": title},
        url=moderate_url(target),
        recipients=[u for u in moderators_of(space) if u.pk != target.author_id],
    )
    services_notify.notify(
        space=space,
        verb="content_hidden",
        text=_(
            "Your “%(title)s” is hidden while the moderators review reports about it. "
            "You may appeal."
        )
        % {"title": title},
        url=appeal_url(target),
        recipients=[target.author],
    )
    return True


# --- Decisions ----------------------------------------------------------------------------------


def hide(actor: Any, target: Any, reason: str) -> Any:
    """A moderator hides content; the reason stays visible to everyone in its place."""
    authorize(actor, "participation.moderate", target)
    reason = _required_reason(reason, _("Say why it is hidden: everyone will see the reason."))
    _no_waiting_appeal(target)
    return _decide(
        actor,
        target,
        action="participation.hidden",
        values={
            "moderation": Moderation.HIDDEN,
            "hidden_reason": reason,
            "appeal_status": AppealStatus.NONE,
            "appeal_text": "",
            "appealed_at": None,
        },
        note=reason,
        tell_author=_("The moderators hid your “%(title)s”: %(reason)s"),
    )


def restore(actor: Any, target: Any, note: str = "") -> Any:
    """A moderator shows content again, or keeps visible content despite its reports. The
    reports stay recorded; only reports made after this decision can hide it again."""
    authorize(actor, "participation.moderate", target)
    note = _plain(note)[:REASON_MAX]
    _no_waiting_appeal(target)
    was_hidden = target.moderation != Moderation.VISIBLE
    return _decide(
        actor,
        target,
        action="participation.restored",
        values={
            "moderation": Moderation.VISIBLE,
            "hidden_reason": "",
            "appeal_status": AppealStatus.NONE,
            "appeal_text": "",
            "appealed_at": None,
        },
        note=note,
        tell_author=_("The moderators show your “%(title)s” again.") if was_hidden else None,
    )


def appeal(actor: Any, target: Any, text: str) -> Any:
    """The author asks the moderators to reconsider hiding their content, once per decision."""
    authorize(actor, "participation.appeal", target)
    text = _plain(text)
    if not text:
        raise ValidationError({"text": _("Say why it should be shown.")})
    if len(text) > APPEAL_MAX:
        raise ValidationError(
            {"text": _("Keep the appeal under %(max)d characters.") % {"max": APPEAL_MAX}}
        )
    if target.moderation == Moderation.VISIBLE:
        raise ValidationError(_("Only hidden content can be appealed."), code="visible")
    if target.appeal_status != AppealStatus.NONE:
        raise Conflict(_("You already appealed this decision."), code="already_appealed")
    space = space_of(target)
    before = snapshot(target, _AUDITED)
    values = {
        "appeal_status": AppealStatus.PENDING,
        "appeal_text": text,
        "appealed_at": timezone.now(),
    }
    with transaction.atomic():
        updated = (
            type(target)
            .objects.filter(
                pk=target.pk, moderation=target.moderation, appeal_status=AppealStatus.NONE
            )
            .update(**values)
        )
        if not updated:
            raise Conflict(_("You already appealed this decision."), code="already_appealed")
        for name, value in values.items():
            setattr(target, name, value)
        audit_record(
            actor=actor,
            action="participation.appealed",
            target=target,
            changes=diff(before, snapshot(target, _AUDITED)),
            note=text,
        )
        services_notify.notify(
            space=space,
            verb="moderation_appeal",
            text=_("The author of “%(title)s” appeals: %(text)s")
            % {"title": content_title(target), "text": text},
            url=moderate_url(target),
            recipients=moderators_of(space),
            actor=actor,
        )
    return target


def decide_appeal(actor: Any, target: Any, *, grant: bool, reason: str = "") -> Any:
    """A moderator grants an appeal (shown again) or upholds it (stays hidden, with the reply as
    the reason everyone sees)."""
    authorize(actor, "participation.moderate", target)
    if target.appeal_status != AppealStatus.PENDING:
        raise ValidationError(_("No appeal is waiting for a decision."), code="no_appeal")
    if grant:
        return _decide(
            actor,
            target,
            action="participation.appeal_granted",
            values={
                "moderation": Moderation.VISIBLE,
                "hidden_reason": "",
                "appeal_status": AppealStatus.GRANTED,
            },
            note=_plain(reason)[:REASON_MAX],
            tell_author=_("Your appeal is granted: “%(title)s” shows again."),
        )
    reason = _required_reason(reason, _("Say why it stays hidden: everyone will see the reason."))
    return _decide(
        actor,
        target,
        action="participation.appeal_upheld",
        values={
            "moderation": Moderation.HIDDEN,
            "hidden_reason": reason,
            "appeal_status": AppealStatus.UPHELD,
        },
        note=reason,
        tell_author=_("Your appeal is refused: “%(title)s” stays hidden. %(reason)s"),
    )


def decide(actor: Any, target: Any, action: str, reason: str = "") -> Any:
    """One of DECISIONS by name, as the pages and the API send it."""
    if action == "hide":
        return hide(actor, target, reason)
    if action == "restore":
        return restore(actor, target, reason)
    if action in ("grant_appeal", "uphold_appeal"):
        return decide_appeal(actor, target, grant=action == "grant_appeal", reason=reason)
    raise ValidationError({"action": _("Unknown decision.")})


def _decide(
    actor: Any,
    target: Any,
    *,
    action: str,
    values: dict[str, Any],
    note: str,
    tell_author: str | None,
) -> Any:
    """Apply a decision only to the state the moderator saw (a conditional UPDATE): if someone
    else decided meanwhile, nothing changes and they are told so."""
    values = {**values, "moderated_by_id": actor.pk, "moderated_at": timezone.now()}
    before = snapshot(target, _AUDITED)
    with transaction.atomic():
        updated = (
            type(target)
            .objects.filter(
                _decided_at(target.moderated_at),
                pk=target.pk,
                moderation=target.moderation,
                appeal_status=target.appeal_status,
            )
            .update(**values)
        )
        if not updated:
            raise Conflict(
                _("Someone else decided on this meanwhile; look at it again."), code="stale"
            )
        for name, value in values.items():
            setattr(target, name, value)
        target.moderated_by = actor
        audit_record(
            actor=actor,
            action=action,
            target=target,
            changes=diff(before, snapshot(target, _AUDITED)),
            note=note,
        )
        if tell_author:
            services_notify.notify(
                space=space_of(target),
                verb="moderation_decision",
                text=tell_author % {"title": content_title(target), "reason": note},
                url=appeal_url(target),
                recipients=[target.author],
                actor=actor,
            )
    return target


def _decided_at(moderated_at: Any) -> Q:
    """Still the last decision seen (none, or the one at `moderated_at`)."""
    if moderated_at is None:
        return Q(moderated_at__isnull=True)
    return Q(moderated_at=moderated_at)


def _plain(text: str | None) -> str:
    return (text or "").replace("\x00", "").strip()


def _required_reason(reason: str | None, message: str) -> str:
    reason = _plain(reason)
    if not reason:
        raise ValidationError({"reason": message})
    if len(reason) > REASON_MAX:
        raise ValidationError(
            {"reason": _("Keep the reason under %(max)d characters.") % {"max": REASON_MAX}}
        )
    return reason


def _no_waiting_appeal(target: Any) -> None:
    if target.appeal_status == AppealStatus.PENDING:
        raise ValidationError(
            _("The author appealed: grant or uphold the appeal instead."), code="appeal_waiting"
        )


def moderate_url(target: Any) -> str:
    from django.urls import reverse

    return reverse("participation:moderate", args=[kind_of(target), target.pk])


def appeal_url(target: Any) -> str:
    from django.urls import reverse

    return reverse("participation:appeal", args=[kind_of(target), target.pk])


# --- The queue ----------------------------------------------------------------------------------


@dataclass
class QueueItem:
    kind: str
    target: Any
    reasons: list[tuple[str, str, int]] = field(default_factory=list)  # (code, label, count)

    @property
    def reason_counts(self) -> dict[str, int]:
        return {code: count for code, _label, count in self.reasons}

    @property
    def kind_label(self) -> str:
        return str(CONTENT_KINDS[self.kind]._meta.verbose_name)

    @property
    def title(self) -> str:
        return content_title(self.target)

    @property
    def excerpt(self) -> str:
        return Truncator(plain_text(self.target.body)).words(40)


def _in_space(kind: str, space: Space) -> Q:
    if kind == "comment":
        return Q(proposal__process__space=space) | Q(debate__process__space=space)
    return Q(process__space=space)


def _undecided_reports(model: type[models.Model]) -> Q:
    """Visible content with reports made since the last moderator decision (or ever)."""
    newer = Flag.objects.filter(
        content_type=ContentType.objects.get_for_model(model),
        object_id=OuterRef("pk"),
        created_at__gt=OuterRef("moderated_at"),
    )
    return Q(moderation=Moderation.VISIBLE) & (
        Q(moderated_at__isnull=True, flags_count__gt=0) | Q(Exists(newer))
    )


def _tab_filter(tab: str | None, model: type[models.Model]) -> Q:
    filters = {
        "awaiting": Q(moderation=Moderation.AWAITING),
        "flagged": _undecided_reports(model),
        "hidden": Q(moderation=Moderation.HIDDEN),
        "appeals": Q(appeal_status=AppealStatus.PENDING),
    }
    if tab is None:
        combined = Q()
        for condition in filters.values():
            combined |= condition
        return combined
    return filters[tab]


_ORDER = {
    None: ("-stamp", "kind", "-pk"),
    "awaiting": ("-flags_count", "-stamp", "kind", "-pk"),
    "flagged": ("-flags_count", "-stamp", "kind", "-pk"),
    "hidden": ("-stamp", "kind", "-pk"),
    "appeals": ("stamp", "kind", "pk"),
}
_STAMP = {"hidden": "moderated_at", "appeals": "appealed_at"}


class Queue:
    """One tab of a space's moderation queue over the three kinds, for Paginator and the API:
    a count and a page of ids in one UNION query each, then each kind's rows and the reports'
    reasons (counted by the database) for that page only."""

    def __init__(self, space: Space, tab: str | None = None) -> None:
        if tab is not None and tab not in TABS:
            raise ValidationError({"state": _("Unknown tab.")})
        self.space, self.tab = space, tab
        stamp = _STAMP.get(tab or "", "created_at")
        parts = [
            model.objects.filter(_in_space(kind, space), _tab_filter(tab, model))
            .order_by()
            .annotate(kind=Value(kind, output_field=CharField()), stamp=F(stamp))
            .values_list("kind", "pk", "flags_count", "stamp")
            for kind, model in CONTENT_KINDS.items()
        ]
        self.rows = parts[0].union(*parts[1:], all=True).order_by(*_ORDER[tab])

    def count(self) -> int:
        return self.rows.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index: slice) -> list[QueueItem]:
        if not isinstance(index, slice):
            raise TypeError("Queue pages are read by slices.")
        return hydrate([(kind, pk) for kind, pk, _count, _stamp in self.rows[index]])


def hydrate(keys: Sequence[tuple[str, int]]) -> list[QueueItem]:
    """QueueItems for (kind, id) pairs, in their order: one query per kind present and one for
    every reason count."""
    wanted: dict[str, list[int]] = defaultdict(list)
    for kind, pk in keys:
        wanted[kind].append(pk)
    found = {
        (kind, obj.pk): obj
        for kind, ids in wanted.items()
        for obj in content_queryset(kind).filter(pk__in=ids)
    }
    reasons = reason_counts(wanted)
    labels = dict(FlagReason.choices)
    items = []
    for kind, pk in keys:
        if (kind, pk) not in found:
            continue
        counts = reasons.get((kind, pk), {})
        items.append(
            QueueItem(
                kind=kind,
                target=found[(kind, pk)],
                reasons=[
                    (code, str(labels.get(code, code)), n)
                    for code, n in sorted(counts.items(), key=lambda pair: (-pair[1], pair[0]))
                ],
            )
        )
    return items


def reason_counts(ids_by_kind: dict[str, list[int]]) -> dict[tuple[str, int], dict[str, int]]:
    """{(kind, id): {reason: count}} for every report on the content named, in one query."""
    types = {kind: ContentType.objects.get_for_model(CONTENT_KINDS[kind]) for kind in ids_by_kind}
    kinds_by_type = {ct.pk: kind for kind, ct in types.items()}
    condition = Q(pk__in=[])
    for kind, ids in ids_by_kind.items():
        if ids:
            condition |= Q(content_type=types[kind], object_id__in=ids)
    counts: dict[tuple[str, int], dict[str, int]] = defaultdict(dict)
    rows = (
        Flag.objects.filter(condition)
        .values("content_type_id", "object_id", "reason")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in rows:
        key = (kinds_by_type[row["content_type_id"]], row["object_id"])
        counts[key][row["reason"]] = row["n"]
    return counts


def queue_counts(space: Space) -> dict[str, int]:
    """How many items each tab holds: one aggregate query per kind."""
    totals = dict.fromkeys(TABS, 0)
    for kind, model in CONTENT_KINDS.items():
        sums = model.objects.filter(_in_space(kind, space)).aggregate(
            **{tab: Count("pk", filter=_tab_filter(tab, model)) for tab in TABS}
        )
        for tab in TABS:
            totals[tab] += sums[tab] or 0
    return totals


def item_flags(target: Any, limit: int = 100) -> list[Flag]:
    """The reports on one piece of content, newest first (reason, details, when)."""
    return list(
        Flag.objects.filter(
            content_type=ContentType.objects.get_for_model(type(target)), object_id=target.pk
        )[:limit]
    )
