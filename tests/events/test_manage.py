"""Staff set-up of events: who may create and edit them, what the form accepts and refuses,
publishing and cancelling, documents and photos."""

import datetime
import io
import zoneinfo

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from activator.core.models import AuditEntry
from activator.events import services
from activator.events.enums import (
    DocumentAccess,
    EventStatus,
    EventType,
    RegistrationMode,
    RegistrationStatus,
)
from activator.events.models import Document, Event, Photo, Registration
from tests.factories import RegionalOfficeFactory, UserFactory

pytestmark = pytest.mark.django_db

CREATE = reverse("events:create")
UTC = datetime.UTC
MEXICO = zoneinfo.ZoneInfo("America/Mexico_City")
SEOUL = zoneinfo.ZoneInfo("Asia/Seoul")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "public"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


def form_data(**changes):
    """A valid timed event in Mexico City, as the form posts it."""
    data = {
        "title": "Smart City Expo LATAM",
        "summary": "The Latin American smart city expo.",
        "description": "",
        "type": EventType.CONFERENCE_EXPO,
        "organiser_name": "Fira Barcelona",
        "schedule": "timed",
        "time_zone": "America/Mexico_City",
        "starts_at_0": "2027-03-09",
        "starts_at_1": "10:00",
        "ends_at_0": "2027-03-11",
        "ends_at_1": "18:00",
        "venue": "Centro Expositor",
        "city": "Puebla",
        "country": "MX",
        "languages": ["es", "en"],
        "audience": "public",
        "registration": RegistrationMode.OPEN,
        "capacity": "200",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def png_file(name="photo.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "blue").save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def pdf_file(name="programme.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4 programme", content_type="application/pdf")


# --- Who may do what ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "allowed"),
    [
        (None, False),
        ("citizen", False),
        ("representative", False),
        ("contact", False),
        ("regional_officer", True),
        ("staff", True),
    ],
    indirect=["persona"],
)
def test_who_may_open_the_new_event_form(client, persona, allowed):
    if persona is not None:
        client.force_login(persona)
    response = client.get(CREATE)
    if persona is None:
        assert response.status_code == 302
        assert reverse("accounts:login") in response["Location"]
    else:
        assert response.status_code == (200 if allowed else 403)


@pytest.mark.parametrize("persona", [None, "citizen", "representative"], indirect=True)
def test_outsiders_change_nothing(client, persona, training, settings):
    if persona is not None:
        client.force_login(persona)
    before = Event.objects.count(), AuditEntry.objects.count()
    slug = training.slug
    posts = [
        (CREATE, form_data()),
        (reverse("events:edit", args=[slug]), form_data(title="Hijacked")),
        (reverse("events:status", args=[slug]), {"status": "cancelled", "reason": "No"}),
        (
            reverse("events:documents", args=[slug]),
            {"title": "Doc", "access": "public", "file": pdf_file()},
        ),
        (reverse("events:photos", args=[slug]), {"image": png_file(), "caption": "x"}),
    ]
    for url, data in posts:
        response = client.post(url, data)
        if persona is None:
            assert response.status_code == 302
            assert reverse("accounts:login") in response["Location"]
        else:
            assert response.status_code == 403
    training.refresh_from_db()
    assert training.title != "Hijacked" and training.status == EventStatus.PUBLISHED
    assert (Event.objects.count(), AuditEntry.objects.count()) == before
    assert not Document.objects.exists() and not Photo.objects.exists()


def test_regional_officer_manages_only_the_events_of_their_office(
    client, regional_officer, make_event
):
    own = make_event(title="Own Office Training", office=regional_officer.regional_office)
    other_office = RegionalOfficeFactory(name="Africa Regional Office")
    others = make_event(title="Other Office Training", office=other_office)
    secretariat = make_event(title="Secretariat Training", office=None)
    other_draft = make_event(title="Other Draft", office=other_office, status=EventStatus.DRAFT)
    client.force_login(regional_officer)
    assert client.get(reverse("events:edit", args=[own.slug])).status_code == 200
    assert client.get(reverse("events:edit", args=[others.slug])).status_code == 403
    assert client.get(reverse("events:edit", args=[secretariat.slug])).status_code == 403
    assert client.get(reverse("events:edit", args=[other_draft.slug])).status_code == 404
    response = client.post(
        reverse("events:status", args=[others.slug]), {"status": "cancelled", "reason": "x"}
    )
    assert response.status_code == 403
    others.refresh_from_db()
    assert others.status == EventStatus.PUBLISHED


def test_regional_officer_may_pick_only_their_own_office(client, regional_officer):
    other_office = RegionalOfficeFactory(name="Africa Regional Office")
    client.force_login(regional_officer)
    form = client.get(CREATE).context["form"]
    assert list(form.fields["office"].queryset) == [regional_officer.regional_office]
    response = client.post(CREATE, form_data(office=str(other_office.pk)))
    assert response.status_code == 400
    assert "office" in response.context["form"].errors
    assert not Event.objects.exists()
    # Without naming an office, the event is their office's.
    response = client.post(CREATE, form_data(office=str(regional_officer.regional_office_id)))
    assert response.status_code == 302
    assert Event.objects.get().office == regional_officer.regional_office


# --- Creating and editing ---------------------------------------------------------------------


def test_staff_create_a_draft_typed_on_the_event_clock(client, staff):
    client.force_login(staff)
    response = client.post(CREATE, form_data())
    assert response.status_code == 302
    event = Event.objects.get()
    assert response["Location"] == event.get_absolute_url()
    assert event.status == EventStatus.DRAFT
    assert event.slug == "smart-city-expo-latam-2027"
    assert event.starts_at == datetime.datetime(2027, 3, 9, 16, 0, tzinfo=UTC)
    assert event.local_end == datetime.datetime(2027, 3, 11, 18, 0, tzinfo=MEXICO)
    assert (event.year, event.month) == (2027, 3)
    assert event.languages == ["es", "en"]
    assert event.created_by == staff
    assert "puebla" in event.search_text and "mexico" in event.search_text
    entry = AuditEntry.objects.get(action="event.created")
    assert entry.actor == staff and entry.object_id == str(event.pk)
    # The edit page shows the times back on the event's clock.
    form = client.get(reverse("events:edit", args=[event.slug])).context["form"]
    assert form.initial["starts_at"] == datetime.datetime(2027, 3, 9, 10, 0)
    assert form.initial["schedule"] == "timed"


def test_a_second_event_with_the_same_title_gets_its_own_address(client, staff):
    client.force_login(staff)
    client.post(CREATE, form_data())
    client.post(CREATE, form_data())
    assert sorted(Event.objects.values_list("slug", flat=True)) == [
        "smart-city-expo-latam-2027",
        "smart-city-expo-latam-2027-2",
    ]


def test_reserved_words_are_never_an_address(staff):
    event = services.event_create(
        actor=staff,
        title="Feed",
        type=EventType.OTHER,
        year=2030,
        city="Seoul",
    )
    assert event.slug == "feed-2030"
    calendar = services.event_create(
        actor=staff, title="Calendar 2030", type=EventType.OTHER, year=2030, city="Seoul"
    )
    assert calendar.slug == "calendar-2030"
    assert services.unique_event_slug("Statistics", None) == "statistics-event"
    with pytest.raises(Exception, match="uses"):
        services.event_create(
            actor=staff, slug="new", title="X", type=EventType.OTHER, year=2030, city="Seoul"
        )


def test_whole_day_and_planned_events(client, staff):
    client.force_login(staff)
    response = client.post(
        CREATE,
        form_data(
            title="Site Visits",
            schedule="all_day",
            time_zone="Asia/Seoul",
            first_day="2027-06-07",
            last_day="2027-06-08",
            starts_at_0="",
            starts_at_1="",
            ends_at_0="",
            ends_at_1="",
        ),
    )
    assert response.status_code == 302
    visits = Event.objects.get(title="Site Visits")
    assert visits.all_day
    assert visits.local_start == datetime.datetime(2027, 6, 7, 0, 0, tzinfo=SEOUL)
    assert visits.last_day == datetime.date(2027, 6, 8)

    response = client.post(
        CREATE,
        form_data(
            title="Smart Sustainable Cities Expo",
            schedule="planned",
            year="2028",
            month="9",
            date_note="TBD",
            city="",
            venue="",
            country="",
        ),
    )
    assert response.status_code == 302
    planned = Event.objects.get(title="Smart Sustainable Cities Expo")
    assert planned.starts_at is None and planned.ends_at is None
    assert (planned.year, planned.month, planned.date_note) == (2028, 9, "TBD")
    assert planned.slug == "smart-sustainable-cities-expo-2028"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"ends_at_0": "2027-03-08"}, "ends_at"),
        ({"time_zone": "Mars/Olympus_Mons"}, "time_zone"),
        ({"starts_at_0": "", "starts_at_1": ""}, "starts_at"),
        ({"starts_at_1": "25:00"}, "starts_at"),
        ({"city": "", "venue": "", "country": ""}, "city"),
        ({"schedule": "planned", "year": ""}, "year"),
        ({"schedule": "planned", "year": "2027", "month": "13"}, "month"),
        ({"schedule": "all_day", "first_day": "2027-06-08", "last_day": "2027-06-07"}, "last_day"),
        ({"capacity": "-1"}, "capacity"),
        ({"online_url": "not a link"}, "online_url"),
        ({"title": ""}, "title"),
        ({"type": "party"}, "type"),
        (
            {"registration_opens_at_0": "2027-03-01", "registration_opens_at_1": "10:00"}
            | {"registration_closes_at_0": "2027-02-01", "registration_closes_at_1": "10:00"},
            "registration_closes_at",
        ),
        # 02:00 on 14 March 2027 does not exist in New York (the clocks go forward).
        (
            {"time_zone": "America/New_York", "starts_at_0": "2027-03-14", "starts_at_1": "02:30"},
            "starts_at",
        ),
    ],
)
def test_bad_input_is_refused_and_nothing_changes(client, staff, changes, field):
    client.force_login(staff)
    response = client.post(CREATE, form_data(**changes))
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert "Nothing was saved" in response.content.decode()
    assert not Event.objects.exists()
    assert not AuditEntry.objects.exists()


