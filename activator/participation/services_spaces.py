"""Participation spaces: opening one for a city, its settings, and who takes part in it.

A person joins the way the space asks: at once (open), with the invitation code the city gave out,
with an e-mail address at one of the city's domains (confirmed by a link sent to that address, as
nothing else proves the address is theirs), or after a moderator approves them. Anything beyond an
open space needs the plan's Feature.VERIFICATION; without it a space is open whatever it says.
"""

import datetime
import hmac
import math
import re
import secrets
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Case, Count, Max, Q, QuerySet, When
from django.db.models.functions import Lower
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from activator.accounts.models import User, hash_secret
from activator.accounts.predicates import represented_organisation_ids, served_region_ids
from activator.core.audit import audit_record, diff, snapshot
from activator.core.models import AuditEntry
from activator.core.permissions import authorize
from activator.core.ratelimit import RateLimited
from activator.core.richtext import clean_html
from activator.core.tasks import send_email
from activator.members.enums import MembershipStatus, OrganisationType
from activator.members.models import Organisation
from activator.members.status import status_expression
from activator.participation.enums import (
    Feature,
    ParticipantStatus,
    Plan,
    ProcessStatus,
    Verification,
)
from activator.participation.models import Category, Participant, Process, Space

# Words the other pages of /participate/ use as their first path segment; no space is named so.
RESERVED_SLUGS = frozenset(
    {"new", "follow", "notifications", "flag", "comments", "moderation", "appeal", "api"}
)
SPACE_FIELDS = [
    "title",
    "description",
    "is_open",
    "verification",
    "email_domains",
    "flag_threshold",
]
DECISIONS = (ParticipantStatus.VERIFIED, ParticipantStatus.REJECTED, ParticipantStatus.BLOCKED)
MEMBER_STATUSES = (MembershipStatus.NEW, MembershipStatus.CURRENT, MembershipStatus.GRACE)

# Guessing an invitation code: this many wrong codes per person per window, over all spaces.
WRONG_CODE_LIMIT = 10
WRONG_CODE_WINDOW = 3600
# Confirmation links for joining by e-mail domain: how long they work, how many an hour.
DOMAIN_LINK_MAX_AGE = 3 * 24 * 3600
DOMAIN_LINK_LIMIT = 5
DOMAIN_LINK_SALT = "participation.space-domain-join"
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread
CODE_MIN, CODE_MAX = 6, 64

_DOMAIN = re.compile(
    r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,62}$"
)

ACTION_JOIN = "participation.join"
ACTION_WRONG_CODE = "participation.join_code_wrong"
ACTION_LINK_SENT = "participation.join_link_sent"


class JoinRefused(PermissionDenied):
    """The person may not join this space; the message says why (shown on pages and the API)."""


class TooManyAttempts(RateLimited):
    """Too many wrong invitation codes (or confirmation links) in the last hour."""

    def __init__(self, key: str, retry_after: int, message: str) -> None:
        self.key = key
        self.retry_after = max(1, retry_after)
        ValidationError.__init__(self, message, code="rate_limited")


# --- Reading ----------------------------------------------------------------------------------


def verification_of(space: Space) -> str:
    """How people join in fact: the space's choice if its plan includes verification, else open."""
    if space.has_feature(Feature.VERIFICATION):
        return space.verification
    return Verification.OPEN


def spaces_listed() -> QuerySet[Space]:
    """Every space with its city and the number of its published processes not over yet."""
    today = timezone.localdate()
    over = (
        Process.objects.annotate(last_day=Max("phases__ends_on"))
        .filter(last_day__lt=today)
        .values("pk")
    )
    return (
        Space.objects.select_related("organisation")
        .annotate(
            open_processes=Count(
                "processes",
                filter=Q(processes__status=ProcessStatus.PUBLISHED) & ~Q(processes__in=over),
                distinct=True,
            )
        )
        .order_by("-is_open", "title", "pk")
    )


