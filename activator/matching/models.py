"""The Solution Finder: providers' solutions, cities' challenges, the matches between them, the
Secretariat's handling of a city's request, and one-to-one meetings at matchmaking events.

A match is not stored: it is computed (see `ranking`) from the texts' embeddings, their words,
the shared sectors, pillars and technologies, deployments in similar cities and the regions a
solution serves. What people do with a match (save, dismiss, talk) is stored per side.
"""

import numpy as np
from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from activator.core.models import Term
from activator.matching.enums import (
    FinderOutcome,
    FinderStage,
    MatchState,
    MediaKind,
    MeetingStatus,
    PublicationStatus,
    Side,
)
from activator.projects.enums import BudgetBand

BUDGET_MAX = 10**12


class SolutionDomain(Term):
    """A technology a solution is built on, as the Solution Finder lists them (Smart Mobility…)."""

    class Meta(Term.Meta):
        verbose_name = _("technology")
        verbose_name_plural = _("technologies")


class EmbeddedText(models.Model):
    """A record whose text is matched by meaning: its vector is kept beside it."""

    # float32 vector of `embeddings.dimension()` values, L2-normalised; empty until computed.
    embedding = models.BinaryField(editable=False, default=b"")
    search_text = models.TextField(editable=False, default="")

    class Meta:
        abstract = True

    @property
    def vector(self) -> np.ndarray | None:
        if not self.embedding:
            return None
        return np.frombuffer(bytes(self.embedding), dtype=np.float32)


class Solution(EmbeddedText):
    """What a provider (a company or an institution) offers cities."""

    provider = models.ForeignKey(
        "members.Organisation",
        verbose_name=_("provider"),
        on_delete=models.PROTECT,
        related_name="solutions",
    )
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("web address"), max_length=220, unique=True)
    summary = models.CharField(_("summary"), max_length=300, blank=True)
    description = models.TextField(_("description"))
    sectors = models.ManyToManyField("core.Sector", verbose_name=_("sectors"), blank=True)
    pillars = models.ManyToManyField("core.Pillar", verbose_name=_("pillars"), blank=True)
    technologies = models.ManyToManyField(
        SolutionDomain, verbose_name=_("technologies"), blank=True, related_name="solutions"
    )
    regions = models.ManyToManyField(
        "core.Region",
        verbose_name=_("regions served"),
        blank=True,
        related_name="+",
        help_text=_("Leave empty if the solution is offered everywhere."),
    )
    price_band = models.CharField(
        _("price band"),
        max_length=12,
        choices=BudgetBand,
        blank=True,
        help_text=_("What a typical deployment costs, in US dollars."),
    )
    references = models.TextField(
        _("references"),
        blank=True,
        help_text=_("Clients or partners who vouch for it, one per line."),
    )
    website = models.URLField(_("website"), blank=True)
    contact = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("contact person"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Who answers conversations and meeting requests for this solution."),
    )
    status = models.CharField(
        _("status"), max_length=12, choices=PublicationStatus, default=PublicationStatus.DRAFT
    )
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("solution")
        verbose_name_plural = _("solutions")
        indexes = [
            models.Index(fields=["status", "provider"]),
            models.Index(fields=["updated_at"]),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("matching:solution", args=[self.slug])


class Deployment(models.Model):
    """Evidence that a solution works: a catalog project that used it, in some city."""

    solution = models.ForeignKey(Solution, on_delete=models.CASCADE, related_name="deployments")
    project = models.ForeignKey(
        "projects.Project",
        verbose_name=_("project"),
        on_delete=models.CASCADE,
        related_name="solution_deployments",
    )
    note = models.CharField(_("what it did there"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("deployment")
        verbose_name_plural = _("deployments")
        constraints = [
            models.UniqueConstraint(
                fields=["solution", "project"], name="one_deployment_per_project"
            )
        ]

    def __str__(self) -> str:
        return f"{self.solution} → {self.project}"


def media_path(instance: "SolutionMedia", filename: str) -> str:
    return f"solutions/{instance.solution_id}/{filename}"


class SolutionMedia(models.Model):
    """A picture (uploaded) or a link to a video or document that shows the solution."""

    solution = models.ForeignKey(Solution, on_delete=models.CASCADE, related_name="media")
    kind = models.CharField(_("kind"), max_length=10, choices=MediaKind)
    image = models.ImageField(_("image"), upload_to=media_path, blank=True)
    url = models.URLField(_("link"), blank=True)
    caption = models.CharField(_("caption"), max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("media")
        verbose_name_plural = _("media")
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="image") & ~Q(image="")) | (~Q(kind="image") & ~Q(url="")),
                name="solution_media_has_content",
            )
        ]

    def __str__(self) -> str:
        return self.caption or self.url or self.image.name