def test_edit_is_audited_and_bad_edits_change_nothing(client, staff, make_event):
    event = make_event(title="Seoul Training")
    client.force_login(staff)
    url = reverse("events:edit", args=[event.slug])
    data = form_data(
        title="Seoul Smart Training",
        time_zone="Asia/Seoul",
        starts_at_0="2027-05-03",
        starts_at_1="09:00",
        ends_at_0="2027-05-03",
        ends_at_1="17:00",
        city="Seoul",
        country="KR",
    )
    response = client.post(url, data)
    assert response.status_code == 302
    event.refresh_from_db()
    assert event.title == "Seoul Smart Training"
    assert event.slug.startswith("smart-city-training")  # the address stays
    assert event.starts_at == datetime.datetime(2027, 5, 3, 0, 0, tzinfo=UTC)
    entry = AuditEntry.objects.get(action="event.updated")
    assert entry.changes["title"] == ["Seoul Training", "Seoul Smart Training"]

    bad = client.post(url, {**data, "title": "Broken", "ends_at_0": "2027-05-02"})
    assert bad.status_code == 400
    event.refresh_from_db()
    assert event.title == "Seoul Smart Training"
    assert AuditEntry.objects.filter(action="event.updated").count() == 1
    # The page keeps the saved title in its heading while the errors are shown.
    assert "<h1>Seoul Smart Training</h1>" in bad.content.decode()


