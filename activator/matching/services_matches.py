"""What people do with a proposed match: save or dismiss it for their side, and talk about it.

Permissions are checked by the callers (pages and API) through `matching.rules`: the city side
needs `matching.decide_for_challenge`, the provider side `matching.decide_for_solution`, and a
conversation `matching.view_conversation` (or one of the two to start it).
"""

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from activator.accounts.models import Affiliation
from activator.core.audit import audit_record
from activator.core.tasks import send_email
from activator.matching.enums import MatchState, PublicationStatus, Side
from activator.matching.models import Challenge, Conversation, MatchDecision, Message, Solution

MESSAGE_MAX = 5000


def _actor_or_none(actor: Any) -> Any:
    return actor if actor is not None and actor.is_authenticated else None


@transaction.atomic
def match_decide(
    *, actor: Any, challenge: Challenge, solution: Solution, side: str, state: str | None
) -> MatchDecision | None:
    """Save or dismiss a match for one side; `state=None` takes the decision back."""
    if side not in Side.values:
        raise ValidationError({"side": _("Unknown side.")})
    if state is not None and state not in MatchState.values:
        raise ValidationError({"state": _("Unknown decision.")})
    existing = MatchDecision.objects.filter(
        challenge=challenge, solution=solution, side=side
    ).first()
    before = existing.state if existing else None
    if state is None:
        if existing is not None:
            existing.delete()
            audit_record(
                actor=actor,
                action="match.undecided",
                target=challenge if side == Side.CITY else solution,
                changes={"state": [before, None]},
                note=str(solution if side == Side.CITY else challenge),
            )
        return None
    decision, _created = MatchDecision.objects.update_or_create(
        challenge=challenge,
        solution=solution,
        side=side,
        defaults={"state": state, "decided_by": _actor_or_none(actor)},
    )
    if before != state:
        audit_record(
            actor=actor,
            action="match.decided",
            target=challenge if side == Side.CITY else solution,
            changes={"state": [before, state]},
            note=str(solution if side == Side.CITY else challenge),
        )
    return decision


def _clean_body(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": _("Write a message.")})
    if len(body) > MESSAGE_MAX:
        raise ValidationError(
            {"body": _("A message has at most %(max)s characters.") % {"max": MESSAGE_MAX}}
        )
    return body


@transaction.atomic
def conversation_start(
    *, actor: Any, challenge: Challenge, solution: Solution, body: str
) -> Conversation:
    """Open the conversation about a match (or continue the one that exists) with a message."""
    body = _clean_body(body)
    if challenge.status == PublicationStatus.DRAFT or solution.status == PublicationStatus.DRAFT:
        raise ValidationError(_("Conversations are about published challenges and solutions only."))
    conversation, created = Conversation.objects.get_or_create(
        challenge=challenge,
        solution=solution,
        defaults={"started_by": _actor_or_none(actor)},
    )
    if created:
        audit_record(actor=actor, action="conversation.started", target=conversation)
    message_post(actor=actor, conversation=conversation, body=body)
    return conversation


def _side_addresses(organisation_id: int, extra: Any = None) -> set[str]:
    addresses = set(
        Affiliation.objects.filter(
            organisation_id=organisation_id, user__is_active=True
        ).values_list("user__email", flat=True)
    )
    if extra is not None and extra.is_active:
        addresses.add(extra.email)
    return {a for a in addresses if a}


def recipients(conversation: Conversation, author: Any) -> list[str]:
    """The other side's people: a city's author writes to the provider, and back; staff write
    to both."""
    challenge, solution = conversation.challenge, conversation.solution
    author_orgs = (
        set(author.affiliations.values_list("organisation_id", flat=True))
        if author is not None and author.is_authenticated
        else set()
    )
    to: set[str] = set()
    if challenge.city_id not in author_orgs:
        to |= _side_addresses(challenge.city_id)
    if solution.provider_id not in author_orgs:
        to |= _side_addresses(solution.provider_id, solution.contact)
    if author is not None and getattr(author, "email", ""):
        to.discard(author.email)
    return sorted(to)


@transaction.atomic
def message_post(*, actor: Any, conversation: Conversation, body: str) -> Message:
    """Add a message and e-mail the other side once the write is committed."""
    body = _clean_body(body)
    message = Message.objects.create(
        conversation=conversation, author=_actor_or_none(actor), body=body
    )
    Conversation.objects.filter(pk=conversation.pk).update(last_message_at=message.created_at)
    conversation.last_message_at = message.created_at
    audit_record(actor=actor, action="conversation.message", target=conversation)
    to = recipients(conversation, _actor_or_none(actor))
    if to:
        subject = _("New message about %(challenge)s") % {"challenge": conversation.challenge}
        text = render_to_string(
            "matching/email/message.txt",
            {
                "site_url": settings.SITE_URL,
                "conversation": conversation,
                "message": message,
                "author": _actor_or_none(actor),
                "sent_at": timezone.localtime(message.created_at),
            },
        )
        transaction.on_commit(lambda: send_email.enqueue(subject=subject, body=text, to=to))
    return message
