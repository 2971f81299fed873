"""The report button and the moderation notice, on anything participants write.

    {% load moderation_tags %}
    {% moderation_notice proposal %}
    {% if request.user|can_view_body:proposal %}{{ proposal.body|rich }}{% endif %}
    {% flag_button proposal %}

What the person reported is read once per request and kind, so a thread of comments costs one
query. A page that already knows may pass it (`services_moderation.flagged_ids(user, "comment",
ids)`): `{% flag_button comment flagged=reported_ids %}`.
"""

from typing import Any

from django import template
from django.contrib.contenttypes.models import ContentType
from django.template.loader import render_to_string

from activator.participation import services_moderation as moderation
from activator.participation.enums import AppealStatus, Moderation
from activator.participation.forms_moderation import AppealForm, FlagForm
from activator.participation.models import Flag
from activator.participation.rules import space_of

register = template.Library()

REPORTED_READ_AT_ONCE = 2000


def _user(context: template.Context) -> Any:
    request = context.get("request")
    if request is not None and hasattr(request, "user"):
        return request.user
    return context.get("user")


def _cache(context: template.Context) -> dict:
    """Facts read once per request (or per rendering without one): a page of comments asks
    about the same space many times."""
    request = context.get("request")
    if request is not None:
        if not hasattr(request, "_moderation_facts"):
            request._moderation_facts = {}
        return request._moderation_facts
    return context.render_context.setdefault("moderation_facts", {})


def _takes_part(context: template.Context, user: Any, space: Any) -> bool:
    facts = _cache(context)
    key = ("takes_part", user.pk, space.pk)
    if key not in facts:
        facts[key] = bool(space.is_open and user.has_perm("participation.take_part", space))
    return facts[key]


def _moderates(context: template.Context, user: Any, target: Any) -> bool:
    space = space_of(target)
    facts = _cache(context)
    key = ("moderates", user.pk, space.pk)
    if key not in facts:
        facts[key] = bool(user.has_perm("participation.moderate", space))
    return facts[key]


def _reported(context: template.Context, user: Any, target: Any, kind: str) -> bool:
    """Whether `user` reported `target`: the ids of the kind they reported are read once per
    request (one query for a whole comment thread), unless they reported very many."""
    facts = _cache(context)
    key = ("reported", user.pk, kind)
    if key not in facts:
        ids = list(
            Flag.objects.filter(
                user=user,
                content_type=ContentType.objects.get_for_model(moderation.CONTENT_KINDS[kind]),
            ).values_list("object_id", flat=True)[: REPORTED_READ_AT_ONCE + 1]
        )
        facts[key] = set(ids) if len(ids) <= REPORTED_READ_AT_ONCE else None
    known = facts[key]
    return target.pk in known if known is not None else moderation.has_flagged(user, target)


@register.simple_tag(takes_context=True)
def flag_button(context, target, flagged=None) -> str:
    """A small report form for verified participants of the space who did not write `target`;
    "You reported this" once they did. `flagged`: the ids of this kind already reported."""
    user = _user(context)
    if target is None or user is None or not user.is_authenticated:
        return ""
    if target.author_id == user.pk or target.moderation != Moderation.VISIBLE:
        return ""
    if not moderation.is_public(target) or not _takes_part(context, user, space_of(target)):
        return ""
    kind = moderation.kind_of(target)
    already = (
        target.pk in flagged if flagged is not None else _reported(context, user, target, kind)
    )
    request = context.get("request")
    here = request.get_full_path() if request is not None else ""
    form = None
    if not already:
        form = FlagForm(
            auto_id=f"id_flag_{kind}_{target.pk}_%s",
            initial={"kind": kind, "id": target.pk, "next": here},
        )
    return render_to_string(
        "participation/moderation/_flag_button.html",
        {"target": target, "kind": kind, "form": form, "already": already},
        request=request,
    )


@register.simple_tag(takes_context=True)
def moderation_notice(context, target) -> str:
    """Nothing while visible. Hidden: why (the moderators' reason stays visible to everyone); its
    author gets the appeal form or the appeal's state, moderators a link to decide."""
    if target is None or target.moderation == Moderation.VISIBLE:
        return ""
    user = _user(context)
    signed_in = user is not None and user.is_authenticated
    is_author = signed_in and target.author_id == user.pk
    kind = moderation.kind_of(target)
    request = context.get("request")
    form = None
    if is_author and target.appeal_status == AppealStatus.NONE:
        form = AppealForm(
            auto_id=f"id_appeal_{kind}_{target.pk}_%s",
            initial={"next": request.get_full_path() if request is not None else ""},
        )
    return render_to_string(
        "participation/moderation/_notice.html",
        {
            "target": target,
            "kind": kind,
            "is_author": is_author,
            "appeal_form": form,
            "appeal_action": moderation.appeal_url(target),
            "moderates": signed_in and _moderates(context, user, target),
            "moderate_url": moderation.moderate_url(target),
        },
        request=request,
    )


@register.filter
def can_view_body(user, target) -> bool:
    """`{% if request.user|can_view_body:proposal %}`: visible, or hidden and you may still read
    it (its author, the moderators)."""
    return target is not None and moderation.can_view_body(user, target)