def test_capacity_cannot_drop_below_the_seats_taken(client, staff, make_event):
    event = make_event(capacity=20)
    Event.objects.filter(pk=event.pk).update(seats_taken=12)
    client.force_login(staff)
    local = event.local_start
    response = client.post(
        reverse("events:edit", args=[event.slug]),
        form_data(
            time_zone="Asia/Seoul",
            starts_at_0=local.date().isoformat(),
            starts_at_1="09:00",
            ends_at_0=local.date().isoformat(),
            ends_at_1="17:00",
            capacity="10",
        ),
    )
    assert response.status_code == 400
    assert "capacity" in response.context["form"].errors
    event.refresh_from_db()
    assert event.capacity == 20


def test_services_refuse_what_the_model_cannot_hold(staff):
    base = {"actor": staff, "title": "X", "type": EventType.OTHER, "city": "Seoul"}
    start = datetime.datetime(2027, 1, 1, 9, tzinfo=UTC)
    cases = [
        ({"year": 2027, "month": 13}, "month"),
        ({"month": 5}, "year"),
        ({"starts_at": start, "ends_at": start - datetime.timedelta(hours=1)}, "ends_at"),
        ({"starts_at": start, "time_zone": "Nowhere/City"}, "time_zone"),
        ({"ends_at": start, "year": 2027}, "ends_at"),
        ({"starts_at": start, "city": ""}, "city"),
        ({"starts_at": start, "all_day": True}, "starts_at"),
    ]
    for fields, field in cases:
        with pytest.raises(services.ValidationError) as refused:
            services.event_create(**(base | fields))
        assert field in refused.value.message_dict, fields
    assert not Event.objects.exists()
    # Planned events need no place.
    planned = services.event_create(**(base | {"city": "", "year": 2027, "date_note": "TBD"}))
    assert planned.pk


# --- Status -----------------------------------------------------------------------------------


