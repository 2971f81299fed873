"""The one way views and the API ask the rules whether a person may act."""

from typing import Any

from django.core.exceptions import PermissionDenied


def authorize(user: Any, permission: str, obj: Any = None) -> None:
    """Raise PermissionDenied unless `user` holds `permission` (on `obj`, per the rules)."""
    if not user.has_perm(permission, obj):
        raise PermissionDenied(permission)
