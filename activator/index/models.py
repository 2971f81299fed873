"""The Smart Cities Index: frameworks as data, cities' assessments, and the computed results.

A framework version is a tree of groups (pillar, dimension, ...) with indicators as leaves; it is
imported from and exported to one JSON document (FRAMEWORKS.md). An assessment holds one city's
answers and values for one version and year. Results are computed for every submitted
assessment of a version and year together, because most normalisations depend on the cohort.
"""

import os

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from activator.index.enums import (
    Aggregation,
    AssessmentStatus,
    Direction,
    FrameworkKind,
    IncomeGroup,
    MissingRule,
    Normalisation,
    ResultStatus,
    Verification,
    WeightScheme,
)
from activator.projects.models import private_storage
from activator.projects.validators import validate_project_file


class Framework(models.Model):
    """A named index or survey; its content lives in versions."""

    slug = models.SlugField(_("web address"), max_length=100, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=12, choices=FrameworkKind)

    class Meta:
        ordering = ["name"]
        verbose_name = _("framework")
        verbose_name_plural = _("frameworks")

    def __str__(self) -> str:
        return self.name


class FrameworkVersion(models.Model):
    """One edition of a framework: its tree, its method and its development stages."""

    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="versions")
    version = models.CharField(_("version"), max_length=40)
    description = models.TextField(_("description"), blank=True)
    source = models.TextField(_("source"), blank=True)
    levels = models.JSONField(_("levels"), default=list, help_text=_("Group level names."))
    normalisation = models.CharField(
        _("normalisation"), max_length=12, choices=Normalisation, default=Normalisation.MINMAX
    )
    weights = models.CharField(
        _("weights"), max_length=10, choices=WeightScheme, default=WeightScheme.CUSTOM
    )
    missing = models.CharField(
        _("missing data"), max_length=12, choices=MissingRule, default=MissingRule.REWEIGHT
    )
    aggregation = models.CharField(
        _("overall aggregation"), max_length=12, choices=Aggregation, default=Aggregation.ARITHMETIC
    )
    min_coverage = models.FloatField(
        _("minimum coverage"),
        default=0.5,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
    )
    zero_floor = models.FloatField(_("zero floor for geometric means"), default=1.0)
    sensitivity = models.JSONField(_("sensitivity analysis"), default=dict, blank=True)
    stages = models.JSONField(_("development stages"), default=list)
    imported_at = models.DateTimeField(_("imported"), auto_now=True)

    class Meta:
        ordering = ["framework__name", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["framework", "version"], name="index_version_unique")
        ]
        verbose_name = _("framework version")
        verbose_name_plural = _("framework versions")

    def __str__(self) -> str:
        return f"{self.framework.name} {self.version}"

    def get_absolute_url(self) -> str:
        return reverse("index:framework", args=[self.framework.slug, self.version])

    @property
    def slug(self) -> str:
        return self.framework.slug

    @property
    def kind(self) -> str:
        return self.framework.kind

    def stage_bands(self) -> list[tuple[str, float]]:
        return [(stage["name"], float(stage["from"])) for stage in self.stages]


