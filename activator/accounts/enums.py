from django.db import models
from django.utils.translation import gettext_lazy as _


class PlatformRole(models.TextChoices):
    """What a person may do across the platform; acting for an organisation is an Affiliation."""

    SECRETARIAT = "secretariat", _("Secretariat staff")
    REGIONAL_STAFF = "regional_staff", _("Regional office staff")
    REVIEWER = "reviewer", _("Reviewer")
    CITIZEN = "citizen", _("Citizen")


class AffiliationRole(models.TextChoices):
    """A person's role within one organisation."""

    REPRESENTATIVE = "representative", _("Member representative")
    CONTACT = "contact", _("Contact person")
