"""The assessment pages: a city fills in, submits and follows; staff and experts verify."""

import base64
import html
import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from activator.core.models import AuditEntry
from activator.index import services
from activator.index.enums import AssessmentStatus, Verification
from activator.index.frameworks import SHIPPED
from activator.index.models import Assessment, CityResult, FrameworkVersion, Indicator, Value

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n% evidence\n"


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "public"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


def text_of(response) -> str:
    content = re.sub(r"<[^>]+>", " ", response.content.decode())
    return re.sub(r"\s+", " ", html.unescape(content))


def follow(client, response) -> str:
    """The text of the page a redirect leads to, with the messages it carries."""
    assert response.status_code == 302, response.status_code
    return text_of(client.get(response.url))


def url(name, assessment, *args):
    return reverse(f"index:{name}", args=[assessment.pk, *args])


def section_url(assessment, code):
    return url("assessment_section", assessment, code)


def field(indicator, part):
    return f"i{indicator.pk}-{part}"


def indicators(version, group_code):
    return list(
        Indicator.objects.filter(version=version, group__code=group_code).order_by("position")
    )


def levels_post(version, group_code, level=3, **extra):
    """A section's POST with every question of `group_code` answered at `level`."""
    data = {field(i, "value"): str(level) for i in indicators(version, group_code)}
    data.update(extra)
    return data


def answer_all(client, assessment, level=3):
    for code in (
        assessment.version.groups.filter(indicators__isnull=False)
        .values_list("code", flat=True)
        .distinct()
    ):
        response = client.post(
            section_url(assessment, code), levels_post(assessment.version, code, level)
        )
        assert response.status_code == 302, text_of(response)


@pytest.fixture
def draft(survey, city, representative):
    return services.assessment_start(
        actor=representative, organisation=city, version=survey, year=2026
    )


@pytest.fixture
def submitted(draft, representative, django_capture_on_commit_callbacks):
    entries = {
        i: services.ValueInput(value=3, source="City statistics")
        for i in Indicator.objects.filter(version=draft.version)
    }
    assert services.values_save(actor=representative, assessment=draft, entries=entries) == {}
    with django_capture_on_commit_callbacks(execute=True):
        services.assessment_submit(actor=representative, assessment=draft)
    draft.refresh_from_db()
    return draft


# The whole way: start, fill, submit, answer a query


