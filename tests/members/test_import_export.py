"""Staff bulk import and export of organisations as CSV and Excel files."""

import csv
import datetime
import io
import os
import time

import openpyxl
import pytest
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from activator.core.models import AuditEntry
from activator.members import importing
from activator.members.importing import RowError
from activator.members.models import Organisation
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory

HEADER = "name,type,country,region,city,population,website,email,phone,is_partner,partner_since"
EXPORT_HEADERS = [
    "id",
    "name",
    "type",
    "country",
    "region",
    "city",
    "population",
    "website",
    "email",
    "phone",
    "is_partner",
    "partner_since",
    "membership_status",
    "membership_category",
    "joined_on",
    "paid_through",
]
VALID_ROWS = [
    "Busan,local_government,KR,Asia-Pacific,Busan,3300000,https://www.busan.go.kr,"
    "info@busan.go.kr,+82 51 120,yes,2021-05-04",
    "Lagos State,Local government,Nigeria,africa,Lagos,,,,,no,",
    "Smart Cities Institute,institution,kr,asia-pacific,Seoul,,www.smart.example.org,,,,",
]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    """Uploaded files waiting for confirmation go to a throw-away folder."""
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def regions(asia, africa):
    return {"asia": asia, "africa": africa}


def csv_file(*rows: str, header: str = HEADER, name: str = "organisations.csv"):
    text = "\n".join([header, *rows]) + "\n"
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


def upload(client, file):
    return client.post(reverse("members:import"), {"file": file})


def confirm(client, token: str):
    return client.post(reverse("members:import_confirm"), {"upload": token})


def stored_uploads(tmp_path) -> list[str]:
    folder = tmp_path / "imports"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def message_texts(response) -> list[str]:
    return [str(m) for m in response.wsgi_request._messages]


# Importing a valid file.


def test_valid_csv_previews_then_imports_every_row_with_audit_entries(
    client, staff, regions, tmp_path
):
    client.force_login(staff)

    response = upload(client, csv_file(*VALID_ROWS))

    assert response.status_code == 200
    preview = response.context["preview"]
    assert [(r.row, r.outcome, r.name) for r in preview.rows] == [
        (2, "new", "Busan"),
        (3, "new", "Lagos State"),
        (4, "new", "Smart Cities Institute"),
    ]
    assert preview.errors == []
    assert Organisation.objects.count() == 0
    assert AuditEntry.objects.count() == 0
    assert "Import now" in response.content.decode()
    assert len(stored_uploads(tmp_path)) == 1

    response = confirm(client, response.context["confirm_form"].initial["upload"])

    assert response.status_code == 302
    assert response.url == reverse("members:directory")
    assert message_texts(response) == ["3 organisations created, 0 updated."]
    busan = Organisation.objects.get(name="Busan")
    assert (
        busan.type,
        busan.country.code,
        busan.region,
        busan.city,
        busan.population,
        busan.website,
        busan.email,
        busan.phone,
        busan.is_partner,
        busan.partner_since,
    ) == (
        "local_government",
        "KR",
        regions["asia"],
        "Busan",
        3_300_000,
        "https://www.busan.go.kr",
        "info@busan.go.kr",
        "+82 51 120",
        True,
        datetime.date(2021, 5, 4),
    )
    lagos = Organisation.objects.get(name="Lagos State")
    assert (lagos.type, lagos.country.code, lagos.region, lagos.population, lagos.is_partner) == (
        "local_government",
        "NG",
        regions["africa"],
        None,
        False,
    )
    institute = Organisation.objects.get(name="Smart Cities Institute")
    assert (institute.type, institute.country.code, institute.website) == (
        "institution",
        "KR",
        "https://www.smart.example.org",
    )
    entries = AuditEntry.objects.filter(action="organisation.imported").order_by("id")
    assert [(e.object_id, e.actor, e.changes["name"]) for e in entries] == [
        (str(busan.pk), staff, [None, "Busan"]),
        (str(lagos.pk), staff, [None, "Lagos State"]),
        (str(institute.pk), staff, [None, "Smart Cities Institute"]),
    ]
    assert entries[0].changes["region"] == [None, "Asia-Pacific"]
    assert stored_uploads(tmp_path) == []


