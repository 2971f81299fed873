"""The JSON API at /api/v1/: every module adds its router here."""

from ninja import NinjaAPI

api = NinjaAPI(title="Activator API", version="1", urls_namespace="api")
