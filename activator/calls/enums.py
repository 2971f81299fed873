from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class CallKind(models.TextChoices):
    """The programmes the one engine runs; the kind changes wording, never the rules."""

    AWARD = "award", _("Award")
    PRIZE = "prize", _("Prize")
    FEASIBILITY_STUDY = "feasibility_study", _("Feasibility study")
    CONSULTANT_SELECTION = "consultant_selection", _("Consultant selection")
    TRAINING = "training", _("Training programme")
    YOUTH_PROGRAMME = "youth_programme", _("Youth programme")
    STARTUP_CHALLENGE = "startup_challenge", _("Startup challenge")
    SOLUTION_FINDER = "solution_finder", _("Solution Finder")
    OTHER = "other", _("Other")


class CallStatus(models.TextChoices):
    """What staff last did to the call; whether it accepts applications also depends on dates."""

    DRAFT = "draft", _("Draft")
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class PhaseKind(models.TextChoices):
    OPEN = "open", _("Applications open")
    DEADLINE = "deadline", _("Application deadline")
    REVIEW = "review", _("Review round")
    FINALISTS = "finalists", _("Finalists announced")
    WINNERS = "winners", _("Winners announced")
    CEREMONY = "ceremony", _("Ceremony")
    OTHER = "other", _("Other")


class DatePrecision(models.TextChoices):
    DAY = "day", _("Day")
    MONTH = "month", _("Month")


class ApplicantType(models.TextChoices):
    """Who may apply: the organisation types of the directory, and people on their own."""

    LOCAL_GOVERNMENT = "local_government", _("Local government")
    CORPORATION = "corporation", _("Corporation")
    INSTITUTION = "institution", _("Institution")
    OTHER = "other", _("Other organisation")
    INDIVIDUAL = "individual", _("Individual")


class QuestionKind(models.TextChoices):
    SHORT_TEXT = "short_text", _("Short text")
    LONG_TEXT = "long_text", _("Long text")
    NUMBER = "number", _("Number")
    CHOICE = "choice", _("Choice")
    DATE = "date", _("Date")
    FILE = "file", _("File")
    PROJECT = "project", _("One of the applicant's projects")


class ApplicationStatus(models.TextChoices):
    """The applicant's side of an application; the call's answer is the outcome."""

    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    REVISIONS_REQUESTED = "revisions_requested", _("Revisions requested")
    WITHDRAWN = "withdrawn", pgettext_lazy("application status", "Withdrawn")


class Outcome(models.TextChoices):
    """A decision on an application. Winners may carry one of the call's levels."""

    WINNER = "winner", _("Winner")
    SELECTED = "selected", _("Selected")
    ACCEPTED = "accepted", _("Accepted")
    REVISIONS_REQUESTED = "revisions_requested", _("Revisions requested")
    REJECTED = "rejected", _("Not selected")


# Outcomes the public results page lists.
PUBLISHED_OUTCOMES = (Outcome.WINNER, Outcome.SELECTED, Outcome.ACCEPTED)


class RoundStatus(models.TextChoices):
    SETUP = "setup", _("Being set up")
    REVIEWING = "reviewing", _("Reviewing")
    CLOSED = "closed", _("Closed")


class ReviewStatus(models.TextChoices):
    ASSIGNED = "assigned", _("To do")
    SUBMITTED = "submitted", _("Submitted")
    CONFLICTED = "conflicted", _("Conflict of interest")


class BidPreference(models.IntegerChoices):
    """How much a reviewer would like to review an application, stated before assignment."""

    CONFLICT = -2, _("I have a conflict of interest")
    NOT_INTERESTED = -1, _("Rather not")
    WILLING = 1, _("Willing")
    EAGER = 2, _("Would like to")
