import math

from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.utils.translation import gettext_lazy as _


def ensure_sqrt(sender, connection, **kwargs) -> None:
    """The ranking needs SQRT; SQLite builds without math functions get Python's."""
    if connection.vendor != "sqlite":
        return
    raw = connection.connection
    try:
        raw.execute("SELECT sqrt(4.0)")
    except Exception:
        raw.create_function("sqrt", 1, math.sqrt, deterministic=True)


class CallsConfig(AppConfig):
    name = "activator.calls"
    verbose_name = _("Calls")

    def ready(self) -> None:
        connection_created.connect(ensure_sqrt, dispatch_uid="calls_ensure_sqrt")