def space_processes(space: Space, user: Any) -> dict[str, list[Process]]:
    """The space's processes as running, upcoming and past; drafts only for its managers.

    A process runs from its first phase's start to its last phase's end; one without phases yet is
    upcoming. Each carries `first_day` and `last_day`, running ones `current_phase` (None between
    two phases).
    """
    processes = space.processes.prefetch_related("phases").order_by("-created_at", "-id")
    if not user.has_perm("participation.manage_space", space):
        processes = processes.filter(status=ProcessStatus.PUBLISHED)
    today = timezone.localdate()
    groups: dict[str, list[Process]] = {"running": [], "upcoming": [], "past": []}
    for process in processes:
        phases = list(process.phases.all())
        process.first_day = min((p.starts_on for p in phases), default=None)
        process.last_day = max((p.ends_on for p in phases), default=None)
        if phases and process.last_day < today:
            groups["past"].append(process)
        elif not phases or process.first_day > today:
            groups["upcoming"].append(process)
        else:
            process.current_phase = process.phase_on(today)
            groups["running"].append(process)
    return groups


def participation_of(user: Any, space: Space) -> Participant | None:
    if not user.is_authenticated:
        return None
    return Participant.objects.filter(space=space, user=user).first()


def jurisdiction_of(space: Space) -> Any:
    """The city's Open311 jurisdiction if it takes service requests, with its services."""
    from activator.open311.models import Jurisdiction

    return (
        Jurisdiction.objects.filter(organisation_id=space.organisation_id, enabled=True)
        .prefetch_related("services")
        .first()
    )


def participants_of(space: Space, status: str = "") -> QuerySet[Participant]:
    """The people of a space, those waiting for approval first."""
    participants = space.participants.select_related("user")
    if status:
        participants = participants.filter(status=status)
    waiting_first = Case(When(status=ParticipantStatus.PENDING, then=0), default=1)
    return participants.order_by(waiting_first, "-joined_at", "-pk")


def cities_open_to(user: Any) -> QuerySet[Organisation]:
    """The member cities without a space yet for which `user` may open one (as the rules say)."""
    cities = (
        Organisation.objects.filter(
            type=OrganisationType.LOCAL_GOVERNMENT, participation_space__isnull=True
        )
        .annotate(membership_status=status_expression(timezone.localdate()))
        .filter(membership_status__in=MEMBER_STATUSES)
        .order_by("name")
    )
    if not user.is_authenticated:
        return cities.none()
    if user.is_secretariat:
        return cities
    return cities.filter(
        Q(region_id__in=served_region_ids(user)) | Q(pk__in=represented_organisation_ids(user))
    )


# --- Opening and managing a space -------------------------------------------------------------


def _is_member(organisation: Organisation) -> bool:
    membership = getattr(organisation, "membership", None)
    return membership is not None and membership.status() in MEMBER_STATUSES


def _free_slug(base: str) -> str:
    base = slugify(base)[:90] or "space"
    slug, n = base, 1
    while slug in RESERVED_SLUGS or Space.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


@transaction.atomic
def space_create(*, actor: Any, organisation: Organisation, title: str = "") -> Space:
    """Open the participation space of a member city (free plan; staff change it)."""
    authorize(actor, "participation.open_space", organisation)
    if Space.objects.filter(organisation=organisation).exists():
        raise ValidationError({"city": _("This city has a participation space already.")})
    if not _is_member(organisation):
        raise ValidationError({"city": _("Only member cities open a participation space.")})
    title = (title or "").strip() or _("%(city)s participates") % {"city": organisation.name}
    space = Space(organisation=organisation, slug=_free_slug(organisation.slug), title=title[:200])
    space.full_clean(validate_unique=False)
    try:
        with transaction.atomic():
            space.save()
    except IntegrityError:
        raise ValidationError({"city": _("This city has a participation space already.")}) from None
    audit_record(
        actor=actor,
        action="participation.space_create",
        target=space,
        changes={"space": [None, f"{space.title} ({organisation.name})"]},
    )
    return space