def test_rows_match_existing_organisations_by_id_or_by_name_and_country(
    client, staff, city, other_city
):
    client.force_login(staff)
    file = csv_file(
        f"{city.pk},SEOUL,local_government,KR,asia-pacific,Seoul,9700000,,,,,",
        header="id," + HEADER,
    )
    by_name = csv_file("abuja,local_government,ng,Africa,,,,,,,")

    preview_by_id = upload(client, file).context["preview"]
    preview_by_name = upload(client, by_name).context["preview"]

    assert [(r.outcome, r.existing, r.changes) for r in preview_by_id.rows] == [
        ("update", city, ["name", "city", "population"])
    ]
    assert [(r.outcome, r.existing, r.changes) for r in preview_by_name.rows] == [
        ("update", other_city, ["name"])
    ]

    summary = importing.organisations_import(
        actor=staff, file_bytes=_bytes(file), file_format="csv"
    )

    city.refresh_from_db()
    assert (summary.created, summary.updated) == (0, 1)
    assert (city.name, city.city, city.population) == ("SEOUL", "Seoul", 9_700_000)
    entry = AuditEntry.objects.get(action="organisation.imported")
    assert entry.changes == {
        "city": [None, "Seoul"],
        "name": ["Seoul", "SEOUL"],
        "population": [None, "9700000"],
    }


def _bytes(file: SimpleUploadedFile) -> bytes:
    file.seek(0)
    return file.read()


# Export then import the same file.


def test_xlsx_round_trip_reports_updates_and_changes_nothing(client, staff, city, other_city):
    city.website = "https://www.seoul.go.kr"
    city.phone = "+82 2 120"
    city.save()
    client.force_login(staff)
    before = {
        o.pk: (o.name, o.country.code, o.region_id, o.website, o.phone, o.updated_at)
        for o in Organisation.objects.all()
    }

    exported = client.get(reverse("members:export", args=["xlsx"]))

    assert exported.status_code == 200
    assert exported["Content-Type"] == importing.CONTENT_TYPES["xlsx"]
    sheet = openpyxl.load_workbook(io.BytesIO(exported.content)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == EXPORT_HEADERS
    assert [row[1] for row in rows[1:]] == ["Abuja", "Seoul"]
    seoul = dict(zip(EXPORT_HEADERS, rows[2], strict=True))
    assert (seoul["id"], seoul["type"], seoul["country"], seoul["region"]) == (
        city.pk,
        "local_government",
        "KR",
        "Asia-Pacific",
    )
    assert (seoul["website"], seoul["phone"], seoul["is_partner"]) == (
        "https://www.seoul.go.kr",
        "+82 2 120",
        False,
    )
    assert (seoul["membership_status"], seoul["membership_category"]) == ("current", "full")
    assert seoul["paid_through"].date() == city.membership.paid_through

    file = SimpleUploadedFile("organisations.xlsx", exported.content)
    response = upload(client, file)

    preview = response.context["preview"]
    assert [(r.row, r.outcome, r.existing, r.changes) for r in preview.rows] == [
        (2, "update", other_city, []),
        (3, "update", city, []),
    ]
    response = confirm(client, response.context["confirm_form"].initial["upload"])
    assert message_texts(response) == ["0 organisations created, 2 updated."]
    assert Organisation.objects.count() == 2
    after = {
        o.pk: (o.name, o.country.code, o.region_id, o.website, o.phone, o.updated_at)
        for o in Organisation.objects.all()
    }
    assert after == before
    assert AuditEntry.objects.filter(action="organisation.imported").count() == 0


def test_csv_round_trip_keeps_values_spreadsheets_would_read_as_formulas(staff, city):
    city.name = "=HYPERLINK(1)"
    city.phone = "+82 2 120"
    city.save()

    exported = importing.organisations_export(
        queryset=Organisation.objects.all(), file_format="csv"
    )

    assert exported.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(exported.decode("utf-8-sig"))))
    assert (rows[0]["name"], rows[0]["phone"]) == ("'=HYPERLINK(1)", "'+82 2 120")
    summary = importing.organisations_import(actor=staff, file_bytes=exported, file_format="csv")
    city.refresh_from_db()
    assert (summary.created, summary.updated, summary.unchanged) == (0, 1, 1)
    assert (city.name, city.phone) == ("=HYPERLINK(1)", "+82 2 120")


