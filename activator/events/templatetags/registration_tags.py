"""The registration box of the event page, computed where it is shown.

{% load registration_tags %}{% registration_state event as box %}
"""

from typing import Any

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def registration_state(context: template.Context, event: Any) -> dict[str, Any]:
    """The person's registration for `event`, why they cannot register, the seats left and
    what they can do (see `views_registration.registration_box`)."""
    from activator.events.views_registration import registration_box

    request = context.get("request")
    user = request.user if request is not None else context.get("user")
    return registration_box(event, user)
