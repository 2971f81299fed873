"""Events: the activities calendar, registration, agendas and the network's governance meetings.

Times are stored as instants (UTC) and shown on the event's own clock (`time_zone`). A planned
event may know only its year, or its year and month, with the printed qualifier in `date_note`
("TBD", "Year-round", "Q4"); `year` and `month` are always the event's local start when it has
one, so the calendar and the statistics read one pair of columns for every event.
"""

import datetime
import secrets
import zoneinfo

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from activator.events.enums import (
    Audience,
    DocumentAccess,
    EventStatus,
    EventType,
    GoverningBody,
    MajorityRule,
    MotionKind,
    MotionStatus,
    QuestionKind,
    RegistrationMode,
    RegistrationStatus,
    VoteChoice,
)
from activator.events.validators import validate_document, validate_photo
from activator.members.enums import GovernanceRoleKind
from activator.projects.models import private_storage

# Statuses that hold or wait for a seat; a person has at most one registration per event.
ACTIVE_STATUSES = (
    RegistrationStatus.PENDING,
    RegistrationStatus.CONFIRMED,
    RegistrationStatus.WAITLISTED,
)


class Event(models.Model):
    """One gathering of the network: a conference, a training, a webinar, a General Assembly…"""

    slug = models.SlugField(_("web address"), max_length=220, unique=True)
    title = models.CharField(_("title"), max_length=300)
    summary = models.CharField(_("summary"), max_length=500, blank=True)
    description = models.TextField(_("description"), blank=True)
    type = models.CharField(_("type"), max_length=30, choices=EventType, db_index=True)
    status = models.CharField(
        _("status"), max_length=20, choices=EventStatus, default=EventStatus.DRAFT
    )
    audience = models.CharField(
        _("audience"), max_length=20, choices=Audience, default=Audience.PUBLIC
    )

    organiser = models.ForeignKey(
        "members.Organisation",
        verbose_name=_("organiser"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="organised_events",
        help_text=_("The member that hosts the event, if it is one."),
    )
    organiser_name = models.CharField(
        _("organisers and partners as printed"),
        max_length=500,
        blank=True,
        help_text=_("Who organises or supports it, for bodies that are not in the directory."),
    )
    partners = models.ManyToManyField(
        "members.Organisation",
        verbose_name=_("partners"),
        blank=True,
        related_name="partnered_events",
    )
    office = models.ForeignKey(
        "members.RegionalOffice",
        verbose_name=_("run by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="events",
        help_text=_("The Secretariat or regional office whose staff manage the event."),
    )

    # When: an instant pair when known; otherwise only the year (and month) of a planned event.
    starts_at = models.DateTimeField(_("starts"), null=True, blank=True, db_index=True)
    ends_at = models.DateTimeField(_("ends"), null=True, blank=True)
    all_day = models.BooleanField(
        _("all day"),
        default=False,
        help_text=_("Whole days on the event's clock; then `ends` is the start of the next day."),
    )
    time_zone = models.CharField(_("time zone"), max_length=64, default="Asia/Seoul")
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True, db_index=True)
    month = models.PositiveSmallIntegerField(
        _("month"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
    )
    date_note = models.CharField(
        _("date as announced"),
        max_length=60,
        blank=True,
        help_text=_("For planned events: TBD, Year-round, Q4, February–December…"),
    )

    # Where: a place, an online link, or both.
    venue = models.CharField(_("venue"), max_length=300, blank=True)
    city = models.CharField(_("city"), max_length=200, blank=True)
    country = CountryField(_("country"), blank=True)
    region = models.ForeignKey(
        "core.Region",
        verbose_name=_("region"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="events",
    )
    online_url = models.URLField(_("online link"), max_length=500, blank=True)
    languages = models.JSONField(_("languages"), default=list, blank=True)

    # Registration.
    registration = models.CharField(
        _("registration"), max_length=20, choices=RegistrationMode, default=RegistrationMode.NONE
    )
    registration_opens_at = models.DateTimeField(_("registration opens"), null=True, blank=True)
    registration_closes_at = models.DateTimeField(_("registration closes"), null=True, blank=True)
    capacity = models.PositiveIntegerField(
        _("seats"), null=True, blank=True, help_text=_("Leave empty for no limit.")
    )
    # Confirmed registrations, kept by a conditional UPDATE so the last seat is given once.
    seats_taken = models.PositiveIntegerField(default=0, editable=False)
    matchmaking = models.BooleanField(
        _("1:1 matchmaking"),
        default=False,
        help_text=_("Participants can request one-to-one meetings with each other."),
    )

    report = models.TextField(
        _("report"), blank=True, help_text=_("After the event: what happened, in a few lines.")
    )
    source_note = models.CharField(_("source"), max_length=500, blank=True)
    search_text = models.TextField(editable=False, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["starts_at", "year", "month", "title"]
        verbose_name = _("event")
        verbose_name_plural = _("events")
        indexes = [
            models.Index(fields=["status", "year", "month"]),
            models.Index(fields=["status", "starts_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True)
                | (Q(starts_at__isnull=False) & Q(ends_at__gte=models.F("starts_at"))),
                name="event_ends_after_start",
            ),
            models.CheckConstraint(
                condition=Q(capacity__isnull=True) | Q(seats_taken__lte=models.F("capacity")),
                name="event_seats_within_capacity",
            ),
            models.CheckConstraint(
                condition=Q(month__isnull=True) | Q(year__isnull=False),
                name="event_month_needs_year",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("events:detail", args=[self.slug])

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    @property
    def is_dated(self) -> bool:
        """A day (and time) is known; otherwise the event is planned for a month or a year."""
        return self.starts_at is not None

    @property
    def local_start(self) -> datetime.datetime | None:
        return self.starts_at.astimezone(self.zone) if self.starts_at else None

    @property
    def local_end(self) -> datetime.datetime | None:
        return self.ends_at.astimezone(self.zone) if self.ends_at else None

    @property
    def last_day(self) -> datetime.date | None:
        """The last calendar day on the event's clock (an all-day end is exclusive)."""
        end = self.local_end or self.local_start
        if end is None:
            return None
        if self.all_day and self.ends_at:
            return (end - datetime.timedelta(days=1)).date()
        return end.date()

    @property
    def is_online(self) -> bool:
        return bool(self.online_url) or self.city.lower().startswith("online")

    @property
    def issues_certificates(self) -> bool:
        return self.type == EventType.TRAINING

    @property
    def requires_approval(self) -> bool:
        return self.audience == Audience.INVITATION

    @property
    def seats_left(self) -> int | None:
        return None if self.capacity is None else max(self.capacity - self.seats_taken, 0)


class Meeting(models.Model):
    """The governance side of a General Assembly or Executive Committee meeting."""

    event = models.OneToOneField(Event, on_delete=models.CASCADE, related_name="meeting")
    body = models.CharField(_("body"), max_length=30, choices=GoverningBody)
    number = models.PositiveSmallIntegerField(
        _("number"), null=True, blank=True, help_text=_("5 for the 5th General Assembly.")
    )
    theme = models.CharField(_("theme"), max_length=300, blank=True)
    quorum_percent = models.PositiveSmallIntegerField(
        _("quorum (percentage of voting members)"),
        default=50,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )
    majority = models.CharField(
        _("majority"), max_length=20, choices=MajorityRule, default=MajorityRule.SIMPLE
    )
    minutes = models.TextField(_("minutes"), blank=True)
    minutes_published_at = models.DateTimeField(_("minutes published"), null=True, blank=True)

    class Meta:
        ordering = ["event__year", "number"]
        verbose_name = _("governance meeting")
        verbose_name_plural = _("governance meetings")

    def __str__(self) -> str:
        return str(self.event)


class AgendaItem(models.Model):
    """One item of a governance meeting's agenda."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    presenter = models.CharField(_("presented by"), max_length=200, blank=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")

    def __str__(self) -> str:
        return self.title


class Motion(models.Model):
    """A resolution or an election put to the vote of the meeting's members."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="motions")
    agenda_item = models.ForeignKey(
        AgendaItem,
        verbose_name=_("agenda item"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="motions",
    )
    kind = models.CharField(
        _("kind"), max_length=20, choices=MotionKind, default=MotionKind.RESOLUTION
    )
    title = models.CharField(_("title"), max_length=300)
    text = models.TextField(_("text"), blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=MotionStatus, default=MotionStatus.DRAFT
    )
    # Elections: the office, how many seats, the term the elected hold it for.
    role = models.CharField(_("office"), max_length=40, choices=GovernanceRoleKind, blank=True)
    seats = models.PositiveSmallIntegerField(_("seats"), default=1)
    term_start_year = models.PositiveSmallIntegerField(_("term from (year)"), null=True, blank=True)
    term_end_year = models.PositiveSmallIntegerField(_("term to (year)"), null=True, blank=True)
    opened_at = models.DateTimeField(_("voting opened"), null=True, blank=True)
    closed_at = models.DateTimeField(_("voting closed"), null=True, blank=True)
    # Counted when voting closes: eligible voters, votes per choice or candidate, quorum met.
    result = models.JSONField(_("result"), default=dict, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("motion")
        verbose_name_plural = _("motions")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind=MotionKind.RESOLUTION) | ~Q(role=""),
                name="election_names_office",
            )
        ]

    def __str__(self) -> str:
        return self.title


class Candidate(models.Model):
    motion = models.ForeignKey(Motion, on_delete=models.CASCADE, related_name="candidates")
    organisation = models.ForeignKey(
        "members.Organisation", on_delete=models.PROTECT, related_name="candidacies"
    )

    class Meta:
        ordering = ["organisation__name"]
        constraints = [
            models.UniqueConstraint(fields=["motion", "organisation"], name="candidate_once")
        ]
        verbose_name = _("candidate")
        verbose_name_plural = _("candidates")

    def __str__(self) -> str:
        return str(self.organisation)


class Vote(models.Model):
    """One member's vote on one motion: one member, one vote, cast by its representative."""

    motion = models.ForeignKey(Motion, on_delete=models.CASCADE, related_name="votes")
    organisation = models.ForeignKey(
        "members.Organisation", on_delete=models.PROTECT, related_name="votes"
    )
    choice = models.CharField(_("vote"), max_length=10, choices=VoteChoice, blank=True)
    candidates = models.ManyToManyField(Candidate, blank=True, related_name="votes")
    cast_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    cast_at = models.DateTimeField(_("cast"), auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["motion", "organisation"], name="one_member_one_vote")
        ]
        verbose_name = _("vote")
        verbose_name_plural = _("votes")

    def __str__(self) -> str:
        return f"{self.organisation} · {self.motion}"


class Question(models.Model):
    """One extra question of an event's registration form."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="questions")
    kind = models.CharField(_("kind"), max_length=20, choices=QuestionKind)
    label = models.CharField(_("question"), max_length=300)
    help_text = models.CharField(_("help"), max_length=500, blank=True)
    required = models.BooleanField(_("required"), default=False)
    choices = models.JSONField(_("choices"), default=list, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("registration question")
        verbose_name_plural = _("registration questions")

    def __str__(self) -> str:
        return self.label

    @property
    def field_name(self) -> str:
        return f"q{self.pk}"


class Registration(models.Model):
    """A person's place at an event: interest, a seat, a place in the queue, or a request."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="registrations")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        # Deleting a person would free no seat; deactivate people instead.
        on_delete=models.PROTECT,
        related_name="event_registrations",
    )
    organisation = models.ForeignKey(
        "members.Organisation",
        verbose_name=_("attending for"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="event_registrations",
    )
    status = models.CharField(_("status"), max_length=20, choices=RegistrationStatus)
    answers = models.JSONField(_("answers"), default=dict, blank=True)
    created_at = models.DateTimeField(_("registered"), auto_now_add=True)
    status_changed_at = models.DateTimeField(_("status changed"), auto_now_add=True)
    # The waiting list is served in this order.
    queued_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(_("note"), max_length=500, blank=True)
    checked_in_at = models.DateTimeField(_("checked in"), null=True, blank=True)
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    certificate_code = models.CharField(max_length=32, null=True, blank=True, unique=True)
    certificate_issued_at = models.DateTimeField(_("certificate issued"), null=True, blank=True)
    reminder_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        constraints = [
            models.UniqueConstraint(fields=["event", "person"], name="one_registration_per_person")
        ]
        indexes = [
            models.Index(fields=["event", "status", "queued_at"]),
            models.Index(fields=["person", "status"]),
            models.Index(fields=["organisation", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.person} · {self.event}"

    @property
    def attended(self) -> bool:
        return self.checked_in_at is not None


class Room(models.Model):
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="rooms")
    name = models.CharField(_("name"), max_length=200)
    capacity = models.PositiveIntegerField(_("seats"), null=True, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "name"]
        constraints = [models.UniqueConstraint(fields=["event", "name"], name="room_name_once")]
        verbose_name = _("room")
        verbose_name_plural = _("rooms")

    def __str__(self) -> str:
        return self.name


class Speaker(models.Model):
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="speakers")
    name = models.CharField(_("name"), max_length=200)
    position = models.CharField(_("position"), max_length=200, blank=True)
    affiliation = models.CharField(_("organisation"), max_length=200, blank=True)
    bio = models.TextField(_("about"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("speaker")
        verbose_name_plural = _("speakers")

    def __str__(self) -> str:
        return self.name


class Session(models.Model):
    """One slot of an event's agenda, in a room, with its speakers."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="sessions")
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    room = models.ForeignKey(
        Room,
        verbose_name=_("room"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="sessions",
    )
    speakers = models.ManyToManyField(
        Speaker, verbose_name=_("speakers"), blank=True, related_name="sessions"
    )
    attendees = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="agenda_sessions"
    )

    class Meta:
        ordering = ["starts_at", "room__position", "id"]
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="session_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return self.title


class Document(models.Model):
    """A file of an event (programme, presentation, minutes…), for whom it says."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="documents")
    agenda_item = models.ForeignKey(
        AgendaItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="documents"
    )
    title = models.CharField(_("title"), max_length=300)
    file = models.FileField(
        _("file"),
        upload_to="events/documents/%Y/",
        storage=private_storage,
        validators=[validate_document],
    )
    access = models.CharField(
        _("who may read it"), max_length=20, choices=DocumentAccess, default=DocumentAccess.PUBLIC
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = _("document")
        verbose_name_plural = _("documents")

    def __str__(self) -> str:
        return self.title


def photo_path(instance: "Photo", filename: str) -> str:
    """An unguessable name: photos are public files, and a draft event's must not be found."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "jpg"
    return f"events/photos/{secrets.token_urlsafe(16)}.{extension[:5]}"


class Photo(models.Model):
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(_("photo"), upload_to=photo_path, validators=[validate_photo])
    caption = models.CharField(_("caption"), max_length=300, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("photo")
        verbose_name_plural = _("photos")

    def __str__(self) -> str:
        return self.caption or self.image.name
