"""The JSON API at /api/v1/: every module adds its router here."""

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI

from activator.calls.api import router as calls_router
from activator.core.api import register_error_handlers
from activator.events.api import router as events_router
from activator.index.api import router as index_router
from activator.matching.api import router as matching_router
from activator.members.api import router as members_router
from activator.participation.api import router as participation_router
from activator.projects.api import router as projects_router

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
api.add_router("/", projects_router)
api.add_router("/", calls_router)
api.add_router("/", index_router)
api.add_router("/", events_router)
api.add_router("/", matching_router)
api.add_router("/", participation_router)


@csrf_exempt  # it changes nothing, and an unsafe method must also get the JSON 404
def api_not_found(request: HttpRequest, *args, **kwargs) -> JsonResponse:
    """Any other address under /api/ answers in JSON too, not with the HTML 404 page."""
    return JsonResponse({"detail": "Not Found"}, status=404)
