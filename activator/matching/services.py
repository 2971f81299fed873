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
from activator.events.validators import validate_photo
from activator.index.enums import ResultStatus
from activator.index.models import CityResult, Group
from activator.matching import embeddings
from activator.matching.enums import MediaKind, PublicationStatus
from activator.matching.models import Challenge, Deployment, Solution, SolutionMedia
from activator.members.enums import OrganisationType
from activator.members.models import Organisation
from activator.projects.models import Project

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


# --- Deployments, media and the index pillars a challenge may start from ---------------------


def _touch(solution: Solution) -> None:
    """Mark the solution changed so that the ranking, which weighs deployments, reads it again."""
    now = timezone.now()
    Solution.objects.filter(pk=solution.pk).update(updated_at=now)
    solution.updated_at = now


@transaction.atomic
def deployment_add(
    *, actor: Any, solution: Solution, project: Project, note: str = ""
) -> Deployment:
    """Link a catalog project that used the solution: evidence that it works somewhere."""
    if project.published_at is None:
        raise ValidationError(
            {"project": _("Only projects published in the catalog can be listed as deployments.")}
        )
    if Deployment.objects.filter(solution=solution, project=project).exists():
        raise ValidationError({"project": _("This project is already listed.")})
    deployment = Deployment(solution=solution, project=project, note=(note or "").strip())
    deployment.full_clean(exclude=["solution", "project"])
    deployment.save()
    audit_record(
        actor=actor,
        action="solution.deployment_added",
        target=solution,
        changes={"deployments": [None, str(project)]},
        note=deployment.note,
    )
    _touch(solution)
    return deployment


@transaction.atomic
def deployment_remove(*, actor: Any, deployment: Deployment) -> None:
    solution = deployment.solution
    project = str(deployment.project)
    deployment.delete()
    audit_record(
        actor=actor,
        action="solution.deployment_removed",
        target=solution,
        changes={"deployments": [project, None]},
    )
    _touch(solution)


@transaction.atomic
def media_add(
    *,
    actor: Any,
    solution: Solution,
    kind: str,
    image: Any = None,
    url: str = "",
    caption: str = "",
) -> SolutionMedia:
    """An uploaded picture (checked to be a real image), or a link to a video or a document."""
    if kind not in MediaKind.values:
        raise ValidationError({"kind": _("Unknown kind of media.")})
    url = (url or "").strip()
    if kind == MediaKind.IMAGE:
        if not image:
            raise ValidationError({"image": _("Choose an image to upload.")})
        try:
            validate_photo(image)
        except ValidationError as error:
            raise ValidationError({"image": error.messages}) from error
        url = ""
    else:
        if not url:
            raise ValidationError({"url": _("Give the link.")})
        image = None
    last = solution.media.order_by("-position").values_list("position", flat=True).first()
    media = SolutionMedia(
        solution=solution,
        kind=kind,
        url=url,
        caption=(caption or "").strip(),
        position=0 if last is None else last + 1,
    )
    media.full_clean(exclude=["solution", "image"])
    if image:
        media.image = image
    media.save()
    audit_record(
        actor=actor,
        action="solution.media_added",
        target=solution,
        changes={"media": [None, str(media)]},
    )
    return media


@transaction.atomic
def media_remove(*, actor: Any, media: SolutionMedia) -> None:
    """Remove the media; its uploaded file goes once the removal is committed, so a rollback
    does not leave a row pointing to a file that is gone."""
    solution = media.solution
    label = str(media)
    if media.image:
        storage, name = media.image.storage, media.image.name
        transaction.on_commit(lambda: storage.delete(name))
    media.delete()
    audit_record(
        actor=actor,
        action="solution.media_removed",
        target=solution,
        changes={"media": [label, None]},
    )


def latest_index_result(city: Organisation) -> CityResult | None:
    """The city's result in the most recent computed index (latest year, then latest run)."""
    return (
        CityResult.objects.filter(
            organisation=city,
            result_set__status=ResultStatus.READY,
            result_set__computed_at__isnull=False,
        )
        .select_related("result_set__version__framework")
        .order_by("-result_set__year", "-result_set__computed_at", "-id")
        .first()
    )


def weak_pillars(city: Organisation) -> list[tuple[Group, float, CityResult]]:
    """The top-level groups of the city's latest index result, weakest first: where a challenge
    may start from. Groups with no score are left out; empty when the city has no result."""
    result = latest_index_result(city)
    if result is None:
        return []
    scores = result.group_scores or {}
    groups = (
        Group.objects.filter(version_id=result.result_set.version_id, parent=None)
        .prefetch_related("pillars", "sectors")
        .order_by("position")
    )
    ranked = [
        (group, float(scores[group.code]), result)
        for group in groups
        if isinstance(scores.get(group.code), int | float)
    ]
    ranked.sort(key=lambda item: (item[1], item[0].position))
    return ranked