def normalise_domains(text: str) -> list[str]:
    """The e-mail domains of a space, one per line or space-separated; a bad one is refused."""
    domains: list[str] = []
    for word in (text or "").split():
        domain = word.strip().lower().lstrip("@").rstrip(".")
        if not domain:
            continue
        if not _DOMAIN.match(domain):
            raise ValidationError(
                {"email_domains": _("“%(domain)s” is not a domain name.") % {"domain": word[:100]}}
            )
        if domain not in domains:
            domains.append(domain)
    return domains


@transaction.atomic
def space_update(*, actor: Any, space: Space, **fields: Any) -> Space:
    """Change a space's settings (any of SPACE_FIELDS); the change is audited."""
    authorize(actor, "participation.manage_space", space)
    if unknown := set(fields) - set(SPACE_FIELDS):
        raise TypeError(f"Not a setting of a space: {', '.join(sorted(unknown))}")
    space = Space.objects.select_for_update().get(pk=space.pk)
    before = snapshot(space, SPACE_FIELDS)
    if "title" in fields:
        fields["title"] = (fields["title"] or "").strip()
        if not fields["title"]:
            raise ValidationError({"title": _("Give the space a title.")})
    if "description" in fields:
        fields["description"] = clean_html(fields["description"] or "")
    if "email_domains" in fields:
        fields["email_domains"] = "\n".join(normalise_domains(fields["email_domains"]))
    if "verification" in fields:
        if fields["verification"] not in Verification.values:
            raise ValidationError({"verification": _("Unknown way of verifying participants.")})
        if fields["verification"] != Verification.OPEN and not space.has_feature(
            Feature.VERIFICATION
        ):
            raise ValidationError(
                {
                    "verification": _(
                        "Verifying participants is part of the premium plan; on this plan "
                        "anyone with an account takes part."
                    )
                }
            )
    for name, value in fields.items():
        setattr(space, name, value)
    if space.verification == Verification.DOMAIN and not space.domain_list():
        raise ValidationError(
            {"email_domains": _("Give at least one e-mail domain to verify people by domain.")}
        )
    space.full_clean(exclude=["organisation", "slug"])
    changes = diff(before, snapshot(space, SPACE_FIELDS))
    if changes:
        space.save()
        audit_record(
            actor=actor, action="participation.space_update", target=space, changes=changes
        )
    return space


def invitation_code_normalise(code: str | None) -> str:
    """Codes are compared without spaces or hyphens and in capitals, as people type them."""
    return re.sub(r"[\s-]+", "", code or "").upper()


def invitation_code_hash(code: str) -> str:
    """What Space.invitation_code_hash keeps for `code`."""
    return hash_secret(invitation_code_normalise(code))


def new_invitation_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _n in range(10))
    return f"{raw[:5]}-{raw[5:]}"


@transaction.atomic
def space_set_invitation_code(*, actor: Any, space: Space, code: str = "") -> str:
    """Set a new invitation code (typed, or a random one); returns it: only its hash is kept."""
    authorize(actor, "participation.manage_space", space)
    if not space.has_feature(Feature.VERIFICATION):
        raise ValidationError({"code": _("Invitation codes are part of the premium plan.")})
    code = (code or "").strip() or new_invitation_code()
    normalised = invitation_code_normalise(code)
    if not CODE_MIN <= len(normalised) <= CODE_MAX:
        raise ValidationError(
            {
                "code": _("A code has %(min)d to %(max)d letters or digits.")
                % {"min": CODE_MIN, "max": CODE_MAX}
            }
        )
    Space.objects.filter(pk=space.pk).update(invitation_code_hash=hash_secret(normalised))
    space.invitation_code_hash = hash_secret(normalised)
    audit_record(
        actor=actor,
        action="participation.invitation_code_set",
        target=space,
        note=_("A new invitation code was set; the previous one no longer works."),
    )
    return code


