"""The fixed vocabularies of participation spaces: plans and their features, phases, states."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Plan(models.TextChoices):
    FREE = "free", _("Free")
    PLUS = "plus", _("Plus")
    PREMIUM = "premium", _("Premium")


class Feature(models.TextChoices):
    """What a space can do; its plan decides which it has (PLAN_FEATURES)."""

    PROPOSALS = "proposals", _("Proposals and supports")
    COMMENTS = "comments", _("Comments")
    DEBATES = "debates", _("Debates")
    SURVEYS = "surveys", _("Surveys")
    VERIFICATION = "verification", _("Verified participants (code, e-mail domain or manual)")
    ACCOUNTABILITY = "accountability", _("Accepted proposals followed as projects")
    DIGEST = "digest", _("Daily digest of notifications")


PLAN_FEATURES: dict[str, frozenset[str]] = {
    Plan.FREE: frozenset({Feature.PROPOSALS, Feature.COMMENTS}),
    Plan.PLUS: frozenset(
        {Feature.PROPOSALS, Feature.COMMENTS, Feature.DEBATES, Feature.SURVEYS, Feature.DIGEST}
    ),
    Plan.PREMIUM: frozenset(Feature.values),
}


class Verification(models.TextChoices):
    """How a person becomes a participant of a space."""

    OPEN = "open", _("Anyone with an account")
    CODE = "code", _("Invitation code")
    DOMAIN = "domain", _("E-mail address at the city's domains")
    MANUAL = "manual", _("Approved one by one by the moderators")


class ParticipantStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for approval")
    VERIFIED = "verified", _("Verified")
    REJECTED = "rejected", _("Not approved")
    BLOCKED = "blocked", _("Blocked")


class NotificationMode(models.TextChoices):
    IMMEDIATE = "immediate", _("An e-mail for each")
    DIGEST = "digest", _("A daily digest")
    NONE = "none", _("No e-mails (on the site only)")


class PhaseKind(models.TextChoices):
    """The steps of a process, in order."""

    INFORMATION = "information", _("Information")
    PROPOSALS = "proposals", _("Proposals")
    DEBATE = "debate", _("Debate")
    VOTING = "voting", _("Voting")
    RESULTS = "results", _("Results")


class ProcessStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class AnswerStatus(models.TextChoices):
    """The city's answer to a proposal; empty until it answers."""

    NONE = "", _("Not answered yet")
    EVALUATING = "evaluating", _("Evaluating")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")


class Moderation(models.TextChoices):
    """Whether a proposal, debate or comment shows."""

    VISIBLE = "visible", _("Visible")
    # Flagged by as many participants as the space's threshold: hidden until a moderator decides.
    AWAITING = "awaiting", _("Hidden until a moderator decides")
    HIDDEN = "hidden", _("Hidden by a moderator")


class AppealStatus(models.TextChoices):
    NONE = "", _("No appeal")
    PENDING = "pending", _("Appeal waiting")
    UPHELD = "upheld", _("Appeal refused: stays hidden")
    GRANTED = "granted", _("Appeal granted: shown again")


class FlagReason(models.TextChoices):
    SPAM = "spam", _("Spam")
    OFFENSIVE = "offensive", _("Offensive or abusive")
    OFF_TOPIC = "off_topic", _("Off topic")
    PERSONAL_DATA = "personal_data", _("Discloses personal data")
    OTHER = "other", _("Something else")


class QuestionKind(models.TextChoices):
    TEXT = "text", _("Text")
    CHOICE = "choice", _("One choice")
    MULTIPLE = "multiple", _("Several choices")
