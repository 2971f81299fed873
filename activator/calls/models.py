"""Calls: any programme that takes applications and decides, run by one engine.

A call has categories, eligibility rules, a timeline, a form and decision levels. Applications
answer the form; review rounds score them with a rubric; decisions close the loop.
"""

import datetime
import os
import zoneinfo

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_countries.fields import CountryField

from activator.calls.enums import (
    ApplicationStatus,
    BidPreference,
    CallKind,
    CallStatus,
    DatePrecision,
    Outcome,
    PhaseKind,
    QuestionKind,
    ReviewStatus,
    RoundStatus,
)
from activator.projects.models import private_storage
from activator.projects.validators import validate_project_file

TIME_ZONES = sorted(zoneinfo.available_timezones() - {"Factory", "localtime"})


def validate_time_zone(value: str) -> None:
    from django.core.exceptions import ValidationError

    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("%(value)s is not a known time zone."), params={"value": value})


class Call(models.Model):
    """A programme's yearly call for applications."""

    kind = models.CharField(_("kind"), max_length=30, choices=CallKind)
    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(_("web address"), max_length=220, unique=True)
    year = models.PositiveSmallIntegerField(_("year"))
    summary = models.CharField(_("summary"), max_length=300, blank=True)
    description = models.TextField(_("description"), blank=True)
    benefits = models.TextField(_("benefits"), blank=True)
    organiser = models.CharField(_("organiser"), max_length=200)
    office = models.ForeignKey(
        "members.RegionalOffice",
        verbose_name=_("run by office"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="calls",
        help_text=_("Staff of this office manage the call, besides the Secretariat."),
    )
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=CallStatus, default=CallStatus.DRAFT
    )
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="Asia/Seoul", validators=[validate_time_zone]
    )
    opens_at = models.DateTimeField(_("applications open"))
    deadline = models.DateTimeField(_("deadline"))

    # Eligibility. Empty lists mean "no restriction".
    applicant_types = models.JSONField(
        _("who may apply"),
        default=list,
        blank=True,
        help_text=_("Organisation types and/or individuals; empty means any organisation."),
    )
    members_only = models.BooleanField(
        _("network members only"), default=True, help_text=_("Organisations must be members.")
    )
    membership_statuses = models.JSONField(
        _("membership statuses accepted"),
        default=list,
        blank=True,
        help_text=_("Empty means any status except expired or cancelled."),
    )
    regions = models.ManyToManyField(
        "core.Region", verbose_name=_("regions"), blank=True, related_name="calls"
    )
    max_age = models.PositiveSmallIntegerField(
        _("age limit"),
        null=True,
        blank=True,
        help_text=_("Individuals must be younger than this on the deadline."),
    )
    one_per_category = models.BooleanField(
        _("one application per applicant and category"), default=True
    )
    exclude_same_country = models.BooleanField(
        _("reviewers never from the applicant's country"), default=False
    )
    anonymous_review = models.BooleanField(
        _("anonymous review"),
        default=False,
        help_text=_("Reviewers never see who applied."),
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("follows the call"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="follow_ups",
        help_text=_("A consultant selection follows the feasibility study call it serves."),
    )
    beneficiary = models.ForeignKey(
        "Application",
        verbose_name=_("for the beneficiary"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    project = models.ForeignKey(
        "projects.Project",
        verbose_name=_("resulting project"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="calls",
    )
    copied_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="copies"
    )
    results_published_at = models.DateTimeField(_("results published"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-deadline", "title"]
        verbose_name = _("call")
        verbose_name_plural = _("calls")
        indexes = [models.Index(fields=["status", "deadline"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(opens_at__lt=models.F("deadline")),
                name="call_opens_before_deadline",
                violation_error_message=_("The deadline must come after the opening."),
            )
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("calls:detail", args=[self.slug])

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    def local(self, moment: datetime.datetime) -> datetime.datetime:
        """A moment as the call's own clock shows it."""
        return timezone.localtime(moment, self.zone)

    def is_accepting(self, now: datetime.datetime | None = None) -> bool:
        now = now or timezone.now()
        return self.status == CallStatus.OPEN and self.opens_at <= now < self.deadline

    def stage(self, now: datetime.datetime | None = None) -> str:
        """draft, upcoming, open, closed or results: what a visitor should be told."""
        now = now or timezone.now()
        if self.status == CallStatus.DRAFT:
            return "draft"
        if self.results_published_at:
            return "results"
        if self.status == CallStatus.OPEN and now < self.opens_at:
            return "upcoming"
        if self.is_accepting(now):
            return "open"
        return "closed"


class Category(models.Model):
    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="categories")
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = pgettext_lazy("call", "category")
        verbose_name_plural = _("categories")
        constraints = [
            models.UniqueConstraint(fields=["call", "name"], name="category_name_unique_in_call")
        ]

    def __str__(self) -> str:
        return self.name


class Phase(models.Model):
    """A dated step of the call's public timeline (review rounds, finalists, ceremony…)."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="phases")
    kind = models.CharField(_("kind"), max_length=20, choices=PhaseKind, default=PhaseKind.OTHER)
    name = models.CharField(_("name"), max_length=200)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    precision = models.CharField(
        _("dated to the"), max_length=5, choices=DatePrecision, default=DatePrecision.DAY
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["starts_on", "id"]
        verbose_name = _("phase")
        verbose_name_plural = _("timeline")

    def __str__(self) -> str:
        return self.name


class DecisionLevel(models.Model):
    """A level a winner may receive (Gold, Silver, Special Mention), with what it brings."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="levels")
    name = models.CharField(_("name"), max_length=100)
    benefits = models.TextField(_("benefits"), blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("decision level")
        verbose_name_plural = _("decision levels")
        constraints = [
            models.UniqueConstraint(fields=["call", "name"], name="level_name_unique_in_call")
        ]

    def __str__(self) -> str:
        return self.name


class Question(models.Model):
    """One question of the application form."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="questions")
    kind = models.CharField(_("kind"), max_length=20, choices=QuestionKind)
    label = models.CharField(_("question"), max_length=300)
    help_text = models.CharField(_("help"), max_length=500, blank=True)
    required = models.BooleanField(_("required"), default=True)
    choices = models.JSONField(
        _("choices"), default=list, blank=True, help_text=_("For choice questions.")
    )
    max_length = models.PositiveIntegerField(_("maximum length"), null=True, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("question")
        verbose_name_plural = _("questions")

    def __str__(self) -> str:
        return self.label

    @property
    def field_name(self) -> str:
        return f"q{self.pk}"


class Application(models.Model):
    """What one applicant sends to one call (in one category)."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="applications")
    category = models.ForeignKey(
        Category,
        verbose_name=pgettext_lazy("call", "category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="applications",
    )
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("applicant"),
        on_delete=models.PROTECT,
        related_name="call_applications",
        help_text=_("The person who applies, for an organisation or on their own."),
    )
    organisation = models.ForeignKey(
        "members.Organisation",
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="call_applications",
    )
    country = CountryField(_("country"), blank=True)
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    title = models.CharField(_("title"), max_length=200)
    answers = models.JSONField(_("answers"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=ApplicationStatus, default=ApplicationStatus.DRAFT
    )
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    revision_due = models.DateTimeField(_("revisions due"), null=True, blank=True)
    outcome = models.CharField(_("decision"), max_length=20, choices=Outcome, blank=True)
    level = models.ForeignKey(
        DecisionLevel,
        verbose_name=_("level"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="applications",
    )
    decision_note = models.TextField(_("decision note"), blank=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        indexes = [
            models.Index(fields=["call", "status"]),
            models.Index(fields=["applicant", "call"]),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("calls:application", args=[self.pk])

    @property
    def code(self) -> str:
        """How reviewers and exports name an application without naming the applicant."""
        return f"A-{self.pk:05d}"

    @property
    def applicant_name(self) -> str:
        """The organisation, or the person by name (never by e-mail: results pages are public)."""
        if self.organisation_id:
            return self.organisation.name
        return self.applicant.full_name or str(_("Individual applicant"))


def application_file_path(instance: "ApplicationFile", filename: str) -> str:
    return f"applications/{instance.application_id}/{filename}"


class ApplicationFile(models.Model):
    """The file answering a file question; one per question, replaced on upload."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="files")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="files")
    file = models.FileField(
        _("file"),
        upload_to=application_file_path,
        storage=private_storage,
        validators=[validate_project_file],
    )
    name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveBigIntegerField(default=0)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["question__position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "question"], name="one_file_per_question"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def shown_name(self, *, anonymous: bool) -> str:
        """The name to show and download under: by the application's code when reviewers must
        not learn who applied, since the applicant's own file name may say so."""
        if not anonymous:
            return self.name
        extension = os.path.splitext(self.file.name)[1].lower()
        return f"{self.application.code}-{self.question_id}{extension}"


class ReviewRound(models.Model):
    """One round of review with its rubric, reviewer pool and the applications it scores."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="rounds")
    number = models.PositiveSmallIntegerField(_("round"))
    name = models.CharField(_("name"), max_length=200)
    status = models.CharField(
        _("status"), max_length=10, choices=RoundStatus, default=RoundStatus.SETUP
    )
    scale_min = models.PositiveSmallIntegerField(_("lowest score"), default=1)
    scale_max = models.PositiveSmallIntegerField(_("highest score"), default=10)
    reviews_per_application = models.PositiveSmallIntegerField(
        _("reviewers per application"), default=3, validators=[MinValueValidator(1)]
    )
    normalise = models.BooleanField(
        _("normalise each reviewer's scores"),
        default=False,
        help_text=_("Compare each reviewer's scores with their own mean and spread (z-scores)."),
    )
    trim = models.PositiveSmallIntegerField(
        _("scores trimmed at each end"),
        default=0,
        help_text=_("Drop this many highest and lowest reviews of an application before the mean."),
    )
    disagreement_threshold = models.FloatField(
        _("disagreement threshold"),
        default=0.25,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text=_("Flag applications whose reviews differ by more than this share of the scale."),
    )
    ends_on = models.DateField(_("reviews due"), null=True, blank=True)
    reviewers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="RoundReviewer",
        related_name="review_rounds",
        verbose_name=_("reviewer pool"),
    )
    applications = models.ManyToManyField(
        Application, through="RoundEntry", related_name="rounds", verbose_name=_("applications")
    )

    class Meta:
        ordering = ["call", "number"]
        verbose_name = _("review round")
        verbose_name_plural = _("review rounds")
        constraints = [
            models.UniqueConstraint(fields=["call", "number"], name="round_number_unique_in_call"),
            models.CheckConstraint(
                condition=models.Q(scale_min__lt=models.F("scale_max")), name="round_scale_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.call} — {self.name}"


class Criterion(models.Model):
    round = models.ForeignKey(ReviewRound, on_delete=models.CASCADE, related_name="criteria")
    name = models.CharField(_("criterion"), max_length=200)
    description = models.TextField(_("what reviewers look for"), blank=True)
    weight = models.DecimalField(
        _("weight"),
        max_digits=6,
        decimal_places=2,
        default=1,
        validators=[MinValueValidator(0.01)],
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("criterion")
        verbose_name_plural = _("rubric")

    def __str__(self) -> str:
        return self.name


class RoundReviewer(models.Model):
    """A person in a round's reviewer pool, with the country that conflicts with applicants."""

    round = models.ForeignKey(ReviewRound, on_delete=models.CASCADE, related_name="pool")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="round_seats"
    )
    country = CountryField(_("country"), blank=True)

    class Meta:
        ordering = ["reviewer__email"]
        constraints = [
            models.UniqueConstraint(fields=["round", "reviewer"], name="one_seat_per_round")
        ]

    def __str__(self) -> str:
        return str(self.reviewer)


class RoundEntry(models.Model):
    """An application taking part in a round (all submitted ones in the first; finalists later)."""

    round = models.ForeignKey(ReviewRound, on_delete=models.CASCADE, related_name="entries")
    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="round_entries"
    )
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["round", "application"], name="one_entry_per_round")
        ]

    def __str__(self) -> str:
        return f"{self.round_id}: {self.application_id}"


class Bid(models.Model):
    """A reviewer's wish to review (or not) an application, read by automatic assignment."""

    round = models.ForeignKey(ReviewRound, on_delete=models.CASCADE, related_name="bids")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="review_bids"
    )
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="bids")
    preference = models.SmallIntegerField(_("preference"), choices=BidPreference)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["round", "reviewer", "application"], name="one_bid_per_application"
            )
        ]

    def __str__(self) -> str:
        return f"{self.reviewer_id} → {self.application_id}: {self.preference}"


class Review(models.Model):
    """One reviewer's assessment of one application in one round."""

    round = models.ForeignKey(ReviewRound, on_delete=models.CASCADE, related_name="reviews")
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="reviews")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="reviews"
    )
    status = models.CharField(
        _("status"), max_length=12, choices=ReviewStatus, default=ReviewStatus.ASSIGNED
    )
    total = models.FloatField(
        _("weighted score"), null=True, blank=True, help_text=_("Weighted mean of the scores.")
    )
    comment = models.TextField(_("comment"), blank=True)
    conflict_reason = models.CharField(_("conflict of interest"), max_length=500, blank=True)
    assigned_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)

    class Meta:
        ordering = ["round", "application", "id"]
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        constraints = [
            models.UniqueConstraint(
                fields=["round", "application", "reviewer"], name="one_review_per_reviewer"
            ),
            models.CheckConstraint(
                condition=~models.Q(status=ReviewStatus.SUBMITTED) | models.Q(total__isnull=False),
                name="submitted_review_has_total",
            ),
        ]
        indexes = [models.Index(fields=["round", "status", "reviewer"])]

    def __str__(self) -> str:
        return f"{self.reviewer} → {self.application_id}"


class Score(models.Model):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(Criterion, on_delete=models.CASCADE, related_name="scores")
    value = models.PositiveSmallIntegerField(_("score"))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["review", "criterion"], name="one_score_per_criterion")
        ]

    def __str__(self) -> str:
        return f"{self.criterion_id}: {self.value}"