@transaction.atomic
def space_set_plan(*, actor: Any, space: Space, plan: str, note: str = "") -> Space:
    """Staff change a space's plan. What the new plan lacks stops at once: a space that loses
    verification becomes open (digests become immediate e-mails: services_notify.effective_mode)."""
    authorize(actor, "participation.set_plan", space)
    if plan not in Plan.values:
        raise ValidationError({"plan": _("Unknown plan.")})
    space = Space.objects.select_for_update().get(pk=space.pk)
    before = snapshot(space, ["plan", "verification"])
    space.plan = plan
    if not space.has_feature(Feature.VERIFICATION):
        space.verification = Verification.OPEN
    changes = diff(before, snapshot(space, ["plan", "verification"]))
    if not changes:
        return space
    space.save(update_fields=["plan", "verification"])
    audit_record(
        actor=actor, action="participation.plan_change", target=space, changes=changes, note=note
    )
    return space


def _emails(text_or_list: str | Iterable[str]) -> list[str]:
    words = text_or_list.split() if isinstance(text_or_list, str) else text_or_list
    seen: list[str] = []
    for word in words:
        email = word.strip().strip(",;").lower()
        if email and email not in seen:
            seen.append(email)
    return seen


@transaction.atomic
def space_set_moderators(*, actor: Any, space: Space, emails: str | Iterable[str]) -> list[User]:
    """The people (existing accounts, by e-mail) who moderate the space besides its managers."""
    authorize(actor, "participation.manage_space", space)
    wanted = _emails(emails)
    if len(wanted) > 50:
        raise ValidationError({"moderators": _("At most 50 moderators.")})
    found = {
        u.email.lower(): u
        for u in User.objects.annotate(email_lower=Lower("email")).filter(
            email_lower__in=wanted, is_active=True
        )
    }
    if missing := [e for e in wanted if e not in found]:
        raise ValidationError(
            {
                "moderators": _("No active account has this e-mail address: %(emails)s")
                % {"emails": ", ".join(missing)}
            }
        )
    before = sorted(space.moderators.values_list("email", flat=True))
    people = [found[e] for e in wanted]
    space.moderators.set(people)
    after = sorted(u.email for u in people)
    if before != after:
        audit_record(
            actor=actor,
            action="participation.moderators_change",
            target=space,
            changes={"moderators": [", ".join(before) or None, ", ".join(after) or None]},
        )
    return people


def _category_name(space: Space, name: str, exclude: int | None = None) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": _("Name the category.")})
    if len(name) > 100:
        raise ValidationError({"name": _("At most 100 characters.")})
    same = space.categories.annotate(lower=Lower("name")).filter(lower=name.lower())
    if exclude is not None:
        same = same.exclude(pk=exclude)
    if same.exists():
        raise ValidationError({"name": _("The space has a category with this name already.")})
    return name


@transaction.atomic
def category_add(*, actor: Any, space: Space, name: str) -> Category:
    authorize(actor, "participation.manage_space", space)
    category = Category.objects.create(space=space, name=_category_name(space, name))
    audit_record(
        actor=actor,
        action="participation.category_change",
        target=space,
        changes={"category": [None, category.name]},
    )
    return category


@transaction.atomic
def category_rename(*, actor: Any, category: Category, name: str) -> Category:
    authorize(actor, "participation.manage_space", category.space)
    name = _category_name(category.space, name, exclude=category.pk)
    before = category.name
    if name != before:
        category.name = name
        category.save(update_fields=["name"])
        audit_record(
            actor=actor,
            action="participation.category_change",
            target=category.space,
            changes={"category": [before, name]},
        )
    return category


