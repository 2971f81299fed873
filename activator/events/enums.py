from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class EventType(models.TextChoices):
    """What kind of gathering an event is; the yearly statistics count events by it."""

    CONFERENCE_EXPO = "conference_expo", _("Conference or expo")
    FORUM_WORKSHOP = "forum_workshop", _("Forum or workshop")
    TRAINING = "training", _("Training")
    SITE_VISIT = "site_visit", _("Site visit or technical tour")
    WEBINAR = "webinar", _("Webinar")
    STARTUP_ACCELERATOR = "startup_accelerator", _("Startup accelerator")
    FEASIBILITY_STUDY = "feasibility_study", _("Feasibility study")
    GOVERNANCE_MEETING = "governance_meeting", _("Governance meeting")
    AWARD_CEREMONY = "award_ceremony", _("Award ceremony")
    NETWORKING = "networking", _("Networking")
    REGIONAL_NETWORK = "regional_network", _("Regional network")
    OTHER = "other", _("Other")


class Audience(models.TextChoices):
    """Who may take part: anyone, people of the network, or those staff approve."""

    PUBLIC = "public", _("Public")
    MEMBERS = "members", _("Members only")
    INVITATION = "invitation", _("Invitation only")


class EventStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    CANCELLED = "cancelled", pgettext_lazy("event", "Cancelled")


class RegistrationMode(models.TextChoices):
    """How people sign up: not at all, interest only (planned events), or a full registration."""

    NONE = "none", _("No registration")
    INTEREST = "interest", _("Expressions of interest")
    OPEN = "open", _("Registration")


class RegistrationStatus(models.TextChoices):
    INTERESTED = "interested", _("Interested")
    PENDING = "pending", _("Awaiting approval")
    CONFIRMED = "confirmed", _("Confirmed")
    WAITLISTED = "waitlisted", _("On the waiting list")
    DECLINED = "declined", _("Declined")
    CANCELLED = "cancelled", pgettext_lazy("registration", "Cancelled")


class QuestionKind(models.TextChoices):
    SHORT_TEXT = "short_text", _("Short text")
    LONG_TEXT = "long_text", _("Long text")
    CHOICE = "choice", _("Choice")
    MULTIPLE_CHOICE = "multiple_choice", _("Several choices")
    YES_NO = "yes_no", _("Yes or no")


class DocumentAccess(models.TextChoices):
    PUBLIC = "public", _("Everyone")
    PARTICIPANTS = "participants", _("Registered participants")
    STAFF = "staff", _("Staff only")


class GoverningBody(models.TextChoices):
    GENERAL_ASSEMBLY = "general_assembly", _("General Assembly")
    EXECUTIVE_COMMITTEE = "executive_committee", _("Executive Committee")


class MajorityRule(models.TextChoices):
    """How many of the votes cast must be for a motion (abstentions count toward quorum only)."""

    SIMPLE = "simple", _("Simple majority (more for than against)")
    ABSOLUTE = "absolute", _("Absolute majority (more than half of the votes cast)")
    TWO_THIRDS = "two_thirds", _("Two-thirds of the votes for or against")


class MotionKind(models.TextChoices):
    RESOLUTION = "resolution", _("Resolution")
    ELECTION = "election", _("Election")


class MotionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    OPEN = "open", _("Voting open")
    CARRIED = "carried", _("Carried")
    REJECTED = "rejected", _("Rejected")
    NO_QUORUM = "no_quorum", _("No quorum")
    ELECTED = "elected", _("Elected")


class VoteChoice(models.TextChoices):
    FOR = "for", _("For")
    AGAINST = "against", _("Against")
    ABSTAIN = "abstain", _("Abstain")
