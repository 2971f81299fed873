"""Solutions and challenges: creating, changing and publishing them, and keeping the text that
matching reads (its embedding and its full-text entry) in step with what is saved.

Permissions are checked by the callers (pages and API) through `matching.rules`; these functions
check the data and write the audit trail.
"""

from collections.abc import Iterable
from typing import Any

import numpy as np
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from activator.core.audit import audit_record, diff, snapshot
from activator.core.search import normalize, search_index, search_remove
from activator.matching import embeddings
from activator.matching.enums import PublicationStatus
from activator.matching.models import Challenge, Solution
from activator.members.enums import OrganisationType
from activator.members.models import Organisation

SOLUTION_FIELDS = (
    "name",
    "summary",
    "description",
    "price_band",
    "references",
    "website",
    "contact",
)
SOLUTION_RELATED = ("sectors", "pillars", "technologies", "regions")
CHALLENGE_FIELDS = (
    "title",
    "description",
    "budget_min",
    "budget_max",
    "start_by",
    "duration_months",
    "index_group",
    "index_score",
)
CHALLENGE_RELATED = ("sectors", "pillars")

# The kinds under which `core.search` indexes them.
SOLUTION_KIND = "solution"
CHALLENGE_KIND = "challenge"


def _unique_slug(model: type[Solution] | type[Challenge], text: str, exclude_id=None) -> str:
    base = slugify(normalize(text))[:200] or model._meta.model_name
    slug, n = base, 2
    taken = model.objects.exclude(id=exclude_id) if exclude_id else model.objects.all()
    while taken.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def _split(fields: dict[str, Any], plain: tuple[str, ...], related: tuple[str, ...]) -> tuple:
    unknown = set(fields) - set(plain) - set(related)
    if unknown:
        raise TypeError(f"Unknown fields: {sorted(unknown)}")
    return (
        {k: v for k, v in fields.items() if k in plain},
        {k: v for k, v in fields.items() if k in related},
    )


def _set_related(obj: Any, values: dict[str, Iterable[Any] | None]) -> None:
    for name, items in values.items():
        if items is not None:
            getattr(obj, name).set(list(items))


def _check(obj: Solution | Challenge) -> None:
    obj.full_clean(exclude=["slug", "embedding", "search_text"], validate_unique=False)


def matching_text(obj: Solution | Challenge) -> str:
    """What the embedding reads: the words that say what it is about, names of terms included."""
    if isinstance(obj, Solution):
        head = [obj.name, obj.summary, obj.description]
        terms = [*obj.sectors.all(), *obj.pillars.all(), *obj.technologies.all()]
    else:
        head = [obj.title, obj.description]
        terms = [*obj.sectors.all(), *obj.pillars.all()]
    return "\n".join([*(p for p in head if p), ", ".join(t.name for t in terms)]).strip()


def reindex(obj: Solution | Challenge) -> None:
    """Recompute the text's vector and full-text entry; drafts are kept out of search."""
    text = matching_text(obj)
    vector = embeddings.embed([text])[0].astype(np.float32)
    obj.embedding = vector.tobytes()
    obj.search_text = normalize(text)
    type(obj).objects.filter(pk=obj.pk).update(embedding=obj.embedding, search_text=obj.search_text)
    kind = SOLUTION_KIND if isinstance(obj, Solution) else CHALLENGE_KIND
    title = obj.name if isinstance(obj, Solution) else obj.title
    if obj.status == PublicationStatus.DRAFT:
        search_remove(kind=kind, object_id=obj.pk)
    else:
        search_index(kind=kind, object_id=obj.pk, title=title, body=text)


def _fields_snapshot(obj: Any, plain: tuple[str, ...]) -> dict[str, Any]:
    return snapshot(obj, [*plain, "status"])