@transaction.atomic
def category_delete(*, actor: Any, category: Category) -> None:
    """Remove a category; its proposals stay, without a category."""
    authorize(actor, "participation.manage_space", category.space)
    audit_record(
        actor=actor,
        action="participation.category_change",
        target=category.space,
        changes={"category": [category.name, None]},
    )
    category.delete()


# --- Joining and leaving ----------------------------------------------------------------------


def email_domain_allowed(email: str, domains: Iterable[str]) -> bool:
    """The address is at one of the domains or at a subdomain of one (mail.seoul.go.kr)."""
    domain = (email or "").rsplit("@", 1)[-1].strip().lower().rstrip(".")
    if not domain or "@" not in (email or ""):
        return False
    return any(domain == d or domain.endswith("." + d) for d in domains)


def _recent(user: Any, action: str, window: int, limit: int) -> list[datetime.datetime]:
    since = timezone.now() - datetime.timedelta(seconds=window)
    return list(
        AuditEntry.objects.filter(actor=user, action=action, created_at__gte=since)
        .order_by("-created_at")
        .values_list("created_at", flat=True)[:limit]
    )


def _retry_after(oldest: datetime.datetime, window: int) -> int:
    return math.ceil((oldest + datetime.timedelta(seconds=window) - timezone.now()).total_seconds())


def _check_code(user: Any, space: Space, code: str | None) -> None:
    """Refuse a wrong code, and every code after too many wrong ones in the last hour.

    Each wrong code is written to the audit trail at once (it is what is counted), so this runs
    outside the transaction of the join.
    """
    wrong = _recent(user, ACTION_WRONG_CODE, WRONG_CODE_WINDOW, WRONG_CODE_LIMIT)
    if len(wrong) >= WRONG_CODE_LIMIT:
        retry = _retry_after(wrong[-1], WRONG_CODE_WINDOW)
        minutes = math.ceil(max(1, retry) / 60)
        raise TooManyAttempts(
            "join_code",
            retry,
            ngettext(
                "Too many wrong invitation codes; try again in %(minutes)d minute.",
                "Too many wrong invitation codes; try again in %(minutes)d minutes.",
                minutes,
            )
            % {"minutes": minutes},
        )
    given = invitation_code_normalise(code)
    if not given:
        raise ValidationError({"code": _("Enter the invitation code the city gave you.")})
    if not space.invitation_code_hash:
        raise ValidationError(
            {"code": _("This space has no invitation code yet; ask the city for one.")}
        )
    if len(given) > CODE_MAX or not hmac.compare_digest(
        hash_secret(given), space.invitation_code_hash
    ):
        audit_record(actor=user, action=ACTION_WRONG_CODE, target=space)
        raise ValidationError({"code": _("This is not the invitation code of this space.")})


def _audit_join(user: Any, participant: Participant, before: str | None, note: str = "") -> None:
    audit_record(
        actor=user,
        action=ACTION_JOIN,
        target=participant,
        changes={"status": [before, participant.status]},
        note=note or participant.get_verified_by_display(),
    )


@transaction.atomic
def _enter(
    user: Any, space: Space, existing: Participant | None, method: str, status: str
) -> Participant:
    """Create or move the person's row to `status`; a second join at the same moment is harmless."""
    now = timezone.now()
    decided = now if status == ParticipantStatus.VERIFIED else None
    if existing is None:
        try:
            with transaction.atomic():
                participant = Participant.objects.create(
                    space=space, user=user, status=status, verified_by=method, decided_at=decided
                )
        except IntegrityError:
            # The same person joined twice at once: the other request's row stands.
            return Participant.objects.get(space=space, user=user)
        _audit_join(user, participant, None)
        return participant
    # Only a waiting row moves, so a decision taken meanwhile (rejected, blocked) is not undone.
    moved = Participant.objects.filter(pk=existing.pk, status=ParticipantStatus.PENDING).update(
        status=status, verified_by=method, decided_at=decided
    )
    participant = Participant.objects.get(pk=existing.pk)
    if moved and (existing.status, existing.verified_by) != (status, method):
        _audit_join(user, participant, existing.status)
    return participant