class Challenge(EmbeddedText):
    """A problem a city wants solved, published so that providers and the Secretariat can help."""

    city = models.ForeignKey(
        "members.Organisation",
        verbose_name=_("city"),
        on_delete=models.PROTECT,
        related_name="challenges",
    )
    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(_("web address"), max_length=220, unique=True)
    description = models.TextField(_("description"))
    sectors = models.ManyToManyField("core.Sector", verbose_name=_("sectors"), blank=True)
    pillars = models.ManyToManyField("core.Pillar", verbose_name=_("pillars"), blank=True)
    budget_min = models.PositiveBigIntegerField(
        _("budget from (USD)"), null=True, blank=True, validators=[MaxValueValidator(BUDGET_MAX)]
    )
    budget_max = models.PositiveBigIntegerField(
        _("budget up to (USD)"), null=True, blank=True, validators=[MaxValueValidator(BUDGET_MAX)]
    )
    start_by = models.DateField(_("start by"), null=True, blank=True)
    duration_months = models.PositiveSmallIntegerField(
        _("duration (months)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(240)],
    )
    # The weak spot of the city's index report the challenge starts from, if any.
    index_group = models.ForeignKey(
        "index.Group",
        verbose_name=_("from the index pillar"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="challenges",
    )
    index_score = models.FloatField(_("the city's score on it"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=PublicationStatus, default=PublicationStatus.DRAFT
    )
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-published_at", "-id"]
        verbose_name = _("challenge")
        verbose_name_plural = _("challenges")
        indexes = [models.Index(fields=["status", "city"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(budget_min__isnull=True)
                | Q(budget_max__isnull=True)
                | Q(budget_max__gte=models.F("budget_min")),
                name="challenge_budget_range",
            )
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("matching:challenge", args=[self.slug])


class MatchDecision(models.Model):
    """One side's verdict on a proposed match: kept for later, or not to be shown again."""

    challenge = models.ForeignKey(Challenge, on_delete=models.CASCADE, related_name="decisions")
    solution = models.ForeignKey(Solution, on_delete=models.CASCADE, related_name="decisions")
    side = models.CharField(_("side"), max_length=10, choices=Side)
    state = models.CharField(_("state"), max_length=10, choices=MatchState)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("match decision")
        verbose_name_plural = _("match decisions")
        constraints = [
            models.UniqueConstraint(
                fields=["challenge", "solution", "side"], name="one_decision_per_side"
            )
        ]

    def __str__(self) -> str:
        return f"{self.challenge} × {self.solution}: {self.state}"


class Conversation(models.Model):
    """Messages between a city and a provider about one match; their people and staff read it."""

    challenge = models.ForeignKey(Challenge, on_delete=models.CASCADE, related_name="conversations")
    solution = models.ForeignKey(Solution, on_delete=models.CASCADE, related_name="conversations")
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_message_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-last_message_at", "-id"]
        verbose_name = _("conversation")
        verbose_name_plural = _("conversations")
        constraints = [
            models.UniqueConstraint(
                fields=["challenge", "solution"], name="one_conversation_per_match"
            )
        ]

    def __str__(self) -> str:
        return f"{self.challenge} × {self.solution}"

    def get_absolute_url(self) -> str:
        return reverse("matching:conversation", args=[self.pk])


class Message(models.Model):
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField(_("message"), max_length=5000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("message")
        verbose_name_plural = _("messages")

    def __str__(self) -> str:
        return self.body[:60]


class FinderRequest(models.Model):
    """The Secretariat's handling of one Solution Finder application (a `calls.Application`).

    The application holds what the city sent; this holds what happened next: review,
    preliminary feedback, clarifications, the partners connected and the outcome.
    """

    application = models.OneToOneField(
        "calls.Application", on_delete=models.CASCADE, related_name="finder_request"
    )
    challenge = models.ForeignKey(
        Challenge,
        verbose_name=_("challenge"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="finder_requests",
    )
    stage = models.CharField(
        _("stage"), max_length=20, choices=FinderStage, default=FinderStage.SUBMITTED
    )
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handled by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    feedback = models.TextField(_("preliminary feedback"), blank=True)
    feedback_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=12, choices=FinderOutcome, blank=True)
    outcome_note = models.TextField(_("outcome note"), blank=True)
    project = models.ForeignKey(
        "projects.Project",
        verbose_name=_("resulting project"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="finder_requests",
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("Solution Finder request")
        verbose_name_plural = _("Solution Finder requests")

    def __str__(self) -> str:
        return str(self.application)

    def get_absolute_url(self) -> str:
        return reverse("matching:request", args=[self.pk])


class FinderPartner(models.Model):
    """A partner the Secretariat connected the city with, possibly for one of its solutions."""

    request = models.ForeignKey(FinderRequest, on_delete=models.CASCADE, related_name="partners")
    organisation = models.ForeignKey(
        "members.Organisation",
        verbose_name=_("partner"),
        on_delete=models.PROTECT,
        related_name="finder_connections",
    )
    solution = models.ForeignKey(
        Solution,
        verbose_name=_("solution"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="finder_connections",
    )
    note = models.CharField(_("note"), max_length=500, blank=True)
    connected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    connected_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["connected_at", "id"]
        verbose_name = _("connected partner")
        verbose_name_plural = _("connected partners")
        constraints = [
            models.UniqueConstraint(
                fields=["request", "organisation"], name="one_connection_per_partner"
            )
        ]

    def __str__(self) -> str:
        return str(self.organisation)


class FinderMessage(models.Model):
    """The clarification thread between the city and the Secretariat on a request."""

    request = models.ForeignKey(FinderRequest, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    from_staff = models.BooleanField(default=False)
    body = models.TextField(_("message"), max_length=5000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("clarification message")
        verbose_name_plural = _("clarification messages")

    def __str__(self) -> str:
        return self.body[:60]


class MatchmakingSetup(models.Model):
    """How an event with matchmaking holds its one-to-one meetings: slots and tables."""

    event = models.OneToOneField(
        "events.Event", on_delete=models.CASCADE, related_name="matchmaking_setup"
    )
    tables = models.PositiveSmallIntegerField(
        _("tables"), default=10, validators=[MinValueValidator(1), MaxValueValidator(1000)]
    )
    place = models.CharField(_("where the tables are"), max_length=200, blank=True)
    requests_close_at = models.DateTimeField(_("requests close"), null=True, blank=True)

    class Meta:
        verbose_name = _("matchmaking set-up")
        verbose_name_plural = _("matchmaking set-ups")

    def __str__(self) -> str:
        return str(self.event)


class MeetingSlot(models.Model):
    """A time in which every table can hold one meeting."""

    event = models.ForeignKey(
        "events.Event", on_delete=models.CASCADE, related_name="meeting_slots"
    )
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))

    class Meta:
        ordering = ["starts_at", "id"]
        verbose_name = _("meeting slot")
        verbose_name_plural = _("meeting slots")
        constraints = [
            models.UniqueConstraint(fields=["event", "starts_at"], name="one_slot_per_start"),
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="slot_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.starts_at:%Y-%m-%d %H:%M}"


class Availability(models.Model):
    """A participant is free for meetings in this slot. None given means free in every slot."""

    slot = models.ForeignKey(MeetingSlot, on_delete=models.CASCADE, related_name="availabilities")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="meeting_availabilities"
    )

    class Meta:
        verbose_name = _("availability")
        verbose_name_plural = _("availabilities")
        constraints = [
            models.UniqueConstraint(fields=["slot", "person"], name="one_availability_per_slot")
        ]

    def __str__(self) -> str:
        return f"{self.person} · {self.slot}"


class MeetingRequest(models.Model):
    """One participant asks another for a one-to-one meeting at an event; a scheduler places it."""

    event = models.ForeignKey(
        "events.Event", on_delete=models.CASCADE, related_name="meeting_requests"
    )
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="meetings_requested"
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="meetings_received"
    )
    challenge = models.ForeignKey(
        Challenge, null=True, blank=True, on_delete=models.SET_NULL, related_name="meetings"
    )
    solution = models.ForeignKey(
        Solution, null=True, blank=True, on_delete=models.SET_NULL, related_name="meetings"
    )
    message = models.TextField(_("message"), max_length=2000, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=MeetingStatus, default=MeetingStatus.REQUESTED
    )
    slot = models.ForeignKey(
        MeetingSlot, null=True, blank=True, on_delete=models.SET_NULL, related_name="meetings"
    )
    table = models.PositiveSmallIntegerField(_("table"), null=True, blank=True)
    # Why an accepted meeting has no slot yet (the two are never free at once, or no table).
    unscheduled_reason = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    responded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["slot__starts_at", "created_at", "id"]
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        constraints = [
            models.CheckConstraint(
                condition=~Q(requester=models.F("recipient")), name="meeting_with_someone_else"
            ),
            models.CheckConstraint(
                condition=Q(slot__isnull=True, table__isnull=True)
                | Q(slot__isnull=False, table__isnull=False),
                name="meeting_slot_and_table_together",
            ),
            # No table holds two meetings at once (people are checked by the scheduler).
            models.UniqueConstraint(
                fields=["slot", "table"],
                condition=Q(status="accepted"),
                name="one_meeting_per_table_and_slot",
            ),
        ]
        indexes = [
            models.Index(fields=["event", "status"]),
            models.Index(fields=["requester", "status"]),
            models.Index(fields=["recipient", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.requester} ↔ {self.recipient}"
