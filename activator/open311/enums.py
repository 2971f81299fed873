from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ServiceType(models.TextChoices):
    REALTIME = "realtime", _("Real time")
    BATCH = "batch", _("Batch")
    BLACKBOX = "blackbox", _("Black box")


class RequestStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("service request", "Open")
    CLOSED = "closed", pgettext_lazy("service request", "Closed")


# The datatypes a service definition's attribute may have (GeoReport v2).
DATATYPES = ("string", "number", "datetime", "text", "singlevaluelist", "multivaluelist")
LIST_DATATYPES = ("singlevaluelist", "multivaluelist")
