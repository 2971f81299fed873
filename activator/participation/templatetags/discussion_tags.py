"""Comment threads and follow buttons on any proposal or debate page.

`{% comments_for target %}` renders the whole thread of a proposal or debate from one query of
its comments (with their authors) plus the few that say whether the viewer may comment, whatever
the number of comments. `{% follow_button target %}` reads what the person follows once per kind
of thing and request, so a list of buttons costs one query.
"""

from typing import Any

from django import template
from django.contrib.auth.models import AnonymousUser
from django.contrib.contenttypes.models import ContentType
from django.template.loader import render_to_string

from activator.participation import services_discussion as services
from activator.participation.enums import Feature, Moderation
from activator.participation.models import Comment, Debate, Follow, Proposal

register = template.Library()


def _request_and_user(context) -> tuple[Any, Any]:
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user") or AnonymousUser()
    return request, user


def _moderation_tags() -> Any:
    from activator.participation.templatetags import moderation_tags

    return moderation_tags


def _notice(context, content: Any) -> str:
    """The moderation part's notice of hidden content (reason, appeal), if it renders one."""
    notice = getattr(_moderation_tags(), "moderation_notice", None)
    return notice(context, content) if notice is not None else ""


def _flagged(user: Any, comments: list[Comment]) -> set[int]:
    """The comments of the thread the person already reported (one query)."""
    from activator.participation.services_moderation import flagged_ids

    return flagged_ids(user, "comment", [c.pk for c in comments])


def _node(context, comment: Comment, replies: list, facts: dict[str, Any]) -> dict:
    hidden = comment.moderation != Moderation.VISIBLE
    flag = ""
    if not hidden:
        flag = _moderation_tags().flag_button(context, comment, flagged=facts["flagged"])
    return {
        "comment": comment,
        "hidden": hidden,
        "awaiting": comment.moderation == Moderation.AWAITING,
        "shown": services.shows_body(facts["user"], comment, moderates=facts["moderates"]),
        "notice": _notice(context, comment) if hidden else "",
        "flag": flag,
        "author_name": services.public_name(comment.author),
        "replies": [_node(context, c, r, facts) for c, r in replies],
    }


@register.simple_tag(takes_context=True)
def comments_for(context, target) -> str:
    """The comment thread of a proposal or debate, with reply forms for those who may comment
    and the reason for the others."""
    if not isinstance(target, Proposal | Debate):
        return ""
    space = target.process.space
    if not space.has_feature(Feature.COMMENTS) or (
        isinstance(target, Debate) and not space.has_feature(Feature.DEBATES)
    ):
        return ""
    request, user = _request_and_user(context)
    moderates = bool(user.is_authenticated and user.has_perm("participation.moderate", space))
    comments = services.comments_of(target)
    refusal = services.comment_refusal(user, target, moderates=moderates)
    facts = {
        "user": user,
        "moderates": moderates,
        "flagged": _flagged(user, comments) if user.is_authenticated and comments else set(),
    }
    nodes = [_node(context, c, r, facts) for c, r in services.comment_tree(comments)]
    return render_to_string(
        "participation/discussion/_comments.html",
        {
            "target": target,
            "field": services.target_field(target),
            "space": space,
            "nodes": nodes,
            "count": len(comments),
            "may_comment": refusal is None,
            "refusal": refusal,
            "refusal_text": str(services.REFUSALS[refusal]) if refusal else "",
            "next": request.get_full_path() if request is not None else target.get_absolute_url(),
            "max_depth": Comment.MAX_DEPTH,
        },
        request=request,
    )


def kind_of(target: Any) -> str | None:
    for kind, model in services.FOLLOW_KINDS.items():
        if isinstance(target, model):
            return kind
    return None


def _followed_ids(request: Any, user: Any, model: type) -> set[int]:
    """The ids of the things of `model` the person follows, read once per request."""
    cache = getattr(request, "_participation_followed", None) if request is not None else None
    if cache is None:
        cache = {}
        if request is not None:
            request._participation_followed = cache
    content_type = ContentType.objects.get_for_model(model)
    if content_type.pk not in cache:
        cache[content_type.pk] = set(
            Follow.objects.filter(user=user, content_type=content_type).values_list(
                "object_id", flat=True
            )
        )
    return cache[content_type.pk]


@register.simple_tag(takes_context=True)
def follow_button(context, target) -> str:
    """Follow or stop following a process, proposal or debate; for people logged in."""
    kind = kind_of(target)
    request, user = _request_and_user(context)
    if kind is None or not user.is_authenticated:
        return ""
    following = target.pk in _followed_ids(request, user, services.FOLLOW_KINDS[kind])
    return render_to_string(
        "participation/discussion/_follow_button.html",
        {
            "kind": kind,
            "target": target,
            "following": following,
            "next": request.get_full_path() if request is not None else "",
        },
        request=request,
    )