@transaction.atomic
def solution_create(*, actor: Any, provider: Organisation, **fields: Any) -> Solution:
    """A draft solution offered by `provider`; publish it to have it matched."""
    plain, related = _split(fields, SOLUTION_FIELDS, SOLUTION_RELATED)
    solution = Solution(provider=provider, **plain)
    solution.created_by = actor if actor is not None and actor.is_authenticated else None
    if solution.contact is None and solution.created_by is not None:
        solution.contact = solution.created_by
    _check(solution)
    solution.slug = _unique_slug(Solution, solution.name)
    solution.save()
    _set_related(solution, related)
    audit_record(
        actor=actor,
        action="solution.created",
        target=solution,
        changes=diff({}, _fields_snapshot(solution, SOLUTION_FIELDS)),
    )
    reindex(solution)
    return solution


@transaction.atomic
def solution_update(*, actor: Any, solution: Solution, **fields: Any) -> Solution:
    plain, related = _split(fields, SOLUTION_FIELDS, SOLUTION_RELATED)
    before = _fields_snapshot(solution, SOLUTION_FIELDS)
    for name, value in plain.items():
        setattr(solution, name, value)
    _check(solution)
    solution.save()
    _set_related(solution, related)
    audit_record(
        actor=actor,
        action="solution.changed",
        target=solution,
        changes=diff(before, _fields_snapshot(solution, SOLUTION_FIELDS)),
    )
    reindex(solution)
    return solution


def _set_status(actor: Any, obj: Solution | Challenge, status: str, action: str) -> None:
    if status not in PublicationStatus.values:
        raise ValidationError({"status": _("Unknown status.")})
    if status == obj.status:
        return
    before = obj.status
    obj.status = status
    if status == PublicationStatus.PUBLISHED and obj.published_at is None:
        obj.published_at = timezone.now()
    obj.save(update_fields=["status", "published_at", "updated_at"])
    audit_record(actor=actor, action=action, target=obj, changes={"status": [before, status]})
    reindex(obj)


@transaction.atomic
def solution_set_status(*, actor: Any, solution: Solution, status: str) -> Solution:
    """Publish (matched and listed), close (still readable, no longer matched) or back to draft."""
    _set_status(actor, solution, status, "solution.status")
    return solution


@transaction.atomic
def challenge_create(*, actor: Any, city: Organisation, **fields: Any) -> Challenge:
    """A draft challenge of `city` (a local government); publish it to see and be seen."""
    if city.type != OrganisationType.LOCAL_GOVERNMENT:
        raise ValidationError({"city": _("Only cities (local governments) post challenges.")})
    plain, related = _split(fields, CHALLENGE_FIELDS, CHALLENGE_RELATED)
    challenge = Challenge(city=city, **plain)
    challenge.created_by = actor if actor is not None and actor.is_authenticated else None
    _check(challenge)
    challenge.slug = _unique_slug(Challenge, challenge.title)
    challenge.save()
    _set_related(challenge, related)
    audit_record(
        actor=actor,
        action="challenge.created",
        target=challenge,
        changes=diff({}, _fields_snapshot(challenge, CHALLENGE_FIELDS)),
    )
    reindex(challenge)
    return challenge


@transaction.atomic
def challenge_update(*, actor: Any, challenge: Challenge, **fields: Any) -> Challenge:
    plain, related = _split(fields, CHALLENGE_FIELDS, CHALLENGE_RELATED)
    before = _fields_snapshot(challenge, CHALLENGE_FIELDS)
    for name, value in plain.items():
        setattr(challenge, name, value)
    _check(challenge)
    challenge.save()
    _set_related(challenge, related)
    audit_record(
        actor=actor,
        action="challenge.changed",
        target=challenge,
        changes=diff(before, _fields_snapshot(challenge, CHALLENGE_FIELDS)),
    )
    reindex(challenge)
    return challenge


@transaction.atomic
def challenge_set_status(*, actor: Any, challenge: Challenge, status: str) -> Challenge:
    _set_status(actor, challenge, status, "challenge.status")
    return challenge