# Invalid rows: nothing is saved.


def test_one_bad_row_saves_nothing_and_the_preview_names_row_and_column(
    client, staff, regions, tmp_path
):
    client.force_login(staff)
    rows = [VALID_ROWS[0], "Nowhere City,local_government,XX,africa,,,,,,,", VALID_ROWS[1]]

    response = upload(client, csv_file(*rows))

    assert response.status_code == 200
    assert "confirm_form" not in response.context
    assert response.context["preview"].errors == [
        RowError(
            3,
            "country",
            "Unknown country “XX”: use a two-letter ISO code such as KR, "
            "or the country's English name.",
        )
    ]
    content = response.content.decode()
    assert "Row 3, column “country”: Unknown country “XX”" in content
    assert "Import now" not in content
    assert reverse("members:import_confirm") not in content
    assert Organisation.objects.count() == 0
    assert stored_uploads(tmp_path) == []


def test_the_import_service_refuses_the_whole_file_when_one_row_is_invalid(staff, regions):
    file = csv_file(VALID_ROWS[0], "Nowhere City,local_government,XX,africa,,,,,,,")

    with pytest.raises(ValidationError) as raised:
        importing.organisations_import(actor=staff, file_bytes=_bytes(file), file_format="csv")

    assert raised.value.messages == [
        "Row 3, country: Unknown country “XX”: use a two-letter ISO code such as KR, "
        "or the country's English name."
    ]
    assert Organisation.objects.count() == 0
    assert AuditEntry.objects.count() == 0


@pytest.mark.parametrize(
    ("row", "field", "message"),
    [
        ("A,village,KR,asia-pacific,,,,,,,", "type", None),
        ("A,local_government,KR,Atlantis,,,,,,,", "region", None),
        ("A,local_government,KR,asia-pacific,,,not a web address,,,,", "website", None),
        ("A,local_government,KR,asia-pacific,,,,not-an-email,,,", "email", None),
        (
            "A,local_government,KR,asia-pacific,,-5,,,,,",
            "population",
            "Ensure this value is greater than or equal to 0.",
        ),
        ("A,local_government,KR,asia-pacific,,many,,,,,", "population", "Enter a whole number."),
        (
            "A,local_government,KR,asia-pacific,,,,,,maybe,",
            "is_partner",
            "Enter yes or no.",
        ),
        (
            "A,local_government,KR,asia-pacific,,,,,,,04/05/2021",
            "partner_since",
            "Enter a date as YYYY-MM-DD, e.g. 2024-03-31.",
        ),
        (",local_government,KR,asia-pacific,,,,,,,", "name", "This field cannot be blank."),
    ],
)
def test_each_bad_value_is_an_error_on_its_row_and_column(regions, row, field, message):
    expected = (
        message
        or {
            "type": "Unknown type “village”: use one of local_government, corporation, "
            "institution, other.",
            "region": "Unknown region “Atlantis”: use one of Africa, Asia-Pacific.",
            "website": "Enter a valid URL.",
            "email": "Enter a valid email address.",
        }[field]
    )
    file = csv_file(VALID_ROWS[0], row)

    preview = importing.organisations_import_preview(file_bytes=_bytes(file), file_format="csv")

    assert [(r.row, r.outcome) for r in preview.rows] == [(2, "new"), (3, "invalid")]
    assert preview.errors == [RowError(3, field, expected)]
    assert Organisation.objects.count() == 0


