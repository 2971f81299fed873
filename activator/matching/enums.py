from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class PublicationStatus(models.TextChoices):
    """A solution or challenge is seen by the network once published; closed ones stay readable."""

    DRAFT = "draft", pgettext_lazy("solution finder", "Draft")
    PUBLISHED = "published", pgettext_lazy("solution finder", "Published")
    CLOSED = "closed", pgettext_lazy("solution finder", "Closed")


class Side(models.TextChoices):
    """Which party of a match acts: the city with the challenge or the provider of the solution."""

    CITY = "city", _("City")
    PROVIDER = "provider", _("Provider")


class MatchState(models.TextChoices):
    SAVED = "saved", _("Saved")
    DISMISSED = "dismissed", _("Dismissed")


class MediaKind(models.TextChoices):
    IMAGE = "image", _("Image")
    VIDEO = "video", _("Video link")
    DOCUMENT = "document", _("Document link")


class FinderStage(models.TextChoices):
    """Where a Solution Finder request stands, in the order the Secretariat works through it."""

    SUBMITTED = "submitted", pgettext_lazy("solution finder", "Submitted")
    IN_REVIEW = "in_review", _("Under review")
    FEEDBACK = "feedback", _("Preliminary feedback given")
    CLARIFICATION = "clarification", _("Clarifying")
    CONNECTED = "connected", _("Partners connected")
    CLOSED = "closed", pgettext_lazy("solution finder", "Closed")


class FinderOutcome(models.TextChoices):
    PROJECT = "project", _("Became a project")
    NO_PARTNER = "no_partner", _("No suitable partner found")
    WITHDRAWN = "withdrawn", pgettext_lazy("solution finder", "Withdrawn by the city")


class MeetingStatus(models.TextChoices):
    REQUESTED = "requested", pgettext_lazy("meeting", "Requested")
    ACCEPTED = "accepted", pgettext_lazy("meeting", "Accepted")
    DECLINED = "declined", pgettext_lazy("meeting", "Declined")
    CANCELLED = "cancelled", pgettext_lazy("meeting", "Cancelled")
