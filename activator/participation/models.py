"""Participation spaces of member cities: processes with phases, proposals and their supports,
debates, threaded comments, surveys, following, notifications and moderation."""

import datetime

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from activator.participation.enums import (
    PLAN_FEATURES,
    AnswerStatus,
    AppealStatus,
    FlagReason,
    Moderation,
    NotificationMode,
    ParticipantStatus,
    PhaseKind,
    Plan,
    ProcessStatus,
    QuestionKind,
    Verification,
)

User = settings.AUTH_USER_MODEL


class Space(models.Model):
    """A member city's place for consultations; one per city, its plan set by staff."""

    organisation = models.OneToOneField(
        "members.Organisation",
        verbose_name=_("city"),
        on_delete=models.CASCADE,
        related_name="participation_space",
    )
    slug = models.SlugField(_("web address"), max_length=100, unique=True)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True, help_text=_("Rich text."))
    plan = models.CharField(_("plan"), max_length=10, choices=Plan, default=Plan.FREE)
    is_open = models.BooleanField(
        _("open"), default=True, help_text=_("A closed space is read-only.")
    )
    verification = models.CharField(
        _("who may take part"), max_length=10, choices=Verification, default=Verification.OPEN
    )
    # Only the hash is kept (accounts.models.hash_secret); the code is shown once when set.
    invitation_code_hash = models.CharField(max_length=64, blank=True, editable=False)
    email_domains = models.TextField(
        _("e-mail domains"),
        blank=True,
        help_text=_("One per line, like seoul.go.kr; for verification by e-mail domain."),
    )
    flag_threshold = models.PositiveSmallIntegerField(
        _("reports that hide content"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_(
            "Content reported by this many participants is hidden until a moderator decides."
        ),
    )
    moderators = models.ManyToManyField(
        User, verbose_name=_("moderators"), blank=True, related_name="moderated_spaces"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["title"]
        verbose_name = _("participation space")
        verbose_name_plural = _("participation spaces")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("participation:space", args=[self.slug])

    def has_feature(self, feature: str) -> bool:
        return feature in PLAN_FEATURES[self.plan]

    @property
    def features(self) -> frozenset[str]:
        return PLAN_FEATURES[self.plan]

    def domain_list(self) -> list[str]:
        return [d.strip().lower().lstrip("@") for d in self.email_domains.split() if d.strip()]


class Participant(models.Model):
    """A person taking part in one space, once verified the way the space asks."""

    space = models.ForeignKey(Space, on_delete=models.CASCADE, related_name="participants")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="participations")
    status = models.CharField(
        _("status"), max_length=10, choices=ParticipantStatus, default=ParticipantStatus.PENDING
    )
    verified_by = models.CharField(
        _("verified by"), max_length=10, choices=Verification, blank=True
    )
    notifications = models.CharField(
        _("notifications"),
        max_length=10,
        choices=NotificationMode,
        default=NotificationMode.IMMEDIATE,
    )
    joined_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-joined_at"]
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        constraints = [
            models.UniqueConstraint(fields=["space", "user"], name="participant_once_per_space")
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.space}"

    @property
    def is_verified(self) -> bool:
        return self.status == ParticipantStatus.VERIFIED


class Category(models.Model):
    """A space's own topics for proposals (mobility, parks, …)."""

    space = models.ForeignKey(Space, on_delete=models.CASCADE, related_name="categories")
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        ordering = ["name"]
        verbose_name = pgettext_lazy("proposal", "category")
        verbose_name_plural = _("categories")
        constraints = [
            models.UniqueConstraint(fields=["space", "name"], name="category_unique_per_space")
        ]

    def __str__(self) -> str:
        return self.name


class Process(models.Model):
    """A consultation over time: information, proposals, debate, voting, results."""

    space = models.ForeignKey(Space, on_delete=models.CASCADE, related_name="processes")
    slug = models.SlugField(_("web address"), max_length=100)
    title = models.CharField(_("title"), max_length=200)
    summary = models.CharField(_("summary"), max_length=300, blank=True)
    description = models.TextField(_("description"), blank=True, help_text=_("Rich text."))
    status = models.CharField(
        _("status"), max_length=10, choices=ProcessStatus, default=ProcessStatus.DRAFT
    )
    support_threshold = models.PositiveIntegerField(
        _("supports needed"),
        default=100,
        validators=[MinValueValidator(1)],
        help_text=_("A proposal with this many supports goes to the city for an answer."),
    )
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("process")
        verbose_name_plural = _("processes")
        constraints = [
            models.UniqueConstraint(fields=["space", "slug"], name="process_slug_unique_per_space")
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("participation:process", args=[self.space.slug, self.slug])

    @property
    def is_published(self) -> bool:
        return self.status == ProcessStatus.PUBLISHED

    def phase_on(self, day: datetime.date | None = None) -> "Phase | None":
        """The phase running on `day` (today by default); reads the prefetched phases."""
        day = day or timezone.localdate()
        for phase in self.phases.all():
            if phase.starts_on <= day <= phase.ends_on:
                return phase
        return None

    def in_phase(self, kind: str, day: datetime.date | None = None) -> bool:
        phase = self.phase_on(day)
        return phase is not None and phase.kind == kind


class Phase(models.Model):
    """One step of a process with its dates (whole days, in the server's zone)."""

    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="phases")
    kind = models.CharField(pgettext_lazy("process", "phase"), max_length=12, choices=PhaseKind)
    starts_on = models.DateField(_("starts"))
    ends_on = models.DateField(_("ends"))
    description = models.TextField(_("what happens"), blank=True)

    class Meta:
        ordering = ["starts_on", "id"]
        verbose_name = pgettext_lazy("process", "phase")
        verbose_name_plural = _("phases")
        constraints = [
            models.UniqueConstraint(fields=["process", "kind"], name="phase_kind_once_per_process"),
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="phase_dates_in_order"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.process}: {self.get_kind_display()}"


class Moderated(models.Model):
    """What participants write and others may report: proposals, debates and comments."""

    moderation = models.CharField(
        _("moderation"), max_length=10, choices=Moderation, default=Moderation.VISIBLE
    )
    flags_count = models.PositiveIntegerField(default=0, editable=False)
    hidden_reason = models.TextField(_("reason for hiding"), blank=True)
    moderated_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    moderated_at = models.DateTimeField(null=True, blank=True)
    appeal_status = models.CharField(
        _("appeal"), max_length=10, choices=AppealStatus, default=AppealStatus.NONE, blank=True
    )
    appeal_text = models.TextField(_("appeal"), blank=True)
    appealed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def is_hidden(self) -> bool:
        return self.moderation != Moderation.VISIBLE


class Proposal(Moderated):
    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="proposals")
    author = models.ForeignKey(User, on_delete=models.PROTECT, related_name="proposals")
    title = models.CharField(_("title"), max_length=150)
    body = models.TextField(_("proposal"), help_text=_("Rich text."))
    category = models.ForeignKey(
        Category,
        verbose_name=pgettext_lazy("proposal", "category"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="proposals",
    )
    address = models.CharField(_("place"), max_length=255, blank=True)
    latitude = models.DecimalField(
        _("latitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.DecimalField(
        _("longitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    # Kept equal to the number of Support rows by conditional updates in the services.
    supports_count = models.PositiveIntegerField(default=0, editable=False)
    comments_count = models.PositiveIntegerField(default=0, editable=False)
    answer = models.CharField(
        _("answer"), max_length=12, choices=AnswerStatus, default=AnswerStatus.NONE, blank=True
    )
    answer_text = models.TextField(_("answer text"), blank=True, help_text=_("Rich text."))
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    project = models.ForeignKey(
        "projects.Project",
        verbose_name=_("project"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="proposals",
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("proposal")
        verbose_name_plural = _("proposals")
        indexes = [
            # The list sorted by supports within a process, whole or one category.
            models.Index(
                fields=["process", "category", "-supports_count", "-id"],
                name="proposal_by_category",
            ),
            models.Index(fields=["process", "-supports_count", "-id"], name="proposal_by_supports"),
            models.Index(fields=["author", "created_at"], name="proposal_author_recent"),
            # Counting what the list shows (a page's total) from the index alone.
            models.Index(
                fields=["process", "category", "answer"],
                condition=Q(withdrawn_at__isnull=True, moderation=Moderation.VISIBLE),
                name="proposal_listed",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(answer=AnswerStatus.NONE) | Q(project__isnull=True),
                name="proposal_project_needs_answer",
            )
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse(
            "participation:proposal", args=[self.process.space.slug, self.process.slug, self.pk]
        )


class Support(models.Model):
    """One participant backs one proposal, once."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="supports")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="proposal_supports")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("support")
        verbose_name_plural = _("supports")
        constraints = [
            models.UniqueConstraint(fields=["proposal", "user"], name="support_once_per_person")
        ]
        indexes = [models.Index(fields=["user", "proposal"], name="support_by_user")]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.proposal_id}"


class Debate(Moderated):
    """An open conversation on a question, during the process's debate phase."""

    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="debates")
    author = models.ForeignKey(User, on_delete=models.PROTECT, related_name="debates")
    title = models.CharField(_("title"), max_length=150)
    body = models.TextField(_("description"), help_text=_("Rich text."))
    closed_at = models.DateTimeField(null=True, blank=True)
    conclusions = models.TextField(_("conclusions"), blank=True, help_text=_("Rich text."))
    comments_count = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("debate")
        verbose_name_plural = _("debates")
        indexes = [models.Index(fields=["author", "created_at"], name="debate_author_recent")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse(
            "participation:debate", args=[self.process.space.slug, self.process.slug, self.pk]
        )


class Comment(Moderated):
    """A comment on a proposal or a debate; `parent` makes it a reply (threads nest)."""

    MAX_DEPTH = 4

    proposal = models.ForeignKey(
        Proposal, null=True, blank=True, on_delete=models.CASCADE, related_name="comments"
    )
    debate = models.ForeignKey(
        Debate, null=True, blank=True, on_delete=models.CASCADE, related_name="comments"
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies"
    )
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    author = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="participation_comments"
    )
    body = models.TextField(_("comment"), help_text=_("Rich text."))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        constraints = [
            models.CheckConstraint(
                condition=Q(proposal__isnull=False, debate__isnull=True)
                | Q(proposal__isnull=True, debate__isnull=False),
                name="comment_on_one_thing",
            )
        ]
        indexes = [models.Index(fields=["author", "created_at"], name="comment_author_recent")]

    def __str__(self) -> str:
        return f"{self.author}: {self.body[:40]}"

    def get_absolute_url(self) -> str:
        return f"{self.target.get_absolute_url()}#comment-{self.pk}"

    @property
    def target(self) -> "Proposal | Debate":
        return self.proposal or self.debate  # type: ignore[return-value]


class Survey(models.Model):
    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="surveys")
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True, help_text=_("Rich text."))
    opens_on = models.DateField(_("opens"), null=True, blank=True)
    closes_on = models.DateField(_("closes"), null=True, blank=True)
    published = models.BooleanField(_("published"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse(
            "participation:survey", args=[self.process.space.slug, self.process.slug, self.pk]
        )

    def is_open_on(self, day: datetime.date | None = None) -> bool:
        day = day or timezone.localdate()
        return (
            self.published
            and (self.opens_on is None or self.opens_on <= day)
            and (self.closes_on is None or day <= self.closes_on)
        )


class Question(models.Model):
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField(default=0)
    text = models.CharField(_("question"), max_length=300)
    kind = models.CharField(
        _("kind"), max_length=10, choices=QuestionKind, default=QuestionKind.TEXT
    )
    choices = models.JSONField(_("choices"), default=list, blank=True)
    required = models.BooleanField(_("required"), default=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("question")
        verbose_name_plural = _("questions")

    def __str__(self) -> str:
        return self.text


class SurveyResponse(models.Model):
    """One participant's answers to one survey: {question id: text or choice(s)}."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="responses")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="survey_responses")
    answers = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("survey response")
        verbose_name_plural = _("survey responses")
        constraints = [
            models.UniqueConstraint(fields=["survey", "user"], name="survey_response_once")
        ]

    def __str__(self) -> str:
        return f"{self.survey_id}: {self.user_id}"


class Follow(models.Model):
    """A person follows a process, proposal or debate to be notified of what happens to it."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="participation_follows")
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("content_type", "object_id")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("follow")
        verbose_name_plural = _("follows")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "content_type", "object_id"], name="follow_once"
            )
        ]
        indexes = [models.Index(fields=["content_type", "object_id"], name="follow_target")]

    def __str__(self) -> str:
        return f"{self.user_id} follows {self.content_type_id}:{self.object_id}"


class Notification(models.Model):
    """Something a person is told about; e-mailed at once or in the daily digest, per space."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="participation_notifications"
    )
    space = models.ForeignKey(Space, on_delete=models.CASCADE, related_name="notifications")
    verb = models.CharField(max_length=40)
    text = models.CharField(max_length=500)
    url = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    # Set when e-mailed (at once or in a digest), or when the person wants no e-mails.
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(fields=["user", "-created_at"], name="notification_inbox"),
            models.Index(fields=["emailed_at", "user"], name="notification_unsent"),
        ]

    def __str__(self) -> str:
        return self.text


class Flag(models.Model):
    """A participant reports a proposal, debate or comment, once each."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="participation_flags")
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("content_type", "object_id")
    reason = models.CharField(_("reason"), max_length=20, choices=FlagReason)
    details = models.CharField(_("details"), max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = pgettext_lazy("moderation", "report")
        verbose_name_plural = pgettext_lazy("moderation", "reports")
        constraints = [
            models.UniqueConstraint(fields=["user", "content_type", "object_id"], name="flag_once")
        ]
        indexes = [models.Index(fields=["content_type", "object_id"], name="flag_target")]

    def __str__(self) -> str:
        return f"{self.user_id} reported {self.content_type_id}:{self.object_id}"
