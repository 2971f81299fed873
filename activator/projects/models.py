"""A city's smart city project over its whole life; a published project is a catalog case study."""

import datetime
import os
from decimal import Decimal

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from activator.core.money import CURRENCY_CHOICES
from activator.projects.enums import (
    BudgetBand,
    FileKind,
    FundingType,
    MilestoneStatus,
    PartnerRole,
    Stage,
    Visibility,
)
from activator.projects.validators import validate_project_file

YEAR_MIN, YEAR_MAX = 1990, 2100
BUDGET_MAX = Decimal("999999999999.99")  # what the column holds; more is a typing error


class ProjectTemplate(models.Model):
    """A starting point (smart parking, street lighting, …) that pre-fills milestones and KPIs."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    slug = models.SlugField(_("web address"), max_length=220, unique=True)
    summary = models.TextField(_("summary"), blank=True)
    sectors = models.ManyToManyField("core.Sector", verbose_name=_("sectors"), blank=True)
    pillars = models.ManyToManyField("core.Pillar", verbose_name=_("pillars"), blank=True)
    is_active = models.BooleanField(_("offered"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("project template")
        verbose_name_plural = _("project templates")

    def __str__(self) -> str:
        return self.name


class TemplateMilestone(models.Model):
    template = models.ForeignKey(
        ProjectTemplate, on_delete=models.CASCADE, related_name="milestones"
    )
    title = models.CharField(_("title"), max_length=200)
    months_after_start = models.PositiveSmallIntegerField(
        _("months after start"), default=0, validators=[MaxValueValidator(240)]
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "months_after_start", "id"]

    def __str__(self) -> str:
        return self.title


class TemplateKpi(models.Model):
    template = models.ForeignKey(ProjectTemplate, on_delete=models.CASCADE, related_name="kpis")
    name = models.CharField(_("name"), max_length=200)
    unit = models.CharField(_("unit"), max_length=50, blank=True)
    higher_is_better = models.BooleanField(_("higher is better"), default=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name


class Project(models.Model):
    organisation = models.ForeignKey(
        "members.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="projects",
    )
    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(_("web address"), max_length=220, unique=True)
    summary = models.TextField(_("summary"), blank=True)
    features = models.TextField(_("features"), blank=True, help_text=_("One per line."))
    results = models.TextField(_("key results"), blank=True, help_text=_("One per line."))
    sectors = models.ManyToManyField("core.Sector", verbose_name=_("sectors"), blank=True)
    pillars = models.ManyToManyField("core.Pillar", verbose_name=_("pillars"), blank=True)
    sdgs = models.ManyToManyField("core.Sdg", verbose_name=_("SDGs"), blank=True)
    stage = models.CharField(_("stage"), max_length=20, choices=Stage, default=Stage.IDEA)
    budget_amount = models.DecimalField(
        _("budget"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(BUDGET_MAX)],
    )
    budget_currency = models.CharField(
        _("currency"), max_length=3, choices=CURRENCY_CHOICES, default="USD"
    )
    # The budget in US dollars at reference rates (core.money), only to compare projects.
    budget_usd = models.DecimalField(
        max_digits=16, decimal_places=0, null=True, blank=True, editable=False
    )
    budget_band = models.CharField(max_length=12, choices=BudgetBand, blank=True, editable=False)
    start_date = models.DateField(_("start"), null=True, blank=True)
    end_date = models.DateField(_("end"), null=True, blank=True)
    open_ended = models.BooleanField(
        _("no planned end"), default=False, help_text=_("For a service that runs indefinitely.")
    )
    year = models.PositiveSmallIntegerField(
        _("year implemented"),
        null=True,
        blank=True,
        validators=[MinValueValidator(YEAR_MIN), MaxValueValidator(YEAR_MAX)],
        help_text=_("Taken from the start date when left empty."),
    )
    visibility = models.CharField(
        _("visibility"), max_length=20, choices=Visibility, default=Visibility.ORGANISATION
    )
    published_at = models.DateTimeField(_("published in the catalog"), null=True, blank=True)
    template = models.ForeignKey(
        ProjectTemplate,
        verbose_name=_("started from template"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="projects",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at", "-id"]
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        indexes = [
            models.Index(fields=["organisation", "visibility"]),
            models.Index(fields=["published_at"]),
            models.Index(fields=["visibility"]),
        ]
        constraints = [
            # A case study in the catalog is public; hiding a project takes it out of the catalog.
            models.CheckConstraint(
                condition=Q(published_at__isnull=True) | Q(visibility="public"),
                name="project_published_is_public",
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True)
                | Q(start_date__isnull=True)
                | Q(end_date__gte=models.F("start_date")),
                name="project_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("projects:detail", args=[self.slug])

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    @property
    def duration_months(self) -> int | None:
        if self.start_date and self.end_date:
            months = (self.end_date.year - self.start_date.year) * 12
            return months + self.end_date.month - self.start_date.month + 1
        return None


class ProjectPartner(models.Model):
    """An organisation taking part in a project, with its role and the kind of body it is."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="partners")
    organisation = models.ForeignKey(
        "members.Organisation",
        verbose_name=_("member organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="project_partnerships",
    )
    name = models.CharField(
        _("name"), max_length=200, blank=True, help_text=_("For a partner that is not a member.")
    )
    role = models.CharField(_("role"), max_length=30, choices=PartnerRole)
    stakeholder_type = models.ForeignKey(
        "core.StakeholderType",
        verbose_name=_("stakeholder type"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        ordering = ["id"]
        verbose_name = _("partner")
        verbose_name_plural = _("partners")
        constraints = [
            models.CheckConstraint(
                condition=Q(organisation__isnull=False) | ~Q(name=""),
                name="project_partner_named",
            ),
            models.UniqueConstraint(
                fields=["project", "organisation", "role"],
                condition=Q(organisation__isnull=False),
                name="project_partner_once_per_role",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.organisation.name if self.organisation_id else self.name


class Funding(models.Model):
    """One source of a project's money: who pays, how, and how much."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="fundings")
    source = models.CharField(_("source"), max_length=200)
    type = models.CharField(_("type"), max_length=30, choices=FundingType)
    amount = models.DecimalField(
        _("amount"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(BUDGET_MAX)],
    )

    class Meta:
        ordering = ["id"]
        verbose_name = _("funding source")
        verbose_name_plural = _("funding sources")

    def __str__(self) -> str:
        return self.source


class Milestone(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(_("title"), max_length=200)
    due_date = models.DateField(_("due"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=MilestoneStatus, default=MilestoneStatus.PLANNED
    )
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "due_date", "id"]
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")

    def __str__(self) -> str:
        return self.title

    def is_overdue(self, today: datetime.date | None = None) -> bool:
        today = today or timezone.localdate()
        open_statuses = (MilestoneStatus.PLANNED, MilestoneStatus.IN_PROGRESS)
        return self.status in open_statuses and self.due_date is not None and self.due_date < today


class Kpi(models.Model):
    """A key performance indicator: where it started, where it should get, what it measured."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="kpis")
    name = models.CharField(_("name"), max_length=200)
    unit = models.CharField(_("unit"), max_length=50, blank=True)
    baseline = models.DecimalField(
        _("baseline"), max_digits=18, decimal_places=4, null=True, blank=True
    )
    target = models.DecimalField(
        _("target"), max_digits=18, decimal_places=4, null=True, blank=True
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("KPI")
        verbose_name_plural = _("KPIs")

    def __str__(self) -> str:
        return self.name


class KpiValue(models.Model):
    """An actual value of a KPI measured on a date."""

    kpi = models.ForeignKey(Kpi, on_delete=models.CASCADE, related_name="values")
    measured_on = models.DateField(_("measured on"))
    value = models.DecimalField(_("value"), max_digits=18, decimal_places=4)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["measured_on", "id"]
        verbose_name = _("KPI value")
        verbose_name_plural = _("KPI values")
        constraints = [
            models.UniqueConstraint(fields=["kpi", "measured_on"], name="kpi_value_once_per_day")
        ]

    def __str__(self) -> str:
        return f"{self.kpi}: {self.value} ({self.measured_on})"


def project_file_path(instance: "ProjectFile", filename: str) -> str:
    return f"projects/{instance.project_id}/{filename}"


class PrivateFileStorage(FileSystemStorage):
    """Files under PRIVATE_MEDIA_ROOT: no public address, handed out only by permission checks."""

    @property
    def base_location(self) -> str:
        return str(settings.PRIVATE_MEDIA_ROOT)

    @property
    def location(self) -> str:
        return os.path.abspath(self.base_location)

    def url(self, name: str | None) -> str:
        raise ValueError("Private files have no public address; use the download view.")


def private_storage() -> FileSystemStorage:
    return PrivateFileStorage()


class ProjectFile(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="files")
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=FileKind, default=FileKind.REPORT)
    file = models.FileField(
        _("file"),
        upload_to=project_file_path,
        storage=private_storage,
        validators=[validate_project_file],
    )
    size = models.PositiveBigIntegerField(default=0, editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-uploaded_at", "-id"]
        verbose_name = _("file")
        verbose_name_plural = _("files")

    def __str__(self) -> str:
        return self.title


class ProjectLink(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="links")
    title = models.CharField(_("title"), max_length=200)
    url = models.URLField(_("address"), max_length=500)

    class Meta:
        ordering = ["id"]
        verbose_name = _("link")
        verbose_name_plural = _("links")

    def __str__(self) -> str:
        return self.title


class StageChange(models.Model):
    """One step on a project's timeline: it moved from one stage to another."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="stage_changes")
    from_stage = models.CharField(_("from"), max_length=20, choices=Stage, blank=True)
    to_stage = models.CharField(_("to"), max_length=20, choices=Stage)
    changed_on = models.DateField(_("date"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["changed_on", "id"]
        verbose_name = _("stage change")
        verbose_name_plural = _("stage changes")

    def __str__(self) -> str:
        return f"{self.project}: {self.to_stage} ({self.changed_on})"


class CatalogFacet(models.Model):
    """One facet value of one project (its region, a sector, …), kept for fast facet counts.

    Written by `services.project_reindex` after every change; never edited by hand.
    """

    # Indexed by (project, facet) below; a separate index on project alone would only cost writes.
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+", db_index=False)
    facet = models.CharField(max_length=12)
    value = models.CharField(max_length=120)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["facet", "value", "project"], name="catalog_facet_lookup"
            )
        ]
        indexes = [models.Index(fields=["project", "facet"], name="catalog_facet_project")]

    def __str__(self) -> str:
        return f"{self.facet}={self.value}"