def test_the_same_organisation_twice_in_one_file_is_an_error(regions):
    file = csv_file(VALID_ROWS[0], "BUSAN,corporation,KR,asia-pacific,,,,,,,")

    preview = importing.organisations_import_preview(file_bytes=_bytes(file), file_format="csv")

    assert preview.errors == [
        RowError(3, "name", "The same organisation as on row 2 of this file.")
    ]


def test_an_unknown_id_is_an_error(regions):
    file = csv_file("999999,Busan,local_government,KR,asia-pacific,,,,,,,", header="id," + HEADER)

    preview = importing.organisations_import_preview(file_bytes=_bytes(file), file_format="csv")

    assert preview.errors == [
        RowError(2, "id", "No organisation has id 999999; leave id empty to add one.")
    ]


def test_empty_rows_are_skipped_and_numbered_as_in_the_file(regions):
    file = csv_file(VALID_ROWS[0], ",,,,,,,,,,", "Ulsan,local_government,KR,,,,,,,,")

    preview = importing.organisations_import_preview(file_bytes=_bytes(file), file_format="csv")

    assert [(r.row, r.outcome, r.name) for r in preview.rows] == [
        (2, "new", "Busan"),
        (3, "skip", ""),
        (4, "new", "Ulsan"),
    ]
    assert preview.errors == []


# Confirming: only the file that was checked.


def test_confirm_with_a_tampered_file_name_is_refused_and_saves_nothing(
    client, staff, regions, tmp_path
):
    client.force_login(staff)
    token = upload(client, csv_file(*VALID_ROWS)).context["confirm_form"].initial["upload"]
    stored = stored_uploads(tmp_path)
    name = token.split(":")[0]

    responses = [
        confirm(client, token.replace(name, "imports/" + "0" * 32 + ".csv")),
        confirm(client, "../../activator/settings.py"),
        confirm(client, ""),
    ]

    assert [r.status_code for r in responses] == [400, 400, 400]
    assert Organisation.objects.count() == 0
    assert stored_uploads(tmp_path) == stored


def test_confirm_by_another_person_is_refused(client, staff, regions, tmp_path):
    client.force_login(staff)
    token = upload(client, csv_file(*VALID_ROWS)).context["confirm_form"].initial["upload"]
    colleague = UserFactory(email="colleague@example.org", platform_role=staff.platform_role)
    client.force_login(colleague)

    response = confirm(client, token)

    assert response.status_code == 400
    assert Organisation.objects.count() == 0


def test_confirming_twice_imports_once(client, staff, regions):
    client.force_login(staff)
    token = upload(client, csv_file(*VALID_ROWS)).context["confirm_form"].initial["upload"]

    first = confirm(client, token)
    second = confirm(client, token)

    assert message_texts(first) == ["3 organisations created, 0 updated."]
    assert second.url == reverse("members:import")
    assert message_texts(second)[-1] == (
        "That file has already been imported or has expired; upload it again."
    )
    assert Organisation.objects.count() == 3


def test_a_check_older_than_an_hour_must_be_uploaded_again(
    client, staff, regions, tmp_path, monkeypatch
):
    two_hours_ago = int(time.time()) - 2 * 60 * 60
    monkeypatch.setattr(
        signing.TimestampSigner, "timestamp", lambda self: signing.b62_encode(two_hours_ago)
    )
    client.force_login(staff)
    token = upload(client, csv_file(*VALID_ROWS)).context["confirm_form"].initial["upload"]
    monkeypatch.undo()

    response = confirm(client, token)

    assert response.url == reverse("members:import")
    assert message_texts(response) == ["That check has expired; upload the file again."]
    assert Organisation.objects.count() == 0


def test_rows_that_no_longer_pass_at_confirmation_import_nothing(
    client, staff, regions, other_city, tmp_path
):
    client.force_login(staff)
    file = csv_file(
        ",Busan,local_government,KR,asia-pacific,,,,,,,",
        f"{other_city.pk},Abuja,local_government,NG,africa,,,,,,,",
        header="id," + HEADER,
    )
    token = upload(client, file).context["confirm_form"].initial["upload"]
    other_city_pk = other_city.pk
    other_city.delete()

    response = confirm(client, token)

    assert response.status_code == 200
    assert response.context["failure"] == [
        f"Row 3, id: No organisation has id {other_city_pk}; leave id empty to add one."
    ]
    assert "Nothing was imported" in response.content.decode()
    assert Organisation.objects.count() == 0
    assert stored_uploads(tmp_path) == []