def test_city_starts_fills_submits_and_answers_a_query(
    client, survey, city, representative, staff, django_capture_on_commit_callbacks
):
    client.force_login(representative)
    page = client.get(reverse("index:assessment_new"))
    assert page.status_code == 200
    assert f'name="year" value="{timezone.now().year}"' in page.content.decode()

    response = client.post(
        reverse("index:assessment_new"),
        {"organisation": city.pk, "version": survey.pk, "year": 2026},
    )
    assessment = Assessment.objects.get(organisation=city, version=survey, year=2026)
    assert response.url == assessment.get_absolute_url()
    assert assessment.status == AssessmentStatus.DRAFT
    assert assessment.created_by == representative
    overview = follow(client, response)
    assert "The assessment was started." in overview
    assert "0 of 24 answered" in overview

    # Fill one section; the saved answers and sources are shown again.
    gov = indicators(survey, "GOV")
    data = levels_post(survey, "GOV", 4)
    data[field(gov[0], "source")] = "Smart city strategy 2025"
    data[field(gov[0], "link")] = "https://seoul.example.org/strategy"
    response = client.post(section_url(assessment, "GOV"), data)
    assert response.url == section_url(assessment, "GOV")
    page = client.get(response.url)
    body = page.content.decode()
    assert "Saved." in text_of(page)
    for indicator in gov:
        assert re.search(rf'name="{field(indicator, "value")}" value="4"[^>]*checked', body)
    assert 'value="Smart city strategy 2025"' in body
    assert 'value="https://seoul.example.org/strategy"' in body
    assert sorted(assessment.values.values_list("value", flat=True)) == [4.0] * 4
    assert "4/4" in text_of(page)

    # Bad input: a level out of range and a broken link; nothing on the page is saved.
    peo = indicators(survey, "PEO")
    data = levels_post(survey, "PEO", 2)
    data[field(peo[1], "value")] = "7"
    data[field(peo[2], "link")] = "not a link"
    response = client.post(section_url(assessment, "PEO"), data)
    assert response.status_code == 400
    page = text_of(response)
    assert "Nothing was saved: please correct the values marked below." in page
    assert "Select a valid choice. 7 is not one of the available choices." in page
    assert "Evidence link: Enter a valid URL." in page
    assert not assessment.values.filter(indicator__in=peo).exists()

    # Submitting too early is refused, naming the questions still open.
    response = client.post(url("assessment_submit", assessment))
    page = follow(client, response)
    assert "Answer every question first; 20 still open: PEO-1, PEO-2" in page
    assert "20 questions are still unanswered" in page
    assert "PEO-1" in page and "ENV-4" in page
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.DRAFT

    answer_all(client, assessment, level=3)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("assessment_submit", assessment))
    assert response.url == assessment.get_absolute_url()
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.SUBMITTED
    assert assessment.submitted_by == representative
    page = follow(client, response)
    assert "The assessment was submitted." in page
    assert "Submitted on" in page

    # Submitted values are locked: the section shows them read-only and says why.
    page = client.get(section_url(assessment, "GOV"))
    assert field(gov[0], "value") not in page.content.decode()
    assert "Only the values a reviewer queried or rejected can be changed now" in text_of(page)
    assert "Level 3" in text_of(page)
    response = client.post(section_url(assessment, "GOV"), levels_post(survey, "GOV", 5))
    assert "Nothing on this page can be changed now." in follow(client, response)
    assert set(assessment.values.filter(indicator__in=gov).values_list("value", flat=True)) == {3.0}

    # Staff query one value with a comment; the city sees the comment and fixes the value.
    client.force_login(staff)
    queried = assessment.values.get(indicator=gov[0])
    response = client.post(
        url("assessment_verify", assessment),
        {
            "value": queried.pk,
            f"v{queried.pk}-verification": "queried",
            f"v{queried.pk}-comment": "Level 3 needs an adopted budget line; please attach it.",
        },
    )
    assert response.status_code == 302
    queried.refresh_from_db()
    assert queried.verification == Verification.QUERIED
    assert queried.verified_by == staff

    client.force_login(representative)
    overview = text_of(client.get(assessment.get_absolute_url()))
    assert "Values to look at again" in overview
    assert "Level 3 needs an adopted budget line; please attach it." in overview
    assert (
        section_url(assessment, "GOV") + f"#ind-{gov[0].pk}"
        in client.get(assessment.get_absolute_url()).content.decode()
    )
    page = client.get(section_url(assessment, "GOV"))
    body = page.content.decode()
    assert field(gov[0], "value") in body
    assert field(gov[1], "value") not in body
    assert "Reviewer's comment: Level 3 needs an adopted budget line" in text_of(page)
    response = client.post(
        section_url(assessment, "GOV"),
        {
            field(gov[0], "value"): "2",
            field(gov[0], "source"): "Budget 2026",
            field(gov[0], "file"): SimpleUploadedFile("budget.pdf", PDF, "application/pdf"),
        },
    )
    assert response.status_code == 302
    queried.refresh_from_db()
    assert queried.value == 2.0
    assert queried.verification == Verification.PENDING
    assert queried.evidence_file.name.endswith(".pdf")
    assert AuditEntry.objects.filter(
        action="assessment.value_answered", object_id=str(assessment.pk), note="GOV-1"
    ).exists()


def test_save_and_next_goes_to_the_next_section(client, draft, representative):
    client.force_login(representative)
    response = client.post(
        section_url(draft, "GOV"), levels_post(draft.version, "GOV", 2, next="1")
    )
    assert response.url == section_url(draft, "PEO")
    response = client.post(
        section_url(draft, "ENV"), levels_post(draft.version, "ENV", 2, next="1")
    )
    assert response.url == draft.get_absolute_url()
    assert draft.values.count() == 8


def test_blank_questions_store_nothing(client, draft, representative):
    """A section saved untouched creates no empty rows."""
    client.force_login(representative)
    response = client.post(section_url(draft, "GOV"), {})
    assert response.status_code == 302
    assert not draft.values.exists()


