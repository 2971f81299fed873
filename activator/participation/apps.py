from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ParticipationConfig(AppConfig):
    name = "activator.participation"
    verbose_name = _("Participation")

    def ready(self) -> None:
        from activator.participation import rules  # noqa: F401  (registers the permissions)