class Group(models.Model):
    """A node of the framework tree above the indicators (a pillar, a dimension, ...)."""

    version = models.ForeignKey(FrameworkVersion, on_delete=models.CASCADE, related_name="groups")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    code = models.CharField(_("code"), max_length=60)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    depth = models.PositiveSmallIntegerField(_("level"), default=0)
    position = models.PositiveIntegerField(_("position"), default=0)
    weight = models.FloatField(_("weight"), default=1.0, validators=[MinValueValidator(0)])
    aggregation = models.CharField(
        _("aggregation"), max_length=12, choices=Aggregation, default=Aggregation.ARITHMETIC
    )
    min_coverage = models.FloatField(
        _("minimum coverage"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
    )
    pillars = models.ManyToManyField("core.Pillar", blank=True, related_name="index_groups")
    sectors = models.ManyToManyField("core.Sector", blank=True, related_name="index_groups")

    class Meta:
        ordering = ["version", "position"]
        constraints = [
            models.UniqueConstraint(fields=["version", "code"], name="index_group_code_unique")
        ]
        verbose_name = _("group")
        verbose_name_plural = _("groups")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Indicator(models.Model):
    """A leaf of the tree: a measured value, or a survey question answered with a level 1-5."""

    version = models.ForeignKey(
        FrameworkVersion, on_delete=models.CASCADE, related_name="indicators"
    )
    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="indicators")
    code = models.CharField(_("code"), max_length=60)
    name = models.CharField(_("name"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    unit = models.CharField(_("unit"), max_length=120, blank=True)
    direction = models.CharField(
        _("direction"), max_length=6, choices=Direction, blank=True, default=Direction.HIGHER
    )
    transform = models.CharField(
        _("transform"), max_length=6, blank=True, choices=[("", _("None")), ("log", _("Log"))]
    )
    lower = models.FloatField(_("lower goalpost"), null=True, blank=True)
    upper = models.FloatField(_("upper goalpost"), null=True, blank=True)
    target = models.FloatField(_("target"), null=True, blank=True)
    weight = models.FloatField(_("weight"), default=1.0, validators=[MinValueValidator(0)])
    source = models.CharField(_("source"), max_length=300, blank=True)
    position = models.PositiveIntegerField(_("position"), default=0)
    question_text = models.TextField(_("question"), blank=True)
    question_help = models.TextField(_("help"), blank=True)
    question_levels = models.JSONField(_("maturity levels"), default=list, blank=True)

    class Meta:
        ordering = ["version", "position"]
        constraints = [
            models.UniqueConstraint(fields=["version", "code"], name="index_indicator_code_unique")
        ]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def is_question(self) -> bool:
        return bool(self.question_levels)

    @property
    def is_scored(self) -> bool:
        return bool(self.direction) and self.weight > 0


class Assessment(models.Model):
    """One city's answers and values for one framework version and year."""

    version = models.ForeignKey(
        FrameworkVersion, on_delete=models.PROTECT, related_name="assessments"
    )
    organisation = models.ForeignKey(
        "members.Organisation", on_delete=models.CASCADE, related_name="assessments"
    )
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    status = models.CharField(
        _("status"), max_length=10, choices=AssessmentStatus, default=AssessmentStatus.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    experts = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("expert auditors"),
        blank=True,
        related_name="audited_assessments",
        help_text=_("People besides staff who verify the values (an expert audit)."),
    )

    class Meta:
        ordering = ["-year", "organisation__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "organisation", "year"], name="index_assessment_unique"
            )
        ]
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")

    def __str__(self) -> str:
        return f"{self.organisation} · {self.version} · {self.year}"

    def get_absolute_url(self) -> str:
        return reverse("index:assessment", args=[self.pk])

    @property
    def is_submitted(self) -> bool:
        return self.status == AssessmentStatus.SUBMITTED


def evidence_path(instance: "Value", filename: str) -> str:
    return f"index/{instance.assessment_id}/{os.path.basename(filename)}"


class Value(models.Model):
    """An answer or a measured value, with where it comes from and a reviewer's verdict."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="values")
    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="values")
    value = models.FloatField(_("value"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=300, blank=True)
    evidence_link = models.URLField(_("evidence link"), max_length=500, blank=True)
    evidence_file = models.FileField(
        _("evidence file"),
        upload_to=evidence_path,
        storage=private_storage,
        blank=True,
        validators=[validate_project_file],
    )
    verification = models.CharField(
        _("verification"), max_length=10, choices=Verification, default=Verification.PENDING
    )
    comment = models.TextField(_("reviewer's comment"), blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["indicator__position"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "indicator"], name="index_value_unique")
        ]
        verbose_name = _("value")
        verbose_name_plural = _("values")

    def __str__(self) -> str:
        return f"{self.indicator.code} = {self.value}"

    @property
    def counts(self) -> bool:
        """Rejected values are left out of the computation, as if missing."""
        return self.value is not None and self.verification != Verification.REJECTED


class ResultSet(models.Model):
    """The computed index for every submitted assessment of one version and year."""

    version = models.ForeignKey(
        FrameworkVersion, on_delete=models.CASCADE, related_name="result_sets"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    status = models.CharField(
        _("status"), max_length=10, choices=ResultStatus, default=ResultStatus.PENDING
    )
    error = models.TextField(blank=True)
    requested_at = models.DateTimeField(_("requested"), null=True, blank=True)
    computed_at = models.DateTimeField(_("computed"), null=True, blank=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    cohort_size = models.PositiveIntegerField(_("cities"), default=0)
    method = models.JSONField(_("method"), default=dict, blank=True)
    draws = models.PositiveIntegerField(_("sensitivity draws"), default=0)
    # Bumped by every request to compute; a run stores its figures only if it is unchanged.
    generation = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["-year", "version"]
        constraints = [
            models.UniqueConstraint(fields=["version", "year"], name="index_result_set_unique")
        ]
        verbose_name = _("result set")
        verbose_name_plural = _("result sets")

    def __str__(self) -> str:
        return f"{self.version} · {self.year}"

    def get_absolute_url(self) -> str:
        return reverse(
            "index:ranking", args=[self.version.framework.slug, self.version.version, self.year]
        )

    @property
    def is_published(self) -> bool:
        return self.published_at is not None


class CityResult(models.Model):
    """One city's scores in a result set: overall, per group, per indicator, and rank interval."""

    result_set = models.ForeignKey(ResultSet, on_delete=models.CASCADE, related_name="cities")
    assessment = models.OneToOneField(Assessment, on_delete=models.CASCADE, related_name="result")
    organisation = models.ForeignKey(
        "members.Organisation", on_delete=models.CASCADE, related_name="index_results"
    )
    overall = models.FloatField(_("score"), null=True, blank=True)
    rank = models.PositiveIntegerField(_("rank"), null=True, blank=True)
    stage = models.CharField(_("stage"), max_length=60, blank=True)
    group_scores = models.JSONField(default=dict, blank=True)
    group_coverage = models.JSONField(default=dict, blank=True)
    indicator_scores = models.JSONField(default=dict, blank=True)
    median_rank = models.FloatField(_("median rank"), null=True, blank=True)
    rank_p05 = models.FloatField(_("rank, 5th percentile"), null=True, blank=True)
    rank_p95 = models.FloatField(_("rank, 95th percentile"), null=True, blank=True)

    class Meta:
        ordering = ["rank", "organisation__name"]
        indexes = [models.Index(fields=["result_set", "rank"], name="index_city_rank")]
        verbose_name = _("city result")
        verbose_name_plural = _("city results")

    def __str__(self) -> str:
        return f"{self.organisation} · {self.overall}"


class CountryIncome(models.Model):
    """A country's World Bank income group, to compare a city with peers of like means."""

    country = CountryField(_("country"), unique=True)
    group = models.CharField(_("income group"), max_length=12, choices=IncomeGroup)
    source = models.CharField(_("source"), max_length=200, blank=True)

    class Meta:
        ordering = ["country"]
        verbose_name = _("country income group")
        verbose_name_plural = _("country income groups")

    def __str__(self) -> str:
        return f"{self.country.code}: {self.get_group_display()}"
