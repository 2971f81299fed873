"""How governance meetings and votes read on a page.

{% load governance_tags %}
{% meeting_summary event as box %}   the meeting box of an event page (or None)
{% vote_bar motion.result %}         for / against / abstain as an inline SVG bar
{% election_chart motion.result %}   votes per candidate as an SVG bar chart
{{ motion|motion_outcome }}          "Carried", "No quorum", "2 elected"…
{{ "for"|vote_choice }}              "For"
"""

from typing import Any

from django import template
from django.db.models import Prefetch
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from activator.core.charts import horizontal_bars
from activator.events import services_governance as governance
from activator.events.enums import MotionKind, MotionStatus, VoteChoice
from activator.events.models import Meeting, Motion

register = template.Library()

BAR_WIDTH, BAR_HEIGHT = 400, 22
# Colours with AA contrast on white; the numbers are always printed beside the bar.
BAR_COLOURS = {"for": "#1e6b34", "against": "#a4262c", "abstain": "#6b7685"}


def vote_bar_svg(votes_for: int, against: int, abstain: int) -> SafeString:
    total = votes_for + against + abstain
    label = _("For: %(for)s, against: %(against)s, abstain: %(abstain)s") % {
        "for": votes_for,
        "against": against,
        "abstain": abstain,
    }
    x = 0.0
    parts = []
    for key, count in (("for", votes_for), ("against", against), ("abstain", abstain)):
        width = round(BAR_WIDTH * count / total, 2) if total else 0
        if width:
            parts.append((round(x, 2), width, BAR_COLOURS[key], VoteChoice(key).label, count))
        x += width
    rects = format_html_join(
        "",
        '<rect x="{}" y="0" width="{}" height="{}" fill="{}"><title>{}: {}</title></rect>',
        ((x, w, BAR_HEIGHT, colour, name, count) for x, w, colour, name, count in parts),
    )
    return format_html(
        '<svg class="vote-bar" viewBox="0 0 {} {}" width="100%" height="{}" role="img" '
        'aria-label="{}" preserveAspectRatio="none" xmlns="http://www.w3.org/2000/svg">'
        '<rect x="0" y="0" width="{}" height="{}" fill="#f3f6f9" stroke="#d5dbe3"></rect>'
        "{}</svg>",
        BAR_WIDTH,
        BAR_HEIGHT,
        BAR_HEIGHT,
        label,
        BAR_WIDTH,
        BAR_HEIGHT,
        rects,
    )


@register.simple_tag
def vote_bar(result: dict[str, Any]) -> SafeString:
    return vote_bar_svg(result.get("for", 0), result.get("against", 0), result.get("abstain", 0))


@register.simple_tag
def election_chart(result: dict[str, Any]) -> SafeString:
    rows = [(row["organisation"], row["votes"]) for row in result.get("candidates", [])]
    return horizontal_bars(rows, title=_("Votes per candidate"))


@register.simple_tag
def bar_colour(choice: str) -> str:
    return BAR_COLOURS.get(choice, "#6b7685")


@register.filter
def vote_choice(value: str) -> str:
    if value in VoteChoice.values:
        return str(VoteChoice(value).label)
    return _("Blank ballot")


def outcome_text(motion: Motion) -> str:
    """The motion's state in a few words."""
    result = motion.result or {}
    if motion.status == MotionStatus.ELECTED:
        count = len(result.get("elected", []))
        return ngettext("%(count)s elected", "%(count)s elected", count) % {"count": count}
    if motion.status == MotionStatus.REJECTED and motion.kind == MotionKind.ELECTION:
        return _("No one elected")
    return str(motion.get_status_display())


@register.filter
def motion_outcome(motion: Motion) -> str:
    return outcome_text(motion)


def result_lines(motion: Motion) -> list[str]:
    """The counted result in sentences: turnout and quorum, then the majority or the seats."""
    result = motion.result or {}
    if not result:
        return []
    lines = [
        _(
            "Votes cast: %(cast)s of %(eligible)s voting members. Quorum: %(needed)s "
            "(%(percent)s%%), %(state)s."
        )
        % {
            "cast": result["cast"],
            "eligible": result["eligible"],
            "needed": result["quorum_needed"],
            "percent": result["quorum_percent"],
            "state": _("reached") if result["quorum_met"] else _("not reached"),
        }
    ]
    if result.get("kind") == MotionKind.RESOLUTION:
        lines.append(
            _("For: %(for)s · Against: %(against)s · Abstain: %(abstain)s.")
            % {"for": result["for"], "against": result["against"], "abstain": result["abstain"]}
        )
        lines.append(governance.majority_in_words(result["majority"]))
        if result["quorum_met"]:
            lines.append(
                _("The majority was reached: the resolution carried.")
                if result["majority_met"]
                else _("The majority was not reached: the resolution was rejected.")
            )
        else:
            lines.append(_("Without the quorum the vote decides nothing."))
        return lines
    if result.get("blank"):
        lines.append(
            ngettext("%(count)s blank ballot.", "%(count)s blank ballots.", result["blank"])
            % {"count": result["blank"]}
        )
    if result.get("elected"):
        lines.append(_("Elected: %(names)s.") % {"names": ", ".join(result["elected"])})
    if result.get("tie"):
        tied = [row["organisation"] for row in result.get("candidates", []) if row.get("tied")]
        lines.append(
            _("Tie for the last seat between %(names)s — a second round is needed.")
            % {"names": ", ".join(tied)}
        )
    elif result["quorum_met"] and not result.get("elected"):
        lines.append(_("No candidate received a vote; no one was elected."))
    if not result["quorum_met"]:
        lines.append(_("Without the quorum no one is elected."))
    for ended in result.get("terms_ended", []):
        lines.append(
            _("%(organisation)s's previous term ends: %(term)s.")
            % {"organisation": ended["organisation"], "term": ended["to"]}
        )
    return lines


@register.simple_tag
def motion_result_lines(motion: Motion) -> list[str]:
    return result_lines(motion)


@register.simple_tag
def meeting_summary(event: Any) -> dict[str, Any] | None:
    """What the event page shows of its meeting: body, number, theme, rules, agenda, open votes.

    Draft motions are left out; three small queries at most.
    """
    meeting = (
        Meeting.objects.filter(event=event)
        .prefetch_related(
            "items",
            Prefetch(
                "motions",
                queryset=Motion.objects.filter(status=MotionStatus.OPEN),
                to_attr="open_motions",
            ),
        )
        .first()
    )
    if meeting is None:
        return None
    meeting.event = event
    return {
        "meeting": meeting,
        "items": list(meeting.items.all()),
        "open_motions": meeting.open_motions,
        "voters": governance.voters_in_words(meeting),
        "quorum": governance.quorum_in_words(meeting),
        "majority": governance.majority_in_words(meeting.majority),
    }
