from django.db import models
from django.utils.translation import gettext_lazy as _


class Stage(models.TextChoices):
    """Where a project is in its life, in order."""

    IDEA = "idea", _("Idea")
    PROPOSAL = "proposal", _("Proposal")
    FEASIBILITY = "feasibility", _("Feasibility")
    PILOT = "pilot", _("Pilot")
    IMPLEMENTATION = "implementation", _("Implementation")
    OPERATION = "operation", _("Operation")
    EVALUATED = "evaluated", _("Evaluated")


class Visibility(models.TextChoices):
    ORGANISATION = "organisation", _("Organisation only")
    MEMBERS = "members", _("Network members")
    PUBLIC = "public", _("Public")


class PartnerRole(models.TextChoices):
    LEAD_CITY = "lead_city", _("Lead city")
    PARTNER_CITY = "partner_city", _("Partner city")
    SOLUTION_PROVIDER = "solution_provider", _("Solution provider")
    CONSULTANT = "consultant", _("Consultant")
    FUNDER = "funder", _("Funder")
    ACADEMIA = "academia", _("Academia")
    IMPLEMENTING_AGENCY = "implementing_agency", _("Implementing agency")
    OTHER = "other", _("Other")


class FundingType(models.TextChoices):
    GOVERNMENT = "government", _("Government budget")
    NATIONAL_GRANT = "national_grant", _("National grant")
    PRIVATE = "private", _("Private investment")
    PPP = "ppp", _("Public-private partnership")
    MDB = "mdb", _("Multilateral development bank")
    DEVELOPMENT_AID = "development_aid", _("Development aid")
    NETWORK_PROGRAMME = "network_programme", _("Network programme")
    OTHER = "other", _("Other")


class MilestoneStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class FileKind(models.TextChoices):
    REPORT = "report", _("Report")
    PRESENTATION = "presentation", _("Presentation")
    DATA = "data", _("Data")
    PHOTO = "photo", _("Photo")
    OTHER = "other", _("Other")


class BudgetBand(models.TextChoices):
    """Budget sizes in US dollars, so projects in different currencies compare."""

    UNDER_100K = "under_100k", _("Under $100k")
    FROM_100K = "100k_1m", _("$100k – $1M")
    FROM_1M = "1m_10m", _("$1M – $10M")
    FROM_10M = "10m_100m", _("$10M – $100M")
    OVER_100M = "over_100m", _("$100M and more")
