"""The project workspace pages: what a person sees, what is saved, and what is refused."""

import datetime
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from activator.core.models import AuditEntry
from activator.projects import services
from activator.projects.models import (
    Funding,
    Kpi,
    KpiValue,
    Milestone,
    Project,
    ProjectFile,
    ProjectLink,
    ProjectPartner,
    ProjectTemplate,
    StageChange,
    TemplateKpi,
    TemplateMilestone,
)
from tests.factories import (
    MembershipFactory,
    ProjectTemplateFactory,
    TemplateKpiFactory,
    TemplateMilestoneFactory,
)

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
TODAY = timezone.localdate()


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = settings.PRIVATE_MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def project(city, make_project, taxonomy):
    """A project of Seoul shared with the network, with a sector and a pillar."""
    return make_project(
        city,
        title="Smart parking pilot",
        visibility="members",
        sectors=[taxonomy["sectors"][0]],
        pillars=[taxonomy["pillars"][0]],
    )


def url(name, project, *args):
    return reverse(f"projects:{name}", args=[project.slug, *args])


def html_of(response) -> str:
    return response.content.decode()


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def follow_messages(client, response) -> str:
    """The page a redirect leads to, with the message it carries."""
    assert response.status_code == 302, response.status_code
    return html_of(client.get(response.url))


# The list


def titles(response) -> list[str]:
    return [p.title for p in response.context["projects"]]


def test_list_needs_a_login(client, city):
    response = client.get(reverse("projects:list"))
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))


def test_list_shows_what_the_person_may_see_own_organisation_first(
    client, city, other_city, make_project, representative, other_representative
):
    make_project(city, title="Seoul internal", visibility="organisation")
    make_project(other_city, title="Abuja internal", visibility="organisation")
    make_project(other_city, title="Abuja shared", visibility="members")
    make_project(other_city, title="Abuja public", visibility="public")
    client.force_login(representative)
    response = client.get(reverse("projects:list"))
    # Seoul's project first although Abuja's were changed later; Abuja's internal one hidden.
    assert titles(response) == ["Seoul internal", "Abuja public", "Abuja shared"]
    assert "Yours" in html_of(response)
    client.force_login(other_representative)
    assert titles(client.get(reverse("projects:list"))) == [
        "Abuja public",
        "Abuja shared",
        "Abuja internal",
    ]


def test_list_citizen_sees_public_projects_and_no_new_project_button(
    client, city, make_project, citizen, representative
):
    make_project(city, title="Open data portal", visibility="public")
    make_project(city, title="Network only", visibility="members")
    client.force_login(citizen)
    response = client.get(reverse("projects:list"))
    assert titles(response) == ["Open data portal"]
    assert "New project" not in html_of(response)
    client.force_login(representative)
    assert "New project" in html_of(client.get(reverse("projects:list")))


def test_list_search_and_filters(client, city, make_project, representative):
    make_project(city, title="Smart parking pilot", summary="Sensors in car parks.")
    make_project(city, title="Waste bins", summary="Bins that call.", stage="pilot")
    make_project(city, title="Open data", summary="A portal.", visibility="public")
    client.force_login(representative)
    list_url = reverse("projects:list")
    assert titles(client.get(list_url, {"q": "parking"})) == ["Smart parking pilot"]
    assert titles(client.get(list_url, {"stage": "pilot"})) == ["Waste bins"]
    assert titles(client.get(list_url, {"visibility": "public"})) == ["Open data"]
    assert titles(client.get(list_url, {"q": "bins", "stage": "idea"})) == []
    empty = client.get(list_url, {"q": "atlantis"})
    assert "No project matches these filters." in html_of(empty)
    bad = client.get(list_url, {"stage": "castle"})
    assert bad.status_code == 200 and titles(bad) == []
    assert "Some filters are not valid." in html_of(bad)


def test_list_empty_state_offers_to_start_a_project(client, city, representative):
    client.force_login(representative)
    html = html_of(client.get(reverse("projects:list")))
    assert "There are no projects to show yet." in html
    assert reverse("projects:create") in html


def test_list_paginates_and_keeps_the_filters(client, city, make_project, representative):
    for n in range(23):
        make_project(city, title=f"Project {n:02d}", stage="pilot")
    client.force_login(representative)
    page2 = client.get(reverse("projects:list"), {"stage": "pilot", "page": 2})
    assert titles(page2) == ["Project 02", "Project 01", "Project 00"]
    assert "stage=pilot&amp;page=1" in html_of(page2)


def test_list_htmx_request_gets_only_the_results(client, city, make_project, representative):
    make_project(city, title="Smart parking pilot")
    client.force_login(representative)
    response = client.get(reverse("projects:list"), HTTP_HX_REQUEST="true")
    html = html_of(response)
    assert "<html" not in html and "Smart parking pilot" in html