def space_join(user: Any, space: Space, code: str | None = None) -> Participant:
    """Join `space` the way it asks; returns the person's participation (verified or pending).

    Refusals: JoinRefused (a PermissionDenied) when the person may not join, ValidationError for a
    wrong or missing code, TooManyAttempts after too many wrong codes. Nothing is saved then but
    the note of a wrong code. Call it outside a transaction (see _check_code).
    """
    if not user.is_authenticated or not user.is_active:
        raise JoinRefused(_("Log in to join."))
    if not space.is_open:
        raise JoinRefused(_("This space is closed: nobody can join it now."))
    existing = Participant.objects.filter(space=space, user=user).first()
    if existing is not None:
        if existing.status == ParticipantStatus.VERIFIED:
            return existing
        if existing.status == ParticipantStatus.BLOCKED:
            raise JoinRefused(_("You have been blocked from this space."))
        if existing.status == ParticipantStatus.REJECTED:
            raise JoinRefused(
                _(
                    "Your request to join was not approved. Write to the city if you think "
                    "this is a mistake."
                )
            )
    method = verification_of(space)
    if method == Verification.OPEN:
        return _enter(user, space, existing, method, ParticipantStatus.VERIFIED)
    if method == Verification.CODE:
        _check_code(user, space, code)
        return _enter(user, space, existing, method, ParticipantStatus.VERIFIED)
    if method == Verification.DOMAIN:
        if not email_domain_allowed(user.email, space.domain_list()):
            raise JoinRefused(
                _("This space is for people with an e-mail address at %(domains)s; yours is not.")
                % {"domains": ", ".join(space.domain_list())}
            )
        participant = _enter(user, space, existing, method, ParticipantStatus.PENDING)
        if participant.status == ParticipantStatus.PENDING:
            send_domain_link(participant)
        return participant
    return _enter(user, space, existing, Verification.MANUAL, ParticipantStatus.PENDING)


def domain_link_token(participant: Participant) -> str:
    return signing.dumps(
        {"p": participant.pk, "e": participant.user.email.lower()}, salt=DOMAIN_LINK_SALT
    )


def send_domain_link(participant: Participant) -> None:
    """E-mail the link that proves the address is the person's (a few an hour at most)."""
    user = participant.user
    sent = _recent(user, ACTION_LINK_SENT, 3600, DOMAIN_LINK_LIMIT)
    if len(sent) >= DOMAIN_LINK_LIMIT:
        raise TooManyAttempts(
            "join_link",
            _retry_after(sent[-1], 3600),
            _("We have sent you several links already; look for them in your mailbox."),
        )
    space = participant.space
    link = settings.SITE_URL + reverse(
        "participation:join_confirm", args=[space.slug, domain_link_token(participant)]
    )
    with translation.override(user.language or settings.LANGUAGE_CODE):
        subject = _("Confirm your e-mail address to take part in %(space)s") % {
            "space": space.title
        }
        body = render_to_string(
            "participation/spaces/email/domain_link.txt",
            {"space": space, "user": user, "link": link, "site_name": settings.SITE_NAME},
        )
    with transaction.atomic():
        audit_record(actor=user, action=ACTION_LINK_SENT, target=space)
        transaction.on_commit(
            lambda: send_email.enqueue(subject=subject, body=body, to=[user.email])
        )


