import datetime

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from activator.core.search import normalize
from activator.members import status as membership_rules
from activator.members.enums import (
    ApplicationStatus,
    GovernanceRoleKind,
    MembershipCategory,
    MembershipEventKind,
    MembershipStatus,
    OrganisationType,
)
from activator.members.validators import validate_logo

POPULATION_MAX = 10_000_000_000  # more people than live on Earth is a typing error


class RegionalOffice(models.Model):
    """The Secretariat or a regional office, and the regions whose members it serves."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    city = models.CharField(_("city"), max_length=200, blank=True)
    country = CountryField(_("country"), blank=True)
    regions = models.ManyToManyField(
        "core.Region", verbose_name=_("regions served"), blank=True, related_name="offices"
    )
    is_secretariat = models.BooleanField(_("is the Secretariat"), default=False)
    email = models.EmailField(_("e-mail"), blank=True)
    established = models.CharField(_("established"), max_length=300, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        ordering = ["-is_secretariat", "name"]
        verbose_name = _("regional office")
        verbose_name_plural = _("regional offices")

    def __str__(self) -> str:
        return self.name


class Organisation(models.Model):
    """A member or partner of the network: a city, a company or an institution."""

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("web address"), max_length=220, unique=True, allow_unicode=False)
    type = models.CharField(_("type"), max_length=20, choices=OrganisationType)
    country = CountryField(_("country"))
    region = models.ForeignKey(
        "core.Region", verbose_name=_("region"), on_delete=models.PROTECT, related_name="+"
    )
    city = models.CharField(
        _("city"),
        max_length=200,
        blank=True,
        help_text=_("Where a company or institution is based."),
    )
    population = models.PositiveBigIntegerField(
        _("population"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(POPULATION_MAX)],
        help_text=_("For a city, where known."),
    )
    website = models.URLField(_("website"), blank=True)
    logo = models.ImageField(_("logo"), upload_to="logos/", blank=True, validators=[validate_logo])
    email = models.EmailField(_("contact e-mail"), blank=True)
    phone = models.CharField(_("contact phone"), max_length=50, blank=True)
    address = models.TextField(_("address"), blank=True)
    description = models.TextField(_("description"), blank=True)
    is_partner = models.BooleanField(
        _("partner"), default=False, help_text=_("A partner organisation, e.g. by a signed MOU.")
    )
    partner_since = models.DateField(_("partner since"), null=True, blank=True)
    search_text = models.TextField(editable=False, default="", db_index=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        indexes = [
            models.Index(fields=["name"]),
            models.Index(fields=["region", "type"]),
            models.Index(fields=["country"]),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        if not self.slug:
            self.slug = unique_slug(self.name, self.country.code if self.country else "")
        self.search_text = self.build_search_text()
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("members:detail", args=[self.slug])

    def build_search_text(self, aliases: list[str] | None = None) -> str:
        if aliases is None:
            aliases = list(self.aliases.values_list("name", flat=True)) if self.pk else []
        parts = [self.name, self.city, str(self.country.name) if self.country else "", *aliases]
        return normalize(" | ".join(p for p in parts if p))

    @property
    def regional_office(self) -> "RegionalOffice | None":
        """The regional office serving this organisation's region (the Secretariat if none)."""
        offices = [o for o in self.region.offices.all() if not o.is_secretariat]
        return offices[0] if offices else None


def unique_slug(name: str, country_code: str) -> str:
    base = slugify(normalize(name))[:200] or "organisation"
    slug, n = base, 1
    while Organisation.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{country_code.lower()}" if n == 2 and country_code else f"{base}-{n}"
    return slug


class OrganisationAlias(models.Model):
    """Another spelling of an organisation's name, so both find the one record."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="aliases")
    name = models.CharField(_("name"), max_length=200)

    class Meta:
        ordering = ["name"]
        verbose_name = _("other name")
        verbose_name_plural = _("other names")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="alias_unique_per_org")
        ]

    def __str__(self) -> str:
        return self.name


class FeeTier(models.Model):
    """An annual membership fee scale (data: the network restructures its fee scales)."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    annual_fee = models.DecimalField(
        _("annual fee"), max_digits=12, decimal_places=2, validators=[MinValueValidator(0)]
    )
    currency = models.CharField(_("currency"), max_length=3, default="USD")
    description = models.CharField(_("description"), max_length=300, blank=True)

    class Meta:
        ordering = ["annual_fee", "name"]
        verbose_name = _("fee tier")
        verbose_name_plural = _("fee tiers")

    def __str__(self) -> str:
        return f"{self.name} ({self.annual_fee:,.0f} {self.currency})"