def test_semicolon_separated_csv_with_spreadsheet_headers_is_read(regions):
    text = (
        "Name;Type;Country;Region;E-mail;Notes\n"
        "Busan;Local government;South Korea;Asia-Pacific;a@b.org;x\n"
    )

    preview = importing.organisations_import_preview(
        file_bytes=text.encode("utf-8-sig"), file_format="csv"
    )

    assert [(r.row, r.outcome, r.name, r.country) for r in preview.rows] == [
        (2, "new", "Busan", "South Korea")
    ]
    assert preview.ignored_columns == ["Notes"]
    assert preview.errors == []


def test_checked_files_nobody_confirmed_are_cleared_away(client, staff, regions, tmp_path):
    folder = tmp_path / "imports"
    folder.mkdir()
    abandoned = folder / ("a" * 32 + ".csv")
    abandoned.write_bytes(b"name,type,country,region\n")
    three_hours_ago = time.time() - 3 * 60 * 60
    os.utime(abandoned, (three_hours_ago, three_hours_ago))
    recent = folder / ("b" * 32 + ".csv")
    recent.write_bytes(b"name,type,country,region\n")
    client.force_login(staff)

    token = upload(client, csv_file(*VALID_ROWS)).context["confirm_form"].initial["upload"]

    assert stored_uploads(tmp_path) == sorted([recent.name, token.split(":")[0].split("/")[1]])


# Files that cannot be read.


def test_a_missing_required_column_is_explained(client, staff, regions):
    client.force_login(staff)

    response = upload(client, csv_file("Busan,KR", header="name,country"))

    assert response.status_code == 200
    assert response.context["form"].errors["file"] == [
        "The file is missing the required column(s): type, region. The first row must name "
        "the columns; name, type, country and region are required."
    ]
    assert "preview" not in response.context
    assert Organisation.objects.count() == 0


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("notes.txt", b"name,type\n", "Upload a .csv or .xlsx file."),
        ("empty.csv", b"", "The submitted file is empty."),
        ("blank.csv", b"\n\n", "The file is empty."),
        (
            "latin.csv",
            "name,type,country,region\nZürich,local_government,CH,europe\n".encode("latin-1"),
            "The file is not UTF-8 text. In your spreadsheet program, save it as “CSV UTF-8”, "
            "or upload an Excel (.xlsx) file.",
        ),
        (
            "broken.xlsx",
            b"not a workbook",
            "The file could not be read as an Excel workbook (.xlsx).",
        ),
        (
            "header-only.csv",
            b"name,type,country,region\n",
            "The file has column names but no organisations.",
        ),
    ],
)
def test_unreadable_files_are_refused_with_a_clear_message(
    client, staff, regions, name, content, message
):
    client.force_login(staff)

    response = upload(client, SimpleUploadedFile(name, content))

    assert response.context["form"].errors["file"] == [message]


def test_a_file_over_the_size_limit_is_refused(client, staff, regions, settings):
    settings.IMPORT_MAX_BYTES = 100
    client.force_login(staff)

    response = upload(client, csv_file(*VALID_ROWS))

    assert response.context["form"].errors["file"] == [
        "The file is too large: at most 100\xa0bytes may be imported at once."
    ]
    with pytest.raises(ValidationError) as raised:
        importing.organisations_import_preview(
            file_bytes=_bytes(csv_file(*VALID_ROWS)), file_format="csv"
        )
    assert raised.value.messages == [
        "The file is too large: at most 100\xa0bytes may be imported at once."
    ]