def _count_queries(client, page_url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(page_url).status_code == 200
    return len(queries)


def test_list_queries_do_not_grow_with_rows(
    client, city, other_city, make_project, representative, taxonomy, django_assert_num_queries
):
    make_project(city, title="First", sectors=taxonomy["sectors"][:2])
    client.force_login(representative)
    list_url = reverse("projects:list")
    few = _count_queries(client, list_url)
    for n in range(15):
        make_project(
            city if n % 2 else other_city,
            title=f"Project {n}",
            visibility="public",
            sectors=taxonomy["sectors"],
        )
    with django_assert_num_queries(few):
        assert len(titles(client.get(list_url))) == 16


# Starting a project


def test_representative_creates_a_project_for_their_city(client, city, representative, taxonomy):
    client.force_login(representative)
    form = client.get(reverse("projects:create")).context["form"]
    assert list(form.fields["organisation"].queryset) == [city]
    assert form.fields["organisation"].initial == city
    traffic = taxonomy["sectors"][0]
    goal = taxonomy["sdgs"][0]
    response = client.post(
        reverse("projects:create"),
        {
            "organisation": city.pk,
            "title": "Smart Crosswalks",
            "summary": "Crossings that light up.",
            "stage": "pilot",
            "sectors": [traffic.pk],
            "sdgs": [goal.pk],
            "budget_amount": "1500000",
            "budget_currency": "KRW",
            "start_date": "2024-03-01",
            "end_date": "2025-02-28",
            "visibility": "members",
        },
    )
    project = Project.objects.get(title="Smart Crosswalks")
    assert response.url == project.get_absolute_url()
    assert (project.organisation, project.stage, project.budget_currency) == (city, "pilot", "KRW")
    assert list(project.sectors.all()) == [traffic] and list(project.sdgs.all()) == [goal]
    assert project.created_by == representative and project.year == 2024
    page = follow_messages(client, response)
    assert "The project was created." in page
    assert "1,500,000 KRW" in page and "12 months" in page
    assert "Traffic Management" in page and "11. Sustainable Cities and Communities" in page


def test_create_offers_templates_with_counts_and_prefills_milestones_and_kpis(
    client, city, representative
):
    template = ProjectTemplateFactory(name="Smart parking")
    TemplateMilestoneFactory(template=template, title="Survey", months_after_start=0)
    TemplateMilestoneFactory(template=template, title="Sensors installed", months_after_start=3)
    TemplateKpiFactory(template=template, name="Search time", unit="min")
    ProjectTemplateFactory(name="Retired", is_active=False)
    client.force_login(representative)
    page = client.get(reverse("projects:create"))
    html = html_of(page)
    assert "2 milestones" in html and "1 KPI" in html and "Retired" not in html
    chosen = client.get(reverse("projects:create"), {"template": template.slug})
    assert chosen.context["form"]["template"].value() == template.slug
    response = client.post(
        reverse("projects:create"),
        {
            "organisation": city.pk,
            "template": template.slug,
            "title": "Parking Gangnam",
            "stage": "idea",
            "budget_currency": "USD",
            "start_date": "2024-01-31",
            "visibility": "organisation",
        },
    )
    project = Project.objects.get(title="Parking Gangnam")
    assert response.url == project.get_absolute_url()
    assert project.template == template
    assert [(m.title, m.due_date) for m in project.milestones.all()] == [
        ("Survey", datetime.date(2024, 1, 31)),
        ("Sensors installed", datetime.date(2024, 4, 30)),
    ]
    assert [(k.name, k.unit) for k in project.kpis.all()] == [("Search time", "min")]


def test_create_refuses_an_organisation_the_person_does_not_represent(
    client, city, other_city, representative
):
    client.force_login(representative)
    response = client.post(
        reverse("projects:create"),
        {
            "organisation": other_city.pk,
            "title": "Not ours",
            "stage": "idea",
            "budget_currency": "USD",
            "visibility": "organisation",
        },
    )
    assert response.status_code == 400
    assert "organisation" in response.context["form"].errors
    assert not Project.objects.exists()


def test_regional_officer_creates_for_the_organisations_of_their_regions(
    client, city, other_city, regional_officer, asia
):
    busan = MembershipFactory(organisation__name="Busan", organisation__region=asia).organisation
    client.force_login(regional_officer)
    form = client.get(reverse("projects:create")).context["form"]
    assert list(form.fields["organisation"].queryset) == [busan, city]
    assert form.fields["organisation"].initial is None


def test_staff_may_create_for_any_organisation(client, city, other_city, staff):
    client.force_login(staff)
    form = client.get(reverse("projects:create")).context["form"]
    assert set(form.fields["organisation"].queryset) == {city, other_city}


@pytest.mark.parametrize("persona", ["citizen", "reviewer", "contact"])
def test_create_refused_to_people_who_act_for_no_organisation(client, request, city, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("projects:create")).status_code == 403
    response = client.post(
        reverse("projects:create"),
        {"organisation": city.pk, "title": "x", "stage": "idea", "visibility": "public"},
    )
    assert response.status_code == 403
    assert not Project.objects.exists()


def test_create_bad_input_names_the_fields_and_saves_nothing(client, city, representative):
    client.force_login(representative)
    response = client.post(
        reverse("projects:create"),
        {
            "organisation": city.pk,
            "title": "",
            "stage": "someday",
            "budget_amount": "-5",
            "budget_currency": "USD",
            "start_date": "2025-01-01",
            "end_date": "2024-01-01",
            "year": "1800",
            "visibility": "organisation",
        },
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert {"title", "stage", "budget_amount", "end_date", "year"} <= set(errors)
    assert "The end is before the start." in html_of(response)
    assert 'aria-invalid="true"' in html_of(response)
    assert not Project.objects.exists()


# The monitoring page


@pytest.fixture
def full_project(project, staff, taxonomy, other_city, media):
    """The project with one of every part, as its page shows them."""
    actor = staff
    services.project_update(
        actor=actor,
        project=project,
        features="Sensors in every bay\nA map for drivers",
        results="Search time halved",
        budget_amount=Decimal("2500000"),
        budget_currency="EUR",
        start_date=datetime.date(2024, 1, 1),
        end_date=datetime.date(2024, 12, 31),
        sdgs=[taxonomy["sdgs"][1]],
        stage="pilot",
        stage_changed_on=datetime.date(2024, 2, 1),
        stage_note="Council approved the pilot",
    )
    services.funding_add(actor=actor, project=project, source="City budget", type="government")
    services.partner_add(
        actor=actor,
        project=project,
        organisation=other_city,
        role="partner_city",
    )
    services.partner_add(
        actor=actor,
        project=project,
        name="Seoul National University",
        role="academia",
        stakeholder_type=taxonomy["stakeholders"][2],
    )
    services.milestone_save(
        actor=actor, project=project, title="Survey done", status="done", due_date=TODAY
    )
    services.milestone_save(
        actor=actor,
        project=project,
        title="Sensors installed",
        due_date=TODAY - datetime.timedelta(days=10),
    )
    services.milestone_save(actor=actor, project=project, title="Dropped idea", status="cancelled")
    kpi = services.kpi_save(
        actor=actor,
        project=project,
        name="Average search time",
        unit="min",
        baseline=Decimal("12"),
        target=Decimal("6"),
    )
    services.kpi_value_record(
        actor=actor, kpi=kpi, measured_on=datetime.date(2024, 3, 1), value=Decimal("11")
    )
    services.kpi_value_record(
        actor=actor,
        kpi=kpi,
        measured_on=datetime.date(2024, 6, 1),
        value=Decimal("9"),
        note="After phase one",
    )
    services.file_add(
        actor=actor,
        project=project,
        title="Pilot report",
        kind="report",
        file=SimpleUploadedFile("report.pdf", PDF, content_type="application/pdf"),
    )
    services.link_add(actor=actor, project=project, title="City page", url="https://seoul.go.kr")
    project.refresh_from_db()
    return project


def test_detail_shows_what_was_saved(client, full_project, contact):
    client.force_login(contact)
    response = client.get(full_project.get_absolute_url())
    assert response.status_code == 200
    html = html_of(response)
    for text in [
        "Smart parking pilot",
        "Seoul",
        "Network members",
        "2,500,000 EUR",
        "Government budget",
        "City budget",
        "12 months",
        "Traffic Management",
        "Smart Mobility",
        "13. Climate Action",
        "<li>Sensors in every bay</li>",
        "<li>A map for drivers</li>",
        "<li>Search time halved</li>",
        "Abuja",
        "Partner city",
        "Seoul National University",
        "Academia",
        "Council approved the pilot",
        "Average search time",
        "After phase one",
        "Pilot report",
        "https://seoul.go.kr",
    ]:
        assert text in html, text
    # Stage steps: pilot is current, idea passed.
    assert re.search(r'class="stage-step stage-current" aria-current="step">Pilot', html)
    assert 'class="stage-step stage-done">Idea' in html
    # Milestones: one of two counted done (the cancelled one is not counted); one overdue.
    assert '<progress id="milestone-progress" max="2" value="1">' in html
    assert "1 of 2 milestones done" in html and "1 milestone is overdue." in html
    assert html.count('class="badge badge-overdue"') == 1
    # KPI: 12 → 9 towards 6 is half-way; the chart and its table.
    assert 'value="50">50%</progress>' in html
    assert '<svg class="kpi-chart"' in html and 'class="kpi-line"' in html
    assert '<td class="num">9</td>' in html
    # Files download through the checked view, never a media address.
    item = full_project.files.get()
    assert reverse("projects:file_download", args=[full_project.slug, item.pk]) in html
    assert "/media/" not in html
    # A contact sees the project but gets no editing forms.
    assert "Add a partner" not in html and "Publish in the catalog" not in html


def test_detail_carries_no_inline_style_or_script(client, full_project, representative):
    client.force_login(representative)
    html = html_of(client.get(full_project.get_absolute_url()))
    assert "style=" not in html and "<script>" not in html
    assert "<style" not in html
    assert "projects/projects.css" in html


def test_detail_open_ended_project_says_no_planned_end(client, city, make_project, contact):
    project = make_project(
        city, title="Open data", start_date=datetime.date(2023, 5, 1), open_ended=True
    )
    client.force_login(contact)
    assert "No planned end" in html_of(client.get(project.get_absolute_url()))


def test_detail_escapes_what_people_typed_also_in_the_chart(client, project, representative):
    kpi = services.kpi_save(
        actor=representative,
        project=project,
        name="<script>alert(1)</script>",
        unit="<b>u</b>",
        baseline=Decimal(1),
        target=Decimal(2),
    )
    services.kpi_value_record(actor=representative, kpi=kpi, measured_on=TODAY, value=Decimal(1))
    client.force_login(representative)
    html = html_of(client.get(project.get_absolute_url()))
    assert "<script>alert(1)</script>" not in html and "<b>u</b>" not in html
    assert 'aria-label="&lt;script&gt;alert(1)&lt;/script&gt;' in html


def test_detail_editor_sees_the_forms_and_actions(client, project, representative):
    client.force_login(representative)
    html = html_of(client.get(project.get_absolute_url()))
    for text in [
        "Add a partner",
        "Add a funding source",
        "Add a milestone",
        "Add a KPI",
        "Add a file",
        "Add a link",
        "Edit details",
        "History",
        "Publish in the catalog",
        "listed in the catalog as a case study",
        'data-confirm="Delete Smart parking pilot',
    ]:
        assert text in html, text
    assert 'enctype="multipart/form-data"' in html
    assert html.count("csrfmiddlewaretoken") >= 8


def test_detail_of_a_published_project_offers_unpublish_not_delete(
    client, city, make_project, representative
):
    project = make_project(city, publish=True)
    client.force_login(representative)
    html = html_of(client.get(project.get_absolute_url()))
    assert "Take out of the catalog" in html and "Publish in the catalog" not in html
    assert url("delete", project) not in html
    assert reverse("projects:case_study", args=[project.slug]) in html


def test_detail_queries_do_not_grow_with_rows(
    client, project, representative, taxonomy, media, django_assert_num_queries
):
    def add_rows(n):
        for i in range(n):
            kpi = services.kpi_save(actor=representative, project=project, name=f"KPI {i}")
            services.kpi_value_record(
                actor=representative, kpi=kpi, measured_on=TODAY, value=Decimal(i)
            )
            services.milestone_save(
                actor=representative, project=project, title=f"M {i}", due_date=TODAY
            )
            services.partner_add(
                actor=representative,
                project=project,
                name=f"Partner {i}",
                role="consultant",
                stakeholder_type=taxonomy["stakeholders"][1],
            )
            services.funding_add(
                actor=representative, project=project, source=f"F {i}", type="private"
            )
            services.link_add(
                actor=representative, project=project, title=f"L {i}", url="https://a.example"
            )
            services.file_add(
                actor=representative,
                project=project,
                title=f"File {i}",
                kind="data",
                file=SimpleUploadedFile(f"d{i}.csv", b"a,b\n1,2\n"),
            )
            services.project_update(
                actor=representative,
                project=project,
                stage=["proposal", "pilot", "operation", "evaluated"][i % 4],
            )

    add_rows(1)
    client.force_login(representative)
    page = project.get_absolute_url()
    few = _count_queries(client, page)
    add_rows(6)
    with django_assert_num_queries(few):
        response = client.get(page)
    assert response.status_code == 200 and len(response.context["kpi_rows"]) == 7


def test_detail_of_an_unknown_or_hidden_project_is_404(
    client, city, make_project, other_representative
):
    hidden = make_project(city, title="Internal", visibility="organisation")
    client.force_login(other_representative)
    assert client.get(hidden.get_absolute_url()).status_code == 404
    assert client.get(reverse("projects:detail", args=["nowhere"])).status_code == 404


def test_anonymous_visitor_sees_a_public_project_and_nothing_else(client, city, make_project):
    public = make_project(city, title="Open", visibility="public")
    hidden = make_project(city, title="Shared", visibility="members")
    page = client.get(public.get_absolute_url())
    assert page.status_code == 200 and "Add a partner" not in html_of(page)
    for slug in (hidden.slug, "nowhere"):
        assert client.get(reverse("projects:detail", args=[slug])).status_code == 404


# Editing


def test_edit_changes_the_stage_with_a_dated_step_on_the_timeline(client, project, representative):
    client.force_login(representative)
    form = client.get(url("edit", project)).context["form"]
    assert "organisation" not in form.fields and "template" not in form.fields
    data = {
        "title": "Smart parking pilot",
        "summary": "Parking sensors on the main streets.",
        "stage": "implementation",
        "stage_changed_on": "2024-05-02",
        "stage_note": "Contract signed",
        "sectors": [s.pk for s in project.sectors.all()],
        "pillars": [p.pk for p in project.pillars.all()],
        "budget_currency": "USD",
        "visibility": "members",
    }
    response = client.post(url("edit", project), data)
    assert response.status_code == 302
    step = StageChange.objects.filter(project=project).latest("id")
    assert (step.from_stage, step.to_stage, step.changed_on, step.note, step.actor) == (
        "idea",
        "implementation",
        datetime.date(2024, 5, 2),
        "Contract signed",
        representative,
    )
    page = follow_messages(client, response)
    assert "Saved." in page and "Contract signed" in page and "Idea → Implementation" in page


def test_edit_title_changes_the_address(client, project, representative):
    client.force_login(representative)
    response = client.post(
        url("edit", project),
        {
            "title": "Parking everywhere",
            "stage": "idea",
            "budget_currency": "USD",
            "visibility": "members",
        },
    )
    project.refresh_from_db()
    assert project.title == "Parking everywhere" and project.slug == "parking-everywhere"
    assert response.url == project.get_absolute_url()


def test_edit_bad_input_shows_errors_and_changes_nothing(client, project, representative):
    client.force_login(representative)
    response = client.post(
        url("edit", project),
        {
            "title": "Renamed",
            "stage": "pilot",
            "stage_changed_on": (TODAY + datetime.timedelta(days=3)).isoformat(),
            "budget_currency": "XXX",
            "start_date": "2024-06-01",
            "end_date": "2024-01-01",
            "visibility": "members",
        },
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert {"stage_changed_on", "budget_currency", "end_date"} <= set(errors)
    assert "Edit Smart parking pilot" in html_of(response)
    project.refresh_from_db()
    assert (project.title, project.stage) == ("Smart parking pilot", "idea")
    assert StageChange.objects.filter(project=project).count() == 1


# Publishing and deleting


def test_publish_unpublish_and_delete(client, project, representative):
    client.force_login(representative)
    response = client.post(url("publish", project))
    project.refresh_from_db()
    assert project.is_published and project.visibility == "public"
    assert "listed in the catalog" in follow_messages(client, response)
    # A case study cannot be deleted.
    client.post(url("delete", project))
    assert Project.objects.filter(pk=project.pk).exists()
    client.post(url("unpublish", project))
    project.refresh_from_db()
    assert not project.is_published and project.visibility == "public"
    response = client.post(url("delete", project))
    assert response.url == reverse("projects:list")
    assert not Project.objects.filter(pk=project.pk).exists()
    assert AuditEntry.objects.filter(action="project.deleted").count() == 1


def test_publish_without_a_summary_is_refused_with_the_reason(
    client, city, make_project, representative
):
    project = make_project(city, summary="")
    client.force_login(representative)
    page = follow_messages(client, client.post(url("publish", project)))
    assert "Write a summary before publishing the project." in page
    project.refresh_from_db()
    assert not project.is_published and project.visibility == "organisation"


POST_ONLY = [
    ("publish", False),
    ("unpublish", False),
    ("delete", False),
    ("partner_add", False),
    ("partner_remove", True),
    ("funding_add", False),
    ("funding_remove", True),
    ("milestone_add", False),
    ("milestone_edit", True),
    ("milestone_remove", True),
    ("kpi_add", False),
    ("kpi_edit", True),
    ("kpi_remove", True),
    ("kpi_value_add", True),
    ("file_add", False),
    ("file_remove", True),
    ("link_add", False),
    ("link_remove", True),
]


@pytest.mark.parametrize(("name", "with_pk"), POST_ONLY)
def test_actions_reject_get(client, project, representative, name, with_pk):
    client.force_login(representative)
    response = client.get(url(name, project, *([1] if with_pk else [])))
    assert response.status_code == 405
    assert Project.objects.get(pk=project.pk).updated_at == project.updated_at


# Parts of the project


def test_partner_added_from_the_members_or_by_name_and_removed(
    client, project, other_city, representative, taxonomy
):
    client.force_login(representative)
    response = client.post(
        url("partner_add", project),
        {"partner-organisation": other_city.pk, "partner-role": "partner_city"},
    )
    assert response.url.endswith("#partners")
    added = ProjectPartner.objects.get(project=project, organisation=other_city)
    assert added.role == "partner_city"
    assert added.stakeholder_type.slug == "local-government"
    client.post(
        url("partner_add", project),
        {
            "partner-name": "KAIST",
            "partner-role": "academia",
            "partner-stakeholder_type": taxonomy["stakeholders"][2].pk,
        },
    )
    page = html_of(client.get(project.get_absolute_url()))
    assert "KAIST" in page and "Abuja" in page
    client.post(url("partner_remove", project, added.pk))
    assert not ProjectPartner.objects.filter(pk=added.pk).exists()


def test_partner_without_a_name_or_twice_in_a_role_is_refused(
    client, project, other_city, representative
):
    client.force_login(representative)
    response = client.post(url("partner_add", project), {"partner-role": "consultant"})
    assert response.status_code == 400
    assert "Choose a member organisation or write a name." in html_of(response)
    assert 'aria-invalid="true"' in html_of(response)
    data = {"partner-organisation": other_city.pk, "partner-role": "funder"}
    client.post(url("partner_add", project), data)
    again = client.post(url("partner_add", project), data)
    assert again.status_code == 400
    assert "This partner already has this role." in html_of(again)
    assert ProjectPartner.objects.filter(project=project).count() == 2  # the lead and one


def test_funding_added_and_removed(client, project, representative):
    client.force_login(representative)
    client.post(
        url("funding_add", project),
        {
            "funding-source": "Ministry grant",
            "funding-type": "national_grant",
            "funding-amount": "50000",
        },
    )
    funding = Funding.objects.get(project=project)
    assert (funding.source, funding.amount) == ("Ministry grant", Decimal("50000"))
    bad = client.post(url("funding_add", project), {"funding-source": "", "funding-type": "gift"})
    assert bad.status_code == 400 and {"source", "type"} <= set(bad.context["funding_form"].errors)
    client.post(url("funding_remove", project, funding.pk))
    assert not Funding.objects.filter(project=project).exists()


def test_milestones_added_marked_done_and_removed(client, project, representative):
    client.force_login(representative)
    client.post(
        url("milestone_add", project),
        {
            "milestone-title": "Tender",
            "milestone-due_date": "2024-04-30",
            "milestone-status": "planned",
        },
    )
    milestone = Milestone.objects.get(project=project)
    assert milestone.due_date == datetime.date(2024, 4, 30)
    page = html_of(client.get(project.get_absolute_url()))
    assert "Overdue" in page
    prefix = f"milestone-{milestone.pk}"
    client.post(
        url("milestone_edit", project, milestone.pk),
        {
            f"{prefix}-title": "Tender",
            f"{prefix}-due_date": "2024-05-31",
            f"{prefix}-status": "done",
        },
    )
    milestone.refresh_from_db()
    assert (milestone.status, milestone.due_date, milestone.completed_on) == (
        "done",
        datetime.date(2024, 5, 31),
        TODAY,
    )
    page = html_of(client.get(project.get_absolute_url()))
    assert "1 of 1 milestones done" in page and "badge-overdue" not in page
    bad = client.post(
        url("milestone_edit", project, milestone.pk),
        {f"{prefix}-title": "", f"{prefix}-status": "someday"},
    )
    assert bad.status_code == 400
    milestone.refresh_from_db()
    assert milestone.title == "Tender" and milestone.status == "done"
    client.post(url("milestone_remove", project, milestone.pk))
    assert not Milestone.objects.filter(project=project).exists()


def test_kpi_added_measured_changed_and_removed(client, project, representative):
    client.force_login(representative)
    client.post(
        url("kpi_add", project),
        {"kpi-name": "Occupancy", "kpi-unit": "%", "kpi-baseline": "40", "kpi-target": "80"},
    )
    kpi = Kpi.objects.get(project=project)
    value_prefix = f"kpi-{kpi.pk}-value"
    response = client.post(
        url("kpi_value_add", project, kpi.pk),
        {f"{value_prefix}-measured_on": "2024-06-01", f"{value_prefix}-value": "60"},
    )
    assert response.url.endswith(f"#kpi-{kpi.pk}")
    assert KpiValue.objects.get(kpi=kpi).value == Decimal("60")
    page = html_of(client.get(project.get_absolute_url()))
    assert 'value="50">50%</progress>' in page
    future = client.post(
        url("kpi_value_add", project, kpi.pk),
        {
            f"{value_prefix}-measured_on": (TODAY + datetime.timedelta(days=1)).isoformat(),
            f"{value_prefix}-value": "70",
        },
    )
    assert future.status_code == 400
    assert "A measurement cannot be in the future." in html_of(future)
    assert KpiValue.objects.filter(kpi=kpi).count() == 1
    client.post(
        url("kpi_edit", project, kpi.pk),
        {
            f"kpi-{kpi.pk}-name": "Occupancy rate",
            f"kpi-{kpi.pk}-unit": "%",
            f"kpi-{kpi.pk}-target": "90",
        },
    )
    kpi.refresh_from_db()
    assert (kpi.name, kpi.baseline, kpi.target) == ("Occupancy rate", None, Decimal("90"))
    client.post(url("kpi_remove", project, kpi.pk))
    assert not Kpi.objects.filter(project=project).exists()


def test_file_upload_download_and_remove(client, project, representative, contact, media):
    client.force_login(representative)
    response = client.post(
        url("file_add", project),
        {
            "file-title": "Feasibility study",
            "file-kind": "report",
            "file-file": SimpleUploadedFile("study.pdf", PDF, content_type="application/pdf"),
        },
    )
    assert response.url.endswith("#files")
    item = ProjectFile.objects.get(project=project)
    assert (item.title, item.size, item.uploaded_by) == (
        "Feasibility study",
        len(PDF),
        representative,
    )
    client.force_login(contact)
    download = client.get(url("file_download", project, item.pk))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    assert "attachment" in download["Content-Disposition"]
    client.force_login(representative)
    stored = media / item.file.name
    assert stored.exists()
    client.post(url("file_remove", project, item.pk))
    assert not ProjectFile.objects.filter(pk=item.pk).exists()


def test_file_whose_content_does_not_match_its_name_is_refused(
    client, project, representative, media
):
    client.force_login(representative)
    response = client.post(
        url("file_add", project),
        {
            "file-title": "Report",
            "file-kind": "report",
            "file-file": SimpleUploadedFile(
                "report.pdf", b"just some text", content_type="application/pdf"
            ),
        },
    )
    assert response.status_code == 400
    assert "content does not match its .pdf name" in html_of(response)
    program = client.post(
        url("file_add", project),
        {"file-kind": "other", "file-file": SimpleUploadedFile("tool.exe", b"MZ\x90\x00")},
    )
    assert program.status_code == 400 and "file" in program.context["file_form"].errors
    assert not ProjectFile.objects.exists()
    assert not any(media.rglob("*.*"))


def test_file_download_follows_who_may_see_the_project(
    client, city, make_project, representative, other_representative, media
):
    internal = make_project(city, title="Internal", visibility="organisation")
    item = services.file_add(
        actor=representative,
        project=internal,
        title="Budget sheet",
        kind="data",
        file=SimpleUploadedFile("budget.csv", b"a,b\n"),
    )
    client.force_login(other_representative)
    assert client.get(url("file_download", internal, item.pk)).status_code == 404
    client.logout()
    assert client.get(url("file_download", internal, item.pk)).status_code == 404


def test_links_added_and_removed_and_unsafe_addresses_refused(client, project, representative):
    client.force_login(representative)
    client.post(
        url("link_add", project), {"link-title": "Video", "link-url": "https://example.org/v"}
    )
    link = ProjectLink.objects.get(project=project)
    bad = client.post(
        url("link_add", project), {"link-title": "Bad", "link-url": "javascript:alert(1)"}
    )
    assert bad.status_code == 400 and "url" in bad.context["link_form"].errors
    assert ProjectLink.objects.filter(project=project).count() == 1
    client.post(url("link_remove", project, link.pk))
    assert not ProjectLink.objects.filter(project=project).exists()


def test_parts_of_another_project_cannot_be_reached_through_this_one(
    client, city, make_project, project, representative
):
    other = make_project(city, title="Other project")
    link = services.link_add(actor=representative, project=other, title="x", url="https://x.org")
    client.force_login(representative)
    response = client.post(url("link_remove", project, link.pk))
    assert response.status_code == 404
    assert ProjectLink.objects.filter(pk=link.pk).exists()


def test_every_change_is_in_the_history_for_editors(client, full_project, representative, contact):
    client.force_login(representative)
    response = client.get(url("history", full_project))
    html = html_of(response)
    assert response.status_code == 200
    for action in ["project.created", "project.partner_added", "project.file_added"]:
        assert action in html
    client.force_login(contact)
    assert client.get(url("history", full_project)).status_code == 403


# Templates


def test_staff_create_a_template_with_milestones_and_kpis(client, staff, taxonomy):
    client.force_login(staff)
    assert client.get(reverse("projects:template_create")).status_code == 200
    response = client.post(
        reverse("projects:template_create"),
        {
            "name": "Street lighting",
            "summary": "LED lamps that dim.",
            "sectors": [taxonomy["sectors"][0].pk],
            "is_active": "on",
            "milestones-TOTAL_FORMS": "3",
            "milestones-INITIAL_FORMS": "0",
            "milestones-0-title": "Audit of lamps",
            "milestones-0-months_after_start": "0",
            "milestones-1-title": "Lamps replaced",
            "milestones-1-months_after_start": "6",
            "milestones-2-title": "",
            "milestones-2-months_after_start": "",
            "kpis-TOTAL_FORMS": "2",
            "kpis-INITIAL_FORMS": "0",
            "kpis-0-name": "Energy use",
            "kpis-0-unit": "MWh",
            "kpis-1-name": "",
            "kpis-1-unit": "",
        },
    )
    assert response.url == reverse("projects:templates")
    template = ProjectTemplate.objects.get(name="Street lighting")
    assert template.slug == "street-lighting" and template.is_active
    assert [(m.title, m.months_after_start, m.position) for m in template.milestones.all()] == [
        ("Audit of lamps", 0, 0),
        ("Lamps replaced", 6, 1),
    ]
    assert [(k.name, k.unit, k.higher_is_better) for k in template.kpis.all()] == [
        ("Energy use", "MWh", False)
    ]
    assert AuditEntry.objects.filter(action="project_template.created").count() == 1
    listing = html_of(client.get(reverse("projects:templates")))
    assert "Street lighting" in listing


def test_staff_edit_a_template_and_remove_a_milestone(client, staff):
    template = ProjectTemplateFactory(name="Smart parking")
    first = TemplateMilestoneFactory(template=template, title="Survey")
    TemplateMilestoneFactory(template=template, title="Install", months_after_start=2)
    TemplateKpiFactory(template=template, name="Occupancy")
    client.force_login(staff)
    edit_url = reverse("projects:template_edit", args=[template.slug])
    page = client.get(edit_url)
    assert page.context["milestones"].initial[0]["title"] == first.title
    response = client.post(
        edit_url,
        {
            "name": "Smart parking 2",
            "summary": "",
            "milestones-TOTAL_FORMS": "2",
            "milestones-INITIAL_FORMS": "2",
            "milestones-0-title": "Survey",
            "milestones-0-months_after_start": "0",
            "milestones-0-DELETE": "on",
            "milestones-1-title": "Install",
            "milestones-1-months_after_start": "3",
            "kpis-TOTAL_FORMS": "1",
            "kpis-INITIAL_FORMS": "1",
            "kpis-0-name": "Occupancy",
            "kpis-0-unit": "%",
            "kpis-0-higher_is_better": "on",
        },
    )
    assert response.status_code == 302
    template.refresh_from_db()
    assert (template.name, template.slug, template.is_active) == (
        "Smart parking 2",
        "smart-parking-2",
        False,
    )
    assert [(m.title, m.months_after_start) for m in template.milestones.all()] == [("Install", 3)]
    assert list(template.kpis.values_list("unit", flat=True)) == ["%"]
    entry = AuditEntry.objects.get(action="project_template.updated")
    assert entry.changes["milestones"] == ["Survey (+0); Install (+2)", "Install (+3)"]


def test_template_bad_input_shows_errors_and_saves_nothing(client, staff):
    ProjectTemplateFactory(name="Smart parking")
    client.force_login(staff)
    response = client.post(
        reverse("projects:template_create"),
        {
            "name": "Smart parking",
            "milestones-TOTAL_FORMS": "1",
            "milestones-INITIAL_FORMS": "0",
            "milestones-0-title": "Too late",
            "milestones-0-months_after_start": "999",
            "kpis-TOTAL_FORMS": "0",
            "kpis-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 400
    assert "name" in response.context["form"].errors
    assert response.context["milestones"].forms[0].errors
    assert ProjectTemplate.objects.count() == 1
    assert not TemplateMilestone.objects.exists() and not TemplateKpi.objects.exists()


@pytest.mark.parametrize("persona", ["representative", "regional_officer", "citizen"])
def test_templates_are_for_the_secretariat_only(client, request, persona):
    template = ProjectTemplateFactory(name="Smart parking")
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("projects:templates")).status_code == 403
    assert client.get(reverse("projects:template_create")).status_code == 403
    response = client.post(
        reverse("projects:template_edit", args=[template.slug]),
        {"name": "Taken over", "milestones-TOTAL_FORMS": "0", "milestones-INITIAL_FORMS": "0"},
    )
    assert response.status_code == 403
    template.refresh_from_db()
    assert template.name == "Smart parking"


# The member profile


def test_member_profile_lists_its_case_studies_only(client, city, make_project):
    make_project(city, title="Published parking", publish=True)
    make_project(city, title="Public draft", visibility="public")
    make_project(city, title="Internal", visibility="organisation")
    html = html_of(client.get(city.get_absolute_url()))
    published = Project.objects.get(title="Published parking")
    assert "Projects in the catalog" in html
    assert reverse("projects:case_study", args=[published.slug]) in html
    assert "Public draft" not in html and "Internal" not in html


def test_member_profile_without_case_studies_has_no_projects_block(client, city, make_project):
    make_project(city, title="Internal")
    assert "Projects in the catalog" not in html_of(client.get(city.get_absolute_url()))
