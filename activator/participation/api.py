"""The participation API: spaces, processes, proposals, supports, debates, comments, reports."""

from ninja import Router

from activator.participation import api_discussion, api_moderation, api_processes, api_spaces

router = Router()
router.add_router("/", api_spaces.router)
router.add_router("/", api_processes.router)
router.add_router("/", api_discussion.router)
router.add_router("/", api_moderation.router)
