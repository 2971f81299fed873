from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Open311Config(AppConfig):
    name = "activator.open311"
    verbose_name = _("Service requests (Open311)")

    def ready(self) -> None:
        from activator.open311 import rules  # noqa: F401  (registers the permissions)
