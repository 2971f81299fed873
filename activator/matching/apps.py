from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MatchingConfig(AppConfig):
    name = "activator.matching"
    verbose_name = _("Solution Finder")

    def ready(self) -> None:
        from activator.matching import rules  # noqa: F401  (registers the permissions)
