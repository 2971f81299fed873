from django.db import models
from django.utils.translation import gettext_lazy as _


class OrganisationType(models.TextChoices):
    LOCAL_GOVERNMENT = "local_government", _("Local government")
    CORPORATION = "corporation", _("Corporation")
    INSTITUTION = "institution", _("Institution")
    OTHER = "other", _("Other")


class MembershipCategory(models.TextChoices):
    ASSOCIATE = "associate", _("Associate member")
    FULL = "full", _("Full member")


class MembershipStatus(models.TextChoices):
    """Computed from dates (see `members.status`), never stored or edited by hand."""

    NEW = "new", _("New")
    CURRENT = "current", _("Current")
    GRACE = "grace", _("In grace period")
    EXPIRED = "expired", _("Expired")
    CANCELLED = "cancelled", _("Cancelled")


class MembershipEventKind(models.TextChoices):
    APPLIED = "applied", _("Applied")
    APPROVED = "approved", _("Approved")
    RECORDED = "recorded", _("Recorded")
    RENEWED = "renewed", _("Renewed")
    UPGRADED = "upgraded", _("Upgraded")
    LAPSED = "lapsed", _("Lapsed")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class ApplicationStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting review")
    APPROVED = "approved", _("Approved")
    DECLINED = "declined", _("Declined")


class GovernanceRoleKind(models.TextChoices):
    PRESIDENT_CITY = "president_city", _("President city")
    EXECUTIVE_VICE_PRESIDENT_CITY = (
        "executive_vice_president_city",
        _("Executive vice president city"),
    )
    VICE_PRESIDENT_CITY = "vice_president_city", _("Vice president city")
    EXCOM_MEMBER = "excom_member", _("Executive Committee member")
