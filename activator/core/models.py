"""Records every module shares: the taxonomies and the audit trail."""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField


class Region(models.Model):
    """A world region as the network groups its members (data, not code)."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self) -> str:
        return self.name


class AuditEntry(models.Model):
    """One state change: who did what to which record, when, with the values before and after."""

    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("who"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=80)
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField(_("record"), max_length=300)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id", "-created_at"])]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit trail")

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.object_repr}"


class CountryRegion(models.Model):
    """Which region a country's members belong to by default (the network's own grouping)."""

    country = CountryField(_("country"), unique=True)
    region = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="countries")

    class Meta:
        ordering = ["country"]
        verbose_name = _("country's region")
        verbose_name_plural = _("countries' regions")

    def __str__(self) -> str:
        return f"{self.country.name} → {self.region}"


class Term(models.Model):
    """A value of a shared taxonomy (sectors, pillars, stakeholder types, SDGs): data, not code."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        abstract = True
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


class Sector(Term):
    """A field a project works in, as the catalog filters them (e.g. Waste Management)."""

    class Meta(Term.Meta):
        verbose_name = _("sector")
        verbose_name_plural = _("sectors")


class Pillar(Term):
    """One of the pillars of a smart sustainable city (Government, People, Economy, …)."""

    class Meta(Term.Meta):
        verbose_name = _("pillar")
        verbose_name_plural = _("pillars")


class StakeholderType(Term):
    """The kind of body a project partner is (local government, academia, MDB, …)."""

    class Meta(Term.Meta):
        verbose_name = _("stakeholder type")
        verbose_name_plural = _("stakeholder types")


class Sdg(Term):
    """A UN Sustainable Development Goal; `position` is its number."""

    class Meta(Term.Meta):
        verbose_name = _("sustainable development goal")
        verbose_name_plural = _("sustainable development goals")

    def __str__(self) -> str:
        return f"{self.position}. {self.name}"


class SearchEntry(models.Model):
    """The text of one record for full-text search; see `core.search` for how it is matched.

    On SQLite an FTS5 table indexes `title` and `body`; on PostgreSQL a stored tsvector column
    indexes the accent-folded copies. Both are created by migration 0003 for their database only.
    """

    kind = models.CharField(max_length=40)
    object_id = models.PositiveBigIntegerField()
    title = models.TextField()
    body = models.TextField(blank=True)
    folded_title = models.TextField(blank=True)
    folded_body = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "object_id"], name="search_entry_unique")
        ]
        verbose_name = _("search entry")
        verbose_name_plural = _("search entries")

    def __str__(self) -> str:
        return f"{self.kind} {self.object_id}"