def test_the_upload_page_describes_the_columns_and_links_a_template(client, staff, regions):
    client.force_login(staff)

    content = client.get(reverse("members:import")).content.decode()

    assert 'accept=".csv,.xlsx"' in content
    assert f'href="{reverse("members:export", args=["xlsx"])}"' in content
    assert "Africa (<code>africa</code>), Asia-Pacific (<code>asia-pacific</code>)" in content
    assert "<code>local_government</code> (Local government)" in content


# Export.


def test_export_has_only_the_rows_the_directory_filter_selects(client, staff, city, other_city):
    client.force_login(staff)

    response = client.get(reverse("members:export", args=["csv"]), {"region": "africa"})

    today = timezone.localdate()
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="organisations-{today:%Y-%m-%d}.csv"'
    )
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    membership = other_city.membership
    assert rows == [
        EXPORT_HEADERS,
        [
            str(other_city.pk),
            "Abuja",
            "local_government",
            "NG",
            "Africa",
            "",
            "",
            "",
            "",
            "",
            "no",
            "",
            "current",
            "full",
            membership.joined_on.isoformat(),
            membership.paid_through.isoformat(),
        ],
    ]


def test_export_without_filters_has_every_organisation_and_search_narrows_it(
    client, staff, city, other_city
):
    OrganisationFactory(name="Daejeon", region=city.region)
    MembershipFactory(organisation__name="Incheon", organisation__region=city.region)
    client.force_login(staff)

    def names(query):
        response = client.get(reverse("members:export", args=["csv"]), query)
        return [row["name"] for row in csv.DictReader(io.StringIO(response.content.decode()))]

    assert names({}) == ["Abuja", "Daejeon", "Incheon", "Seoul"]
    assert names({"q": "seoul"}) == ["Seoul"]
    assert names({"sort": "-name", "region": "Asia-Pacific"}) == ["Seoul", "Incheon", "Daejeon"]


def test_an_unknown_export_format_is_not_found(client, staff):
    client.force_login(staff)

    response = client.get(reverse("members:export", args=["pdf"]))

    assert response.status_code == 404
    assert "Content-Disposition" not in response


# Who may import and export.


@pytest.mark.parametrize(
    ("persona", "allowed"),
    [
        ("staff", True),
        ("regional_officer", False),
        ("representative", False),
        ("citizen", False),
        (None, False),
    ],
    indirect=["persona"],
)
def test_only_the_secretariat_may_import(client, persona, allowed, regions):
    if persona is not None:
        client.force_login(persona)

    page = client.get(reverse("members:import"))
    posted = upload(client, csv_file(*VALID_ROWS))
    confirmed = confirm(client, "imports/" + "0" * 32 + ".csv")

    if allowed:
        assert (page.status_code, posted.status_code) == (200, 200)
        assert posted.context["preview"].new_count == 3
    elif persona is None:
        login = reverse("accounts:login")
        assert [r.status_code for r in (page, posted, confirmed)] == [302, 302, 302]
        assert page.url == f"{login}?next={reverse('members:import')}"
        assert confirmed.url == f"{login}?next={reverse('members:import_confirm')}"
    else:
        assert [r.status_code for r in (page, posted, confirmed)] == [403, 403, 403]
    assert Organisation.objects.filter(name="Busan").count() == 0


@pytest.mark.parametrize(
    ("persona", "allowed"),
    [
        ("staff", True),
        ("regional_officer", True),
        ("representative", False),
        ("citizen", False),
        (None, False),
    ],
    indirect=["persona"],
)
def test_network_staff_may_export(client, persona, allowed, city):
    if persona is not None:
        client.force_login(persona)

    response = client.get(reverse("members:export", args=["csv"]))

    if allowed:
        assert response.status_code == 200
        assert response.content.decode("utf-8-sig").splitlines()[0] == ",".join(EXPORT_HEADERS)
    elif persona is None:
        export_url = reverse("members:export", args=["csv"])
        assert (response.status_code, response.url) == (
            302,
            f"{reverse('accounts:login')}?next={export_url}",
        )
    else:
        assert response.status_code == 403
        assert "Content-Disposition" not in response