def test_publish_unpublish_and_cancel_with_a_reason(
    client, staff, make_event, citizen, django_capture_on_commit_callbacks
):
    event = make_event(status=EventStatus.DRAFT)
    Registration.objects.create(event=event, person=citizen, status=RegistrationStatus.CONFIRMED)
    url = reverse("events:status", args=[event.slug])
    client.force_login(staff)

    client.post(url, {"status": "published"})
    event.refresh_from_db()
    assert event.status == EventStatus.PUBLISHED

    client.post(url, {"status": "draft"})
    event.refresh_from_db()
    assert event.status == EventStatus.DRAFT
    client.post(url, {"status": "published"})

    # Cancelling needs a reason; without one nothing changes.
    response = client.post(url, {"status": "cancelled", "reason": "  "}, follow=True)
    event.refresh_from_db()
    assert event.status == EventStatus.PUBLISHED
    assert "Say why the event is cancelled" in response.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"status": "cancelled", "reason": "The venue flooded."})
    event.refresh_from_db()
    assert event.status == EventStatus.CANCELLED
    entry = AuditEntry.objects.get(action="event.cancelled")
    assert entry.note == "The venue flooded." and entry.actor == staff
    assert [m.to for m in mail.outbox] == [[citizen.email]]
    assert "The venue flooded." in mail.outbox[0].body
    actions = list(
        AuditEntry.objects.filter(object_id=str(event.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == [
        "event.published",
        "event.unpublished",
        "event.published",
        "event.cancelled",
    ]


def test_status_is_post_only_and_checks_its_value(client, staff, training):
    client.force_login(staff)
    url = reverse("events:status", args=[training.slug])
    assert client.get(url).status_code == 405
    client.post(url, {"status": "exploded"})
    training.refresh_from_db()
    assert training.status == EventStatus.PUBLISHED


# --- Documents and photos -----------------------------------------------------------------------


def test_documents_page_uploads_with_an_access_level_and_deletes(
    client, staff, training, django_capture_on_commit_callbacks
):
    client.force_login(staff)
    url = reverse("events:documents", args=[training.slug])
    assert client.get(url).status_code == 200
    response = client.post(
        url, {"title": "Programme", "access": DocumentAccess.PARTICIPANTS, "file": pdf_file()}
    )
    assert response.status_code == 302
    document = Document.objects.get()
    assert (document.title, document.access, document.uploaded_by) == (
        "Programme",
        DocumentAccess.PARTICIPANTS,
        staff,
    )
    assert document.file.storage.exists(document.file.name)
    assert AuditEntry.objects.filter(action="event.document_added").exists()

    # A program renamed .pdf is refused, and nothing is stored.
    fake = SimpleUploadedFile("virus.pdf", b"MZ\x90\x00", content_type="application/pdf")
    response = client.post(url, {"title": "Fake", "access": "public", "file": fake})
    assert response.status_code == 400
    assert Document.objects.count() == 1

    storage, stored = document.file.storage, document.file.name
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"delete": str(document.pk)})
    assert response.status_code == 302
    assert not Document.objects.exists()
    assert AuditEntry.objects.filter(action="event.document_removed").exists()
    assert not storage.exists(stored)  # the file goes once the deletion commits


def test_a_document_of_another_event_cannot_be_deleted_here(client, staff, make_event):
    first, second = make_event(), make_event()
    document = services.document_add(
        actor=staff, event=second, title="Kept", file=pdf_file(), access="public"
    )
    client.force_login(staff)
    response = client.post(
        reverse("events:documents", args=[first.slug]), {"delete": str(document.pk)}
    )
    assert response.status_code == 404
    assert Document.objects.filter(pk=document.pk).exists()


def test_photos_page_uploads_captions_and_deletes(client, staff, training):
    client.force_login(staff)
    url = reverse("events:photos", args=[training.slug])
    response = client.post(url, {"image": png_file(), "caption": "Opening session"})
    assert response.status_code == 302
    photo = Photo.objects.get()
    assert photo.caption == "Opening session"
    page = client.get(training.get_absolute_url()).content.decode()
    assert photo.image.url in page and "Opening session" in page

    client.post(url, {"caption_of": str(photo.pk), "caption": "Group photo"})
    photo.refresh_from_db()
    assert photo.caption == "Group photo"

    not_an_image = SimpleUploadedFile("x.png", b"not an image", content_type="image/png")
    assert client.post(url, {"image": not_an_image}).status_code == 400
    assert Photo.objects.count() == 1

    client.post(url, {"delete": str(photo.pk)})
    assert not Photo.objects.exists()
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"event.photo_added", "event.photo_updated", "event.photo_removed"} <= actions


def test_someone_else_cannot_manage_documents_even_when_logged_in(client, training):
    client.force_login(UserFactory())
    url = reverse("events:documents", args=[training.slug])
    assert client.get(url).status_code == 403
