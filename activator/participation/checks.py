"""Refusals every participation service shares: the plan's features and taking part."""

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from activator.core.permissions import authorize
from activator.participation.models import Space


def require_feature(space: Space, feature: str) -> None:
    """Refuse what the space's plan does not include (the page hides it; the API says why)."""
    if not space.has_feature(feature):
        raise PermissionDenied(_("This space's plan does not include this."))


def require_take_part(user: Any, space: Space) -> None:
    """Only verified participants of an open space write in it."""
    if not space.is_open:
        raise ValidationError(_("This space is closed."))
    authorize(user, "participation.take_part", space)