def test_htmx_save_answers_with_the_saved_status_and_the_swapped_pieces(
    client, draft, representative
):
    client.force_login(representative)
    gov = indicators(draft.version, "GOV")
    data = {
        field(gov[0], "value"): "5",
        field(gov[0], "file"): SimpleUploadedFile("plan.pdf", PDF, "application/pdf"),
    }
    response = client.post(section_url(draft, "GOV"), data, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    body = response.content.decode()
    assert re.search(r'<p id="save-status"[^>]*role="status"', body)
    assert re.search(r"Saved at \d\d:\d\d\.", text_of(response))
    assert "1 of 4 answered in this section." in text_of(response)
    assert f'id="ind-{gov[0].pk}-evidence" class="assess-evidence" hx-swap-oob="true"' in body
    value = draft.values.get(indicator=gov[0])
    assert reverse("index:evidence", args=[value.pk]) in body
    assert f'name="{field(gov[0], "remove")}"' in body

    response = client.post(
        section_url(draft, "GOV"),
        {field(gov[0], "value"): "5", field(gov[1], "value"): "9"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    page = text_of(response)
    assert "Not saved: correct the indicator marked below; nothing on this page was saved." in page
    assert "Select a valid choice. 9 is not one of the available choices." in page
    assert "hx-swap-oob" in response.content.decode()
    assert draft.values.count() == 1

    response = client.post(
        section_url(draft, "GOV"),
        {field(gov[0], "value"): "5", field(gov[0], "remove"): "on"},
        HTTP_HX_REQUEST="true",
    )
    value.refresh_from_db()
    assert not value.evidence_file


def test_section_form_shows_the_five_level_descriptors_and_the_help(client, draft, representative):
    client.force_login(representative)
    page = client.get(section_url(draft, "GOV"))
    body = page.content.decode()
    indicator = indicators(draft.version, "GOV")[0]
    assert 'hx-post="' in body and 'hx-trigger="change"' in body
    for level, text in enumerate(indicator.question_levels, start=1):
        assert f"Level {level} {text}" in text_of(page)
    assert indicator.question_help in text_of(page)
    assert client.get(section_url(draft, "NOPE")).status_code == 404


def test_indicator_values_take_a_number_with_unit_and_a_source(client, u4ssc, city, representative):
    assessment = services.assessment_start(
        actor=representative, organisation=city, version=u4ssc, year=2025
    )
    client.force_login(representative)
    group = u4ssc.groups.filter(indicators__isnull=False).order_by("position").first()
    first, second = indicators(u4ssc, group.code)[:2]
    page = client.get(section_url(assessment, group.code))
    assert f'type="number" name="{field(first, "value")}"' in page.content.decode()
    assert first.unit in text_of(page)
    response = client.post(
        section_url(assessment, group.code),
        {
            field(first, "value"): "98.5",
            field(first, "source"): "Statistics Korea",
            field(second, "value"): "140",
            field(second, "file"): SimpleUploadedFile("fake.pdf", b"MZ\x90\x00", "application/pdf"),
        },
    )
    assert response.status_code == 400
    page = text_of(response)
    assert "A percentage lies between 0 and 100." in page
    assert "Evidence file: The file's content does not match its .pdf name." in page
    assert not assessment.values.exists()

    response = client.post(
        section_url(assessment, group.code),
        {field(first, "value"): "98.5", field(first, "source"): "Statistics Korea"},
    )
    assert response.status_code == 302
    value = assessment.values.get()
    assert (value.value, value.source) == (98.5, "Statistics Korea")
    assert 'value="98.5"' in client.get(response.url).content.decode()


# Starting


def test_start_offers_only_the_cities_one_represents(
    client, survey, city, other_city, representative
):
    client.force_login(representative)
    page = client.get(reverse("index:assessment_new"))
    body = page.content.decode()
    assert f'<option value="{city.pk}" selected>Seoul</option>' in body
    assert "Abuja" not in body
    response = client.post(
        reverse("index:assessment_new"),
        {"organisation": other_city.pk, "version": survey.pk, "year": 2026},
    )
    assert response.status_code == 400
    assert "Select a valid choice." in text_of(response)
    assert not Assessment.objects.exists()


def test_start_shows_the_service_refusal_on_the_form(client, draft, representative, city):
    client.force_login(representative)
    response = client.post(
        reverse("index:assessment_new"),
        {"organisation": city.pk, "version": draft.version.pk, "year": 2026},
    )
    assert response.status_code == 400
    assert "Seoul already has an assessment for Smart City Diagnostic Survey 2026 in 2026." in (
        text_of(response)
    )
    response = client.post(
        reverse("index:assessment_new"),
        {"organisation": city.pk, "version": draft.version.pk, "year": 1999},
    )
    assert "Ensure this value is greater than or equal to 2000." in text_of(response)


def test_staff_type_any_city_with_suggestions(client, survey, staff, city, organisation_factory):
    for n in range(25):
        organisation_factory(name=f"Town {n:02}")
    organisation_factory(name="Acme Corp", type="corporation")
    client.force_login(staff)
    page = client.get(reverse("index:assessment_new"))
    body = page.content.decode()
    assert 'list="city-suggestions"' in body
    assert '<option value="Town 07">' in body
    assert "Acme Corp" not in body
    response = client.post(
        reverse("index:assessment_new"),
        {"organisation": "seoul", "version": survey.pk, "year": 2025},
    )
    assessment = Assessment.objects.get()
    assert (assessment.organisation, assessment.year) == (city, 2025)
    assert response.url == assessment.get_absolute_url()
    response = client.post(
        reverse("index:assessment_new"),
        {"organisation": "Atlantis", "version": survey.pk, "year": 2025},
    )
    assert "No city you may start an assessment for is called Atlantis." in text_of(response)


def test_people_without_a_city_cannot_start(client, survey, citizen, reviewer):
    for person in (citizen, reviewer):
        client.force_login(person)
        assert client.get(reverse("index:assessment_new")).status_code == 403
    client.logout()
    response = client.get(reverse("index:assessment_new"))
    assert response.status_code == 302 and "/login" in response.url


# The list


def test_list_shows_progress_verdicts_and_report_links(
    client, submitted, survey, other_city, staff, representative, compute
):
    other = services.assessment_start(
        actor=staff, organisation=other_city, version=survey, year=2025
    )
    compute(survey, 2026)
    result = CityResult.objects.get(assessment=submitted)
    client.force_login(representative)
    page = client.get(reverse("index:assessments"))
    text = text_of(page)
    assert "1 assessment" in text
    assert "Seoul" in text and "Abuja" not in text
    assert "24 of 24 answered" in text
    assert "24 to verify" in text
    assert reverse("index:report", args=[result.assessment_id]) in page.content.decode()
    assert 'name="status"' not in page.content.decode()  # filters are for staff
    detail = client.get(submitted.get_absolute_url()).content.decode()
    assert reverse("index:report", args=[result.assessment_id]) in detail

    client.force_login(staff)
    page = client.get(reverse("index:assessments"))
    assert "2 assessments" in text_of(page)
    page = client.get(reverse("index:assessments"), {"status": "draft"})
    assert "1 assessment" in text_of(page) and "Abuja" in text_of(page)
    assert other.get_absolute_url() in page.content.decode()
    page = client.get(reverse("index:assessments"), {"year": 2026, "version": survey.pk})
    assert "1 assessment" in text_of(page) and "Seoul" in text_of(page)
    page = client.get(reverse("index:assessments"), {"year": 1990})
    assert "No assessment matches these filters." in text_of(page)


def test_empty_list_invites_to_start(client, representative, contact):
    client.force_login(representative)
    page = client.get(reverse("index:assessments"))
    assert "There is no assessment to show yet." in text_of(page)
    assert reverse("index:assessment_new") in page.content.decode()
    client.force_login(contact)
    page = client.get(reverse("index:assessments"))
    assert reverse("index:assessment_new") not in page.content.decode()


def _queries(client, path) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return len(queries)


def test_list_query_count_does_not_grow_with_rows(
    client, survey, staff, answer_survey, organisation_factory, django_assert_max_num_queries
):
    answer_survey(survey, organisation_factory(name="City A"))
    client.force_login(staff)
    path = reverse("index:assessments")
    few = _queries(client, path)
    for n in range(6):
        answer_survey(survey, organisation_factory(name=f"City B{n}"), submit=n % 2 == 0)
    with django_assert_max_num_queries(few):
        assert "7 assessments" in text_of(client.get(path))


def test_section_query_count_does_not_grow_with_values(
    client, draft, representative, django_assert_max_num_queries
):
    client.force_login(representative)
    path = section_url(draft, "GOV")
    few = _queries(client, path)
    gov = indicators(draft.version, "GOV")
    client.post(
        path,
        {
            **levels_post(draft.version, "GOV", 4),
            **{field(i, "source"): "Statistics" for i in gov},
            **{
                field(i, "file"): SimpleUploadedFile(f"e{i.pk}.pdf", PDF, "application/pdf")
                for i in gov
            },
        },
    )
    assert draft.values.exclude(evidence_file="").count() == 4
    with django_assert_max_num_queries(few):
        assert client.get(path).status_code == 200


def test_verify_page_query_count_does_not_grow_with_values(
    client, submitted, staff, django_assert_max_num_queries
):
    client.force_login(staff)
    path = url("assessment_verify", submitted)
    Value.objects.filter(pk__in=list(submitted.values.values_list("pk", flat=True)[:2])).delete()
    few = _queries(client, path)
    submitted.values.update(verification=Verification.VERIFIED, verified_by=staff)
    with django_assert_max_num_queries(few):
        assert client.get(path).status_code == 200


# Who sees a draft, and what experts see


PAGES = ["assessment", "assessment_section", "assessment_verify", "assessment_history"]


def _page(name, assessment):
    return section_url(assessment, "GOV") if name == "assessment_section" else url(name, assessment)


@pytest.mark.parametrize("persona", ["other_representative", "reviewer", "citizen"], indirect=True)
@pytest.mark.parametrize("name", PAGES)
def test_a_draft_is_hidden_from_people_outside_the_city(client, draft, persona, name):
    client.force_login(persona)
    response = client.get(_page(name, draft))
    assert response.status_code == 404
    assert "Seoul" not in text_of(response)


@pytest.mark.parametrize("name", PAGES)
def test_a_draft_sends_anonymous_visitors_to_log_in(client, draft, name):
    response = client.get(_page(name, draft))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


@pytest.mark.parametrize(
    "persona", ["representative", "contact", "staff", "regional_officer"], indirect=True
)
def test_a_draft_is_open_to_its_city_and_staff(client, draft, persona):
    client.force_login(persona)
    for name in ("assessment", "assessment_section", "assessment_history"):
        response = client.get(_page(name, draft))
        assert response.status_code == 200, name
        assert "Seoul" in text_of(response)


def test_contacts_read_but_do_not_change(client, draft, contact):
    client.force_login(contact)
    page = client.get(section_url(draft, "GOV"))
    assert "You can read this assessment but not change it" in text_of(page)
    assert 'id="section-form"' not in page.content.decode()
    response = client.post(section_url(draft, "GOV"), levels_post(draft.version, "GOV"))
    assert response.status_code == 403
    assert client.post(url("assessment_submit", draft)).status_code == 403
    assert not draft.values.exists()


def test_verify_waits_for_submission(client, draft, staff, representative):
    client.force_login(staff)
    response = client.get(url("assessment_verify", draft))
    assert response.url == draft.get_absolute_url()
    assert "Values are verified once the city submits the assessment." in follow(client, response)
    client.force_login(representative)
    assert client.get(url("assessment_verify", draft)).status_code == 403


def test_a_named_expert_sees_the_assessment_once_submitted(
    client, draft, staff, reviewer, representative, django_capture_on_commit_callbacks
):
    client.force_login(staff)
    page = client.get(draft.get_absolute_url())
    assert "reviewer@example.org" in page.content.decode() or reviewer.full_name in text_of(page)
    response = client.post(url("assessment_experts", draft), {"experts": [reviewer.pk]})
    assert response.status_code == 302
    assert list(draft.experts.all()) == [reviewer]
    assert AuditEntry.objects.filter(action="assessment.experts").exists()

    client.force_login(reviewer)
    for name in PAGES:
        assert client.get(_page(name, draft)).status_code == 404, name
    assert "Seoul" not in text_of(client.get(reverse("index:assessments")))

    client.force_login(representative)
    answer_all(client, draft)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url("assessment_submit", draft))

    client.force_login(reviewer)
    assert "Seoul" in text_of(client.get(reverse("index:assessments")))
    page = client.get(draft.get_absolute_url())
    assert page.status_code == 200
    assert url("assessment_verify", draft) in page.content.decode()
    assert 'action="' + url("assessment_reopen", draft) not in page.content.decode()
    value = draft.values.order_by("indicator__position").first()
    response = client.post(
        url("assessment_verify", draft),
        {"value": value.pk, f"v{value.pk}-verification": "verified"},
    )
    assert response.status_code == 302
    value.refresh_from_db()
    assert (value.verification, value.verified_by) == (Verification.VERIFIED, reviewer)
    assert client.post(url("assessment_reopen", draft), {"reason": "x"}).status_code == 403
    assert client.post(url("assessment_experts", draft), {"experts": []}).status_code == 403


def test_only_reviewers_can_be_named_experts(client, draft, staff, citizen, reviewer):
    client.force_login(staff)
    response = client.post(url("assessment_experts", draft), {"experts": [citizen.pk]})
    assert response.status_code == 400
    assert "Select a valid choice." in text_of(response)
    assert not draft.experts.exists()


# Verifying


def test_verdict_errors_show_on_the_row_and_nothing_changes(client, submitted, staff):
    client.force_login(staff)
    value = submitted.values.order_by("indicator__position").first()
    page = client.get(url("assessment_verify", submitted))
    assert "City statistics" in text_of(page)
    response = client.post(
        url("assessment_verify", submitted),
        {"value": value.pk, f"v{value.pk}-verification": "rejected", f"v{value.pk}-comment": " "},
    )
    assert response.status_code == 400
    assert "Say what is wrong, so the city can answer." in text_of(response)
    assert 'class="assess-row-invalid"' in response.content.decode()
    value.refresh_from_db()
    assert value.verification == Verification.PENDING

    response = client.post(
        url("assessment_verify", submitted),
        {"value": value.pk, f"v{value.pk}-verification": "rejected", f"v{value.pk}-comment": "No"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith(f'<tr id="value-{value.pk}"')
    assert "Rejected" in text_of(response) and "Saved." in text_of(response)
    value.refresh_from_db()
    assert (value.verification, value.comment) == (Verification.REJECTED, "No")


def test_verify_all_pending_at_once(client, submitted, staff):
    client.force_login(staff)
    first = submitted.values.order_by("indicator__position").first()
    services.value_verify(actor=staff, value=first, verdict="queried", comment="Why?")
    response = client.post(url("assessment_verify", submitted), {"action": "verify_pending"})
    assert "23 values were marked verified." in follow(client, response)
    assert submitted.values.filter(verification=Verification.VERIFIED).count() == 23
    first.refresh_from_db()
    assert first.verification == Verification.QUERIED


def test_staff_reopen_with_a_reason(client, submitted, staff, representative):
    client.force_login(representative)
    assert client.post(url("assessment_reopen", submitted), {"reason": "x"}).status_code == 403
    client.force_login(staff)
    response = client.post(url("assessment_reopen", submitted), {"reason": ""})
    assert response.status_code == 400
    assert "This field is required." in text_of(response)
    response = client.post(url("assessment_reopen", submitted), {"reason": "Wrong year."})
    assert "The assessment is a draft again" in follow(client, response)
    submitted.refresh_from_db()
    assert submitted.status == AssessmentStatus.DRAFT
    history = text_of(client.get(url("assessment_history", submitted)))
    assert "assessment.reopened" in history and "Wrong year." in history
    assert "assessment.submitted" in history


# Evidence files


@pytest.fixture
def evidence_value(draft, representative):
    indicator = indicators(draft.version, "GOV")[0]
    entry = services.ValueInput(
        value=3, evidence_file=SimpleUploadedFile("strategy.pdf", PDF, "application/pdf")
    )
    assert (
        services.values_save(actor=representative, assessment=draft, entries={indicator: entry})
        == {}
    )
    return draft.values.get(indicator=indicator)


def test_evidence_downloads_to_the_city_only(
    client, evidence_value, representative, staff, other_representative
):
    path = reverse("index:evidence", args=[evidence_value.pk])
    for person in (representative, staff):
        client.force_login(person)
        response = client.get(path)
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == PDF
        assert response["Content-Disposition"] == 'attachment; filename="strategy.pdf"'
        assert response["Cache-Control"] == "private, no-store"
    assert (
        "/media/" not in client.get(section_url(evidence_value.assessment, "GOV")).content.decode()
    )
    client.force_login(other_representative)
    assert client.get(path).status_code == 404  # not even confirmed to exist
    client.logout()
    response = client.get(path)
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))


def test_evidence_without_a_file_is_not_found(client, draft, representative):
    indicator = indicators(draft.version, "GOV")[0]
    services.values_save(
        actor=representative,
        assessment=draft,
        entries={indicator: services.ValueInput(value=2)},
    )
    client.force_login(representative)
    value = draft.values.get()
    assert client.get(reverse("index:evidence", args=[value.pk])).status_code == 404


# Submitting straight to the report


@pytest.mark.django_db(transaction=True)
def test_submit_goes_to_the_report_once_computed(client, survey, city, representative):
    assessment = services.assessment_start(
        actor=representative, organisation=city, version=survey, year=2026
    )
    client.force_login(representative)
    answer_all(client, assessment, level=4)
    response = client.post(url("assessment_submit", assessment))
    result = CityResult.objects.get(assessment=assessment)
    assert response.url == reverse("index:report", args=[result.assessment_id])


# Imports


CSV_GOOD = "city,year,indicator,value,source\nSeoul,2026,GOV-1,3,Survey\nAbuja,2026,GOV-1,4,\n"


def _csv(text, name="values.csv"):
    return SimpleUploadedFile(name, text.encode("utf-8"), "text/csv")


def test_import_dry_run_names_every_bad_row_and_saves_nothing(
    client, survey, city, other_city, staff
):
    client.force_login(staff)
    text = (
        "city,year,indicator,value\n"
        "Seoul,2026,GOV-1,3\n"
        "Gotham,2026,GOV-1,3\n"
        "Seoul,20x6,GOV-2,3\n"
        "Seoul,2026,NOPE-9,3\n"
        "Abuja,2026,GOV-1,8\n"
        "Seoul,2026,GOV-1,4\n"
    )
    response = client.post(
        reverse("index:import"),
        {"version": survey.pk, "file": _csv(text), "action": "check"},
    )
    assert response.status_code == 200
    page = text_of(response)
    assert "The file cannot be imported yet" in page
    assert "Rows read 6" in page
    for line, message in [
        (3, "Unknown city “Gotham”."),
        (4, "Year “20x6” is not a year."),
        (5, "Unknown indicator “NOPE-9” in Smart City Diagnostic Survey 2026."),
        (6, "GOV-1: Choose a level from 1 to 5."),
        (7, "Same city, year and indicator as line 2."),
    ]:
        assert f"{line} {message}" in page
    assert "Import these" not in page
    assert not Value.objects.exists() and not Assessment.objects.exists()

    response = client.post(
        reverse("index:import"),
        {"version": survey.pk, "file": _csv(text), "action": "import"},
    )
    assert response.status_code == 400
    assert not Value.objects.exists() and not Assessment.objects.exists()


def test_import_checks_then_applies_the_carried_file(client, survey, city, other_city, staff):
    client.force_login(staff)
    response = client.post(
        reverse("index:import"),
        {"version": survey.pk, "file": _csv(CSV_GOOD), "action": "check"},
    )
    page = text_of(response)
    assert "The file can be imported" in page
    assert "Values 2" in page and "New assessments 2" in page
    carried = re.search(r'name="content" value="([^"]+)"', response.content.decode()).group(1)
    assert base64.b64decode(carried).decode() == CSV_GOOD
    assert not Value.objects.exists()

    response = client.post(
        reverse("index:import"),
        {"version": survey.pk, "content": carried, "action": "import"},
    )
    assert "2 values were imported. 2 new assessments were started." in follow(client, response)
    assert sorted(Value.objects.values_list("assessment__organisation__name", "value")) == [
        ("Abuja", 4.0),
        ("Seoul", 3.0),
    ]
    assert Value.objects.get(assessment__organisation=city).source == "Survey"


def test_import_refuses_files_it_cannot_read(client, survey, staff, representative):
    client.force_login(staff)
    response = client.post(
        reverse("index:import"),
        {"version": survey.pk, "file": SimpleUploadedFile("v.csv", "é".encode("latin-1"))},
    )
    assert response.status_code == 400
    assert "The file is not UTF-8 text" in text_of(response)
    response = client.post(reverse("index:import"), {"version": survey.pk, "action": "check"})
    assert "Choose a CSV file." in text_of(response)
    page = text_of(client.get(reverse("index:import")))
    assert "city,year,indicator,value,source" in page
    client.force_login(representative)
    assert client.get(reverse("index:import")).status_code == 403


def test_framework_import_lists_the_problems_with_their_paths(client, staff, representative):
    client.force_login(staff)
    document = json.loads((SHIPPED / "six-pillar-survey.json").read_text())
    document["version"] = "2027"
    document["groups"][0]["indicators"][1]["code"] = ""
    document["method"]["min_coverage"] = 3
    upload = SimpleUploadedFile("bad.json", json.dumps(document).encode(), "application/json")
    response = client.post(reverse("index:framework_import"), {"file": upload})
    assert response.status_code == 400
    page = text_of(response)
    assert "The framework was not imported: 2 problems, listed below." in page
    assert "groups[0].indicators[1].code is required" in page
    assert "method.min_coverage must be between 0 and 1" in page
    assert not FrameworkVersion.objects.exists()

    response = client.post(
        reverse("index:framework_import"),
        {"file": SimpleUploadedFile("bad.json", b"{not json", "application/json")},
    )
    assert "The file is not valid JSON (line 1, column 2" in text_of(response)
    response = client.post(
        reverse("index:framework_import"),
        {"file": SimpleUploadedFile("f.txt", b"{}", "text/plain")},
    )
    assert "Choose a .json file." in text_of(response)

    document = json.loads((SHIPPED / "six-pillar-survey.json").read_text())
    upload = SimpleUploadedFile("ok.json", json.dumps(document).encode(), "application/json")
    response = client.post(reverse("index:framework_import"), {"file": upload})
    assert response.url == reverse("index:framework", args=["six-pillar-survey", "2026"])
    assert FrameworkVersion.objects.get().indicators.count() == 24

    client.force_login(representative)
    assert client.get(reverse("index:framework_import")).status_code == 403


def test_htmx_answer_to_a_query_reloads_the_locked_section(
    client, submitted, staff, representative
):
    value = submitted.values.order_by("indicator__position").first()
    services.value_verify(actor=staff, value=value, verdict="rejected", comment="Not credible.")
    client.force_login(representative)
    response = client.post(
        section_url(submitted, "GOV"),
        {field(value.indicator, "value"): "2", field(value.indicator, "source"): "Audit 2026"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 204
    assert response["HX-Refresh"] == "true"
    value.refresh_from_db()
    assert (value.value, value.verification) == (2.0, Verification.PENDING)
    page = text_of(client.get(section_url(submitted, "GOV")))
    assert "Saved. The changed values go back to verification." in page
    assert "Level 2" in page


def test_list_is_paginated(client, survey, staff, organisation_factory):
    for n in range(27):
        Assessment.objects.create(
            version=survey, organisation=organisation_factory(name=f"City {n:02}"), year=2026
        )
    client.force_login(staff)
    page = client.get(reverse("index:assessments"))
    assert "27 assessments" in text_of(page)
    assert "City 24" in text_of(page) and "City 25" not in text_of(page)
    page = client.get(reverse("index:assessments"), {"page": 2})
    assert "City 25" in text_of(page) and "City 26" in text_of(page)
    assert "City 00" not in text_of(page)