@transaction.atomic
def space_join_confirm(*, space: Space, token: str) -> Participant:
    """Verify the person whose e-mail address at the city's domain the link proved."""
    invalid = ValidationError(
        _("This link does not work (it may have expired). Join again to get a new one.")
    )
    try:
        data = signing.loads(token, salt=DOMAIN_LINK_SALT, max_age=DOMAIN_LINK_MAX_AGE)
    except signing.BadSignature:
        raise invalid from None
    if not isinstance(data, dict) or not isinstance(data.get("p"), int):
        raise invalid
    participant = (
        Participant.objects.select_related("user", "space")
        .filter(pk=data["p"], space=space)
        .first()
    )
    if participant is None or participant.user.email.lower() != data.get("e"):
        raise invalid
    if participant.status == ParticipantStatus.VERIFIED:
        return participant
    if (
        participant.status != ParticipantStatus.PENDING
        or participant.verified_by != Verification.DOMAIN
    ):
        raise invalid
    if verification_of(space) != Verification.DOMAIN or not email_domain_allowed(
        participant.user.email, space.domain_list()
    ):
        raise ValidationError(_("This space no longer admits people by their e-mail address."))
    before = participant.status
    Participant.objects.filter(pk=participant.pk, status=ParticipantStatus.PENDING).update(
        status=ParticipantStatus.VERIFIED, decided_at=timezone.now()
    )
    participant.refresh_from_db()
    _audit_join(participant.user, participant, before, note=_("E-mail address confirmed"))
    return participant


@transaction.atomic
def space_leave(user: Any, space: Space) -> None:
    """Stop taking part. A refusal or a block stays on record, so it cannot be left."""
    participant = Participant.objects.filter(space=space, user=user).first()
    if participant is None:
        return
    if participant.status in (ParticipantStatus.BLOCKED, ParticipantStatus.REJECTED):
        raise ValidationError(_("A moderator's decision about you stays on record."))
    audit_record(
        actor=user,
        action="participation.leave",
        target=space,
        changes={"participant": [f"{user.email} ({participant.status})", None]},
    )
    participant.delete()


# --- Deciding on participants -----------------------------------------------------------------


def _decision_subject(status: str, space: Space) -> str:
    if status == ParticipantStatus.VERIFIED:
        text = _("You can now take part in %(space)s")
    elif status == ParticipantStatus.REJECTED:
        text = _("Your request to take part in %(space)s was not approved")
    else:
        text = _("You can no longer take part in %(space)s")
    return text % {"space": space.title}


@transaction.atomic
def participant_decide(
    *, actor: Any, participant: Participant, status: str, note: str = ""
) -> Participant:
    """A moderator approves, rejects or blocks a person; audited, and the person is e-mailed."""
    authorize(actor, "participation.moderate", participant)
    if status not in DECISIONS:
        raise ValidationError({"status": _("Choose verified, rejected or blocked.")})
    if participant.user_id == actor.pk:
        raise ValidationError(_("Someone else decides about your own participation."))
    note = (note or "").strip()[:1000]
    locked = (
        Participant.objects.select_for_update()
        .select_related("user", "space")
        .get(pk=participant.pk)
    )
    before = locked.status
    if before == status:
        return locked
    locked.status = status
    locked.decided_at = timezone.now()
    if status == ParticipantStatus.VERIFIED and locked.verified_by != Verification.MANUAL:
        locked.verified_by = Verification.MANUAL
    locked.save(update_fields=["status", "decided_at", "verified_by"])
    audit_record(
        actor=actor,
        action="participation.participant_decide",
        target=locked,
        changes={"status": [before, status]},
        note=note,
    )
    _email_decision(locked, note)
    return locked


def _email_decision(participant: Participant, note: str) -> None:
    user, space = participant.user, participant.space
    if not user.is_active:
        return
    with translation.override(user.language or settings.LANGUAGE_CODE):
        subject = _decision_subject(participant.status, space)
        body = render_to_string(
            "participation/spaces/email/decision.txt",
            {
                "participant": participant,
                "space": space,
                "note": note,
                "link": settings.SITE_URL + space.get_absolute_url(),
                "site_name": settings.SITE_NAME,
            },
        )
    transaction.on_commit(lambda: send_email.enqueue(subject=subject, body=body, to=[user.email]))
