from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class FrameworkKind(models.TextChoices):
    SURVEY = "survey", _("Diagnostic survey")
    INDICATORS = "indicators", _("Indicator set")


class Normalisation(models.TextChoices):
    """How a raw value becomes a 0-100 score (FRAMEWORKS.md has the formulas)."""

    MINMAX = "minmax", _("Min-max over the cohort")
    GOALPOSTS = "goalposts", _("Fixed goalposts, capped")
    ZSCORE = "zscore", _("Z-score")
    TARGET = "target", _("Distance to target")
    RANK = "rank", _("Percentile rank")


class WeightScheme(models.TextChoices):
    CUSTOM = "custom", _("Weights of the framework")
    EQUAL = "equal", _("Equal weights")


class MissingRule(models.TextChoices):
    REWEIGHT = "reweight", _("Skip and reweight")
    IMPUTE_MEAN = "impute_mean", _("Cohort mean imputation")


class Aggregation(models.TextChoices):
    ARITHMETIC = "arithmetic", _("Arithmetic mean")
    GEOMETRIC = "geometric", _("Geometric mean")


class Direction(models.TextChoices):
    HIGHER = "higher", _("Higher is better")
    LOWER = "lower", _("Lower is better")
    REPORTED = "", _("Reported, not scored")


class AssessmentStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("assessment status", "Draft")
    SUBMITTED = "submitted", pgettext_lazy("assessment status", "Submitted")


class Verification(models.TextChoices):
    """A reviewer's word on one value; queried and rejected values go back to the city."""

    PENDING = "pending", pgettext_lazy("verification", "Not yet verified")
    VERIFIED = "verified", pgettext_lazy("verification", "Verified")
    QUERIED = "queried", pgettext_lazy("verification", "Queried")
    REJECTED = "rejected", pgettext_lazy("verification", "Rejected")


class ResultStatus(models.TextChoices):
    PENDING = "pending", _("Computing")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Failed")


class IncomeGroup(models.TextChoices):
    """The World Bank's country income groups, used to choose peers."""

    LOW = "low", _("Low income")
    LOWER_MIDDLE = "lower_middle", _("Lower-middle income")
    UPPER_MIDDLE = "upper_middle", _("Upper-middle income")
    HIGH = "high", _("High income")