class Membership(models.Model):
    """An organisation's membership. Its status is computed from these dates (`status`)."""

    organisation = models.OneToOneField(
        Organisation, on_delete=models.CASCADE, related_name="membership"
    )
    category = models.CharField(
        _("category"), max_length=20, choices=MembershipCategory, blank=True
    )
    fee_tier = models.ForeignKey(
        FeeTier, verbose_name=_("fee tier"), null=True, blank=True, on_delete=models.PROTECT
    )
    joined_on = models.DateField(_("joined on"), null=True, blank=True)
    paid_through = models.DateField(_("paid through"))
    cancelled_on = models.DateField(_("cancelled on"), null=True, blank=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(joined_on__isnull=True)
                | models.Q(paid_through__gte=models.F("joined_on")),
                name="membership_paid_through_after_joined",
            )
        ]

    def __str__(self) -> str:
        category = self.get_category_display() or _("member")
        return f"{self.organisation} — {category}"

    def status(self, today: datetime.date | None = None) -> MembershipStatus:
        return membership_rules.membership_status(
            joined_on=self.joined_on,
            paid_through=self.paid_through,
            cancelled_on=self.cancelled_on,
            today=today or timezone.localdate(),
        )


class MembershipEvent(models.Model):
    """One dated step in a membership's history: applied, approved, renewed, upgraded, …"""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="membership_events"
    )
    kind = models.CharField(_("step"), max_length=20, choices=MembershipEventKind)
    date = models.DateField(_("date"))
    category = models.CharField(
        _("category"), max_length=20, choices=MembershipCategory, blank=True
    )
    fee_tier = models.ForeignKey(
        FeeTier, verbose_name=_("fee tier"), null=True, blank=True, on_delete=models.PROTECT
    )
    amount = models.DecimalField(
        _("amount"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    currency = models.CharField(_("currency"), max_length=3, blank=True)
    paid_through = models.DateField(_("paid through"), null=True, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["date", "id"]
        verbose_name = _("membership step")
        verbose_name_plural = _("membership history")

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()} — {self.organisation}"


class MembershipApplication(models.Model):
    """An expression of interest sent through the public join form, waiting for staff review."""

    organisation_name = models.CharField(_("organisation name"), max_length=200)
    type = models.CharField(_("type"), max_length=20, choices=OrganisationType)
    country = CountryField(_("country"))
    city = models.CharField(_("city"), max_length=200, blank=True)
    population = models.PositiveBigIntegerField(
        _("population"), null=True, blank=True, validators=[MaxValueValidator(POPULATION_MAX)]
    )
    website = models.URLField(_("website"), blank=True)
    category = models.CharField(
        _("membership requested"),
        max_length=20,
        choices=MembershipCategory,
        default=MembershipCategory.ASSOCIATE,
    )
    contact_name = models.CharField(_("your name"), max_length=200)
    contact_email = models.EmailField(_("your e-mail"))
    contact_title = models.CharField(_("your position"), max_length=200, blank=True)
    message = models.TextField(_("why do you want to join?"), blank=True)
    submitted_at = models.DateTimeField(_("submitted"), default=timezone.now)
    status = models.CharField(
        _("status"), max_length=20, choices=ApplicationStatus, default=ApplicationStatus.PENDING
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decision_note = models.TextField(_("decision note"), blank=True)
    organisation = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="applications",
        help_text=_("The member record created or matched on approval."),
    )

    class Meta:
        ordering = ["-submitted_at"]
        verbose_name = _("membership application")
        verbose_name_plural = _("membership applications")

    def __str__(self) -> str:
        return f"{self.organisation_name} ({self.get_status_display()})"


class GovernanceRole(models.Model):
    """A seat in the network's governance (president city, EXCOM member, …) for a term."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="governance_roles"
    )
    role = models.CharField(_("role"), max_length=40, choices=GovernanceRoleKind)
    start_year = models.PositiveSmallIntegerField(_("from (year)"))
    end_year = models.PositiveSmallIntegerField(_("to (year)"), null=True, blank=True)
    approximate = models.BooleanField(
        _("approximate term"), default=False, help_text=_("The source dates the term only roughly.")
    )
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["-start_year", "role", "organisation__name"]
        verbose_name = _("governance role")
        verbose_name_plural = _("governance roles")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "role", "start_year"], name="governance_role_unique_term"
            ),
            models.CheckConstraint(
                condition=models.Q(end_year__isnull=True)
                | models.Q(end_year__gte=models.F("start_year")),
                name="governance_term_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()}: {self.organisation} ({self.term})"

    @property
    def term(self) -> str:
        # Translators: "circa", before a year the source gives only roughly.
        prefix = _("c. ") if self.approximate else ""
        if self.end_year and self.end_year != self.start_year:
            return f"{prefix}{self.start_year}–{self.end_year}"
        return f"{prefix}{self.start_year}"
