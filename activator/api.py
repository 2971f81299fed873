"""The JSON API at /api/v1/: every module adds its router here."""

from ninja import NinjaAPI

from activator.core.api import register_error_handlers
from activator.members.api import router as members_router

api = NinjaAPI(
    title="Activator API",
    version="1",
    description=(
        "Read the network's public data without a token; write with "
        "`Authorization: Bearer <token>` (create one on your profile's API tokens page). "
        'Errors are JSON: `{"detail": [{"loc": [...], "msg": ...}]}`.'
    ),
    urls_namespace="api",
)
register_error_handlers(api)
api.add_router("/", members_router)
