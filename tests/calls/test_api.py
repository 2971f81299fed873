"""/api/v1/calls, /applications and /reviews: who sees what, applying, reviewing and ranking."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from activator.accounts.services import api_token_create
from activator.calls import services, services_review
from activator.calls.enums import CallKind, Outcome, PhaseKind, QuestionKind
from activator.calls.models import Application, Phase, Question, Review
from tests.calls.conftest import answer_all
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
CALLS = "/api/v1/calls"
APPLICATIONS = "/api/v1/applications"
REVIEWS = "/api/v1/reviews"


def bearer(user):
    _token, secret = api_token_create(user=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def as_json(client, method, url, data=None, user=None):
    headers = bearer(user) if user is not None else {}
    return getattr(client, method)(url, data or {}, content_type="application/json", **headers)


def titles(body) -> set[str]:
    return {item["title"] for item in body["items"]}


def locs(response) -> list[list]:
    return [item["loc"] for item in response.json()["detail"]]


def messages(response) -> list[str]:
    return [item["msg"] for item in response.json()["detail"]]


def same_moment(text: str, moment: datetime.datetime) -> bool:
    """Whether a datetime the API sent (to the millisecond) is `moment`."""
    return abs(datetime.datetime.fromisoformat(text) - moment) < datetime.timedelta(milliseconds=1)


def days(n: int) -> datetime.timedelta:
    return datetime.timedelta(days=n)


@pytest.fixture
def draft(staff):
    """A call staff are still setting up."""
    now = timezone.now()
    return services.call_create(
        actor=staff,
        kind=CallKind.TRAINING,
        title="Draft training",
        year=now.year,
        organiser="Secretariat",
        opens_at=now + days(30),
        deadline=now + days(60),
        categories=[],
    )


@pytest.fixture
def spread(make_call, draft):
    """An open award, an upcoming prize, last year's closed study and a draft."""
    now = timezone.now()
    return {
        "open": make_call(title="Smart City Awards"),
        "upcoming": make_call(
            kind=CallKind.PRIZE,
            title="City Prize",
            opens_at=now + days(5),
            deadline=now + days(40),
        ),
        "closed": make_call(
            kind=CallKind.FEASIBILITY_STUDY,
            title="Feasibility Study",
            year=now.year - 1,
            opens_at=now - days(90),
            deadline=now - days(30),
        ),
        "draft": draft,
    }


def start(call, user, organisation, *, title="Smart bus stops", category=None, now=None):
    """A draft application through the services, as the applicant's page makes it."""
    return services.application_start(
        actor=user,
        call=call,
        organisation=organisation,
        title=title,
        category=category or call.categories.first(),
        now=now,
    )


def submitted(call, user, organisation, **kwargs):
    application = start(call, user, organisation, **kwargs)
    services.application_save(actor=user, application=application, answers=answer_all(call))
    return services.application_submit(actor=user, application=application)


# Calls


def test_list_item_shape(client, make_call, staff, asia):
    call = make_call(
        title="Smart Sustainable City Awards",
        summary="Cities that did it.",
        opens_at=datetime.datetime(2024, 3, 1, 0, 0, tzinfo=datetime.UTC),
        deadline=datetime.datetime(2099, 5, 31, 14, 59, tzinfo=datetime.UTC),
        year=2099,
    )
    services.part_save(
        actor=staff,
        call=call,
        item=Phase(
            kind=PhaseKind.CEREMONY,
            name="Awards ceremony",
            starts_on=datetime.date(2099, 10, 1),
            precision="month",
            note="At the summit",
        ),
    )
    services.call_update(actor=staff, call=call, regions=[asia], max_age=None)
    mobility, safe_city = call.categories.all()
    gold, silver, special = call.levels.all()
    item = client.get(CALLS).json()["items"][0]
    assert item == {
        "id": call.id,
        "slug": "smart-sustainable-city-awards-2099",
        "kind": "award",
        "title": "Smart Sustainable City Awards",
        "year": 2099,
        "organiser": "Secretariat",
        "summary": "Cities that did it.",
        "status": "open",
        "stage": "open",
        "time_zone": "Asia/Seoul",
        "opens_at": "2024-03-01T09:00:00+09:00",
        "deadline": "2099-05-31T23:59:00+09:00",
        "accepting": True,
        "categories": [
            {"id": mobility.id, "name": "Mobility", "description": ""},
            {"id": safe_city.id, "name": "Safe City", "description": ""},
        ],
        "timeline": [
            {
                "kind": "open",
                "name": "Applications open",
                "starts_on": "2024-03-01",
                "ends_on": None,
                "precision": "day",
                "note": "",
            },
            {
                "kind": "deadline",
                "name": "Application deadline",
                "starts_on": "2099-05-31",
                "ends_on": None,
                "precision": "day",
                "note": "23:59 Asia/Seoul",
            },
            {
                "kind": "ceremony",
                "name": "Awards ceremony",
                "starts_on": "2099-10-01",
                "ends_on": None,
                "precision": "month",
                "note": "At the summit",
            },
        ],
        "levels": [
            {"id": gold.id, "name": "Gold", "benefits": ""},
            {"id": silver.id, "name": "Silver", "benefits": ""},
            {"id": special.id, "name": "Special Mention", "benefits": ""},
        ],
        "eligibility": {
            "applicant_types": ["local_government"],
            "members_only": True,
            "membership_statuses": [],
            "regions": ["Asia-Pacific"],
            "max_age": None,
            "one_per_category": True,
        },
        "anonymous_review": False,
        "url": "/calls/smart-sustainable-city-awards-2099/",
    }


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, {"Smart City Awards", "City Prize", "Feasibility Study"}),
        ({"status": "open"}, {"Smart City Awards"}),
        ({"status": "upcoming"}, {"City Prize"}),
        ({"status": "closed"}, {"Feasibility Study"}),
        ({"status": "results"}, set()),
        ({"status": "draft"}, set()),
        ({"kind": "prize"}, {"City Prize"}),
        ({"kind": "award", "status": "closed"}, set()),
        ({"kind": "youth_programme"}, set()),
        ({"year": timezone.now().year - 1}, {"Feasibility Study"}),
    ],
)
def test_list_filters_by_kind_status_and_year(client, spread, params, expected):
    body = client.get(CALLS, params).json()
    assert titles(body) == expected
    assert body["count"] == len(expected)


def test_each_call_tells_its_stage(client, spread):
    stages = {item["title"]: item["stage"] for item in client.get(CALLS).json()["items"]}
    assert stages == {
        "Smart City Awards": "open",
        "City Prize": "upcoming",
        "Feasibility Study": "closed",
    }
    accepting = {item["title"]: item["accepting"] for item in client.get(CALLS).json()["items"]}
    assert accepting == {"Smart City Awards": True, "City Prize": False, "Feasibility Study": False}


def test_results_filter_and_endpoint_follow_publication(
    client, award, representative, city, staff, make_call
):
    make_call(title="Other call")
    application = submitted(award, representative, city)
    services.decide(
        actor=staff, applications=[application], outcome=Outcome.WINNER, level=award.levels.first()
    )
    results = f"{CALLS}/{award.id}/results"
    # Decided but not published: only the staff who manage the call see the results.
    assert client.get(results).status_code == 404
    assert client.get(results, **bearer(representative)).status_code == 404
    assert client.get(results, **bearer(staff)).status_code == 200
    assert titles(client.get(CALLS, {"status": "results"}).json()) == set()

    services.results_publish(actor=staff, call=award)
    assert titles(client.get(CALLS, {"status": "results"}).json()) == {award.title}
    assert client.get(f"{CALLS}/{award.id}").json()["stage"] == "results"
    body = client.get(results).json()
    mobility = award.categories.first()
    gold = award.levels.first()
    assert body == [
        {
            "category": {"id": mobility.id, "name": "Mobility"},
            "decisions": [
                {
                    "code": application.code,
                    "title": "Smart bus stops",
                    "applicant": {"name": "Seoul"},
                    "organization": {"id": city.id, "name": "Seoul"},
                    "country": "KR",
                    "outcome": "winner",
                    "level": {"id": gold.id, "name": "Gold"},
                }
            ],
        }
    ]


def test_results_never_show_an_individual_by_e_mail(client, make_call, citizen, staff):
    call = make_call(
        kind=CallKind.YOUTH_PROGRAMME,
        title="Youth Challenge",
        applicant_types=["individual"],
        categories=[],
    )
    citizen.full_name = ""
    citizen.save()
    application = services.application_start(
        actor=citizen, call=call, organisation=None, title="Bike map", country="KR"
    )
    services.application_save(actor=citizen, application=application, answers=answer_all(call))
    services.application_submit(actor=citizen, application=application)
    services.decide(actor=staff, applications=[application], outcome=Outcome.SELECTED)
    services.results_publish(actor=staff, call=call)
    response = client.get(f"{CALLS}/{call.id}/results")
    assert response.json()[0]["category"] is None
    assert response.json()[0]["decisions"][0]["applicant"] == {"name": ""}
    assert citizen.email not in response.content.decode()


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"kind": "castle"}, "kind"),
        ({"status": "finished"}, "status"),
        ({"year": "1066"}, "year"),
        ({"year": "soon"}, "year"),
        ({"page_size": "101"}, "page_size"),
        ({"page": "0"}, "page"),
    ],
)
def test_bad_filter_values_are_422_naming_the_parameter(client, params, field):
    response = client.get(CALLS, params)
    assert response.status_code == 422
    assert ["query", field] in locs(response)


def test_page_size_up_to_100(client, make_call):
    for n in range(3):
        make_call(title=f"Call {n}")
    body = client.get(CALLS, {"page_size": 2, "page": 2}).json()
    assert body["count"] == 3 and len(body["items"]) == 1
    assert client.get(CALLS, {"page_size": 100}).status_code == 200


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        (None, set()),
        ("citizen", set()),
        ("representative", set()),
        ("reviewer", set()),
        ("regional_officer", {"Office draft"}),
        ("staff", {"Draft training", "Office draft"}),
    ],
    indirect=["persona"],
)
def test_drafts_show_only_to_the_staff_who_manage_them(
    client, staff, regional_officer, draft, persona, expected
):
    office_draft = services.call_create(
        actor=regional_officer,
        kind=CallKind.AWARD,
        title="Office draft",
        year=2030,
        organiser="East Asia Regional Office",
        office=regional_officer.regional_office,
        opens_at=timezone.now() + days(1),
        deadline=timezone.now() + days(2),
    )
    headers = bearer(persona) if persona is not None else {}
    body = client.get(CALLS, {"status": "draft"}, **headers).json()
    assert titles(body) == expected
    assert titles(client.get(CALLS, **headers).json()) == expected
    for call in (draft, office_draft):
        status = client.get(f"{CALLS}/{call.id}", **headers).status_code
        assert status == (200 if call.title in expected else 404)


def test_a_session_user_is_the_same_person_as_their_token(client, draft, staff):
    client.force_login(staff)
    assert titles(client.get(CALLS).json()) == {"Draft training"}


def test_list_queries_do_not_grow_with_calls(client, make_call, staff, asia, africa):
    def add_call(n):
        call = make_call(title=f"Call {n}")
        services.call_update(actor=staff, call=call, regions=[asia, africa])
        services.part_save(
            actor=staff,
            call=call,
            item=Phase(kind=PhaseKind.WINNERS, name="Winners", starts_on=datetime.date(2099, 1, 1)),
        )

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(CALLS, **headers)
        assert response.status_code == 200
        return len(captured)

    headers = bearer(staff)
    add_call(0)
    queries()  # the first request also notes when the token was last used
    one = queries()
    for n in range(1, 6):
        add_call(n)
    assert client.get(CALLS).json()["count"] == 6
    assert queries() == one
    assert one <= 10


def test_detail_has_the_form_and_the_texts(client, make_call, staff):
    call = make_call(description="What it is.", benefits="A trophy.", contact_email="a@b.org")
    services.part_save(
        actor=staff,
        call=call,
        item=Question(
            kind=QuestionKind.CHOICE,
            label="Stage",
            help_text="Where it is now",
            choices=["Pilot", "Running"],
            position=3,
        ),
    )
    body = client.get(f"{CALLS}/{call.id}").json()
    assert (body["description"], body["benefits"], body["contact_email"]) == (
        "What it is.",
        "A trophy.",
        "a@b.org",
    )
    built, served, stage = call.questions.all()
    assert body["questions"] == [
        {
            "id": built.id,
            "kind": "long_text",
            "label": "What did you build?",
            "help_text": "",
            "required": True,
            "choices": [],
            "max_length": None,
        },
        {
            "id": served.id,
            "kind": "number",
            "label": "Citizens served",
            "help_text": "",
            "required": False,
            "choices": [],
            "max_length": None,
        },
        {
            "id": stage.id,
            "kind": "choice",
            "label": "Stage",
            "help_text": "Where it is now",
            "required": True,
            "choices": ["Pilot", "Running"],
            "max_length": None,
        },
    ]
    assert [c["name"] for c in body["categories"]] == ["Mobility", "Safe City"]
    assert body["eligibility_problems"] is None  # not logged in
    missing = client.get(f"{CALLS}/999999")
    assert missing.status_code == 404 and missing.json() == {"detail": "Not Found"}
    assert client.get(f"{CALLS}/{10**30}").status_code == 404


def test_detail_tells_each_applicant_option_whether_it_may_apply(
    client, make_call, staff, asia, city, representative, other_representative, citizen
):
    call = make_call()
    services.call_update(actor=staff, call=call, regions=[asia])
    mobility, safe_city = call.categories.all()
    url = f"{CALLS}/{call.id}"

    options = client.get(url, **bearer(representative)).json()["eligibility_problems"]
    assert options == [
        {
            "organization": {"id": city.id, "name": "Seoul"},
            "eligible": True,
            "reasons": [],
            "categories": [mobility.id, safe_city.id],
        }
    ]
    # One application per category: the other stays open.
    start(call, representative, city, category=mobility)
    options = client.get(url, **bearer(representative)).json()["eligibility_problems"]
    assert (options[0]["eligible"], options[0]["categories"]) == (True, [safe_city.id])
    start(call, representative, city, title="Cameras", category=safe_city)
    options = client.get(url, **bearer(representative)).json()["eligibility_problems"]
    assert options[0]["eligible"] is False
    assert options[0]["reasons"] == [
        "There is already an application from this applicant in this category."
    ]

    abuja = client.get(url, **bearer(other_representative)).json()["eligibility_problems"]
    assert abuja[0]["organization"]["name"] == "Abuja"
    assert abuja[0]["eligible"] is False
    assert abuja[0]["reasons"] == ["This call is open to applicants from Asia-Pacific."]
    # Organisations only, and the citizen represents none.
    assert client.get(url, **bearer(citizen)).json()["eligibility_problems"] == []


def test_detail_options_for_individuals_name_what_is_missing(client, make_call, citizen):
    call = make_call(
        kind=CallKind.YOUTH_PROGRAMME, applicant_types=["individual"], max_age=30, categories=[]
    )
    options = client.get(f"{CALLS}/{call.id}", **bearer(citizen)).json()["eligibility_problems"]
    assert options == [
        {
            "organization": None,
            "eligible": False,
            "reasons": ["Give your date of birth: this call has an age limit."],
            "categories": [],
        }
    ]


# Applying


def test_apply_save_and_submit_through_the_api(client, award, representative, city):
    mobility = award.categories.first()
    built, served = award.questions.all()
    response = as_json(
        client,
        "post",
        f"{CALLS}/{award.id}/applications",
        {"organization_id": city.id, "category_id": mobility.id, "title": " Smart bus stops "},
        representative,
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    application = Application.objects.get()
    assert body["id"] == application.id
    assert body["code"] == f"A-{application.id:05d}"
    assert body["call"] == {"id": award.id, "slug": award.slug, "title": award.title}
    assert body["category"] == {"id": mobility.id, "name": "Mobility"}
    assert body["organization"] == {"id": city.id, "name": "Seoul"}
    assert (body["title"], body["status"], body["country"]) == ("Smart bus stops", "draft", "KR")
    assert (body["answers"], body["files"], body["outcome"], body["level"]) == ({}, {}, None, None)
    assert body["missing"] == [{"id": built.id, "label": "What did you build?"}]
    assert same_moment(body["editable_until"], award.deadline)
    assert body["editable_until"].endswith("+09:00")
    assert body["url"] == f"/applications/{application.id}/"
    url = f"{APPLICATIONS}/{application.id}"

    response = as_json(
        client,
        "patch",
        url,
        {"title": "Smart bus shelters", "answers": {str(built.id): "Shelters", served.id: 1200}},
        representative,
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["title"] == "Smart bus shelters"
    assert body["answers"] == {str(built.id): "Shelters", str(served.id): "1200"}
    assert body["missing"] == []
    # null clears an answer; the others stay.
    body = as_json(client, "patch", url, {"answers": {served.id: None}}, representative).json()
    assert body["answers"] == {str(built.id): "Shelters"}

    response = as_json(client, "post", f"{url}/submit", user=representative)
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "submitted"
    assert response.json()["submitted_at"] is not None
    application.refresh_from_db()
    assert application.status == "submitted"
    again = as_json(client, "post", f"{url}/submit", user=representative)
    assert again.status_code == 409
    assert again.json() == {"detail": "This application is already submitted."}


def test_a_category_can_change_while_editable(client, award, representative, city):
    application = start(award, representative, city)
    safe_city = award.categories.last()
    url = f"{APPLICATIONS}/{application.id}"
    body = as_json(client, "patch", url, {"category_id": safe_city.id}, representative).json()
    assert body["category"] == {"id": safe_city.id, "name": "Safe City"}
    response = as_json(client, "patch", url, {"category_id": 999999}, representative)
    assert response.status_code == 422 and locs(response) == [["body", "category_id"]]
    response = as_json(client, "patch", url, {"category_id": None}, representative)
    assert response.status_code == 422
    assert messages(response) == ["Choose a category."]
    assert Application.objects.get().category == safe_city


def test_bad_answers_are_422_at_the_question_and_store_nothing(
    client, award, representative, city, staff
):
    services.part_save(
        actor=staff,
        call=award,
        item=Question(
            kind=QuestionKind.CHOICE, label="Stage", choices=["Pilot", "Running"], position=3
        ),
    )
    built, served, stage = award.questions.all()
    application = start(award, representative, city)
    response = as_json(
        client,
        "patch",
        f"{APPLICATIONS}/{application.id}",
        {
            "title": "Renamed",
            "answers": {str(built.id): "Fine", str(served.id): "many", str(stage.id): "Done"},
        },
        representative,
    )
    assert response.status_code == 422
    assert sorted(response.json()["detail"], key=lambda e: e["loc"]) == sorted(
        [
            {
                "loc": ["body", "answers", str(served.id)],
                "msg": "Enter a number.",
                "type": "value_error",
            },
            {
                "loc": ["body", "answers", str(stage.id)],
                "msg": "Choose one of the listed answers.",
                "type": "value_error",
            },
        ],
        key=lambda e: e["loc"],
    )
    unknown = as_json(
        client,
        "patch",
        f"{APPLICATIONS}/{application.id}",
        {"answers": {"999999": "x"}},
        representative,
    )
    assert locs(unknown) == [["body", "answers", "999999"]]
    application.refresh_from_db()
    assert (application.title, application.answers) == ("Smart bus stops", {})
    for answers in ({"one": "x"}, {str(built.id): "A\x00B"}):
        response = as_json(
            client,
            "patch",
            f"{APPLICATIONS}/{application.id}",
            {"answers": answers},
            representative,
        )
        assert response.status_code == 422


def test_a_project_answer_names_one_of_the_organisations_projects(
    client, award, representative, city, other_city, staff, make_project
):
    services.part_save(
        actor=staff,
        call=award,
        item=Question(kind=QuestionKind.PROJECT, label="Which project?", required=False),
    )
    question = award.questions.get(kind=QuestionKind.PROJECT)
    own = make_project(city, title="Seoul parking")
    theirs = make_project(other_city, title="Abuja lights")
    application = start(award, representative, city)
    url = f"{APPLICATIONS}/{application.id}"
    key = str(question.id)
    body = as_json(client, "patch", url, {"answers": {key: own.id}}, representative).json()
    assert body["answers"][key] == own.id
    for value in (theirs.id, "99999999999999999999999", 2**62):
        response = as_json(client, "patch", url, {"answers": {key: value}}, representative)
        assert response.status_code == 422, value
    assert Application.objects.get().answers == {key: own.id}


def test_submitting_an_incomplete_application_is_422(client, award, representative, city):
    application = start(award, representative, city)
    response = as_json(
        client, "post", f"{APPLICATIONS}/{application.id}/submit", user=representative
    )
    assert response.status_code == 422
    assert messages(response) == ["Answer every required question first: What did you build?"]
    assert Application.objects.get().status == "draft"


def test_ineligible_applicants_get_every_reason_and_nothing_is_stored(
    client, award, representative, other_representative, city, citizen
):
    payload = {
        "organization_id": city.id,
        "category_id": award.categories.first().id,
        "title": "Not ours",
    }
    url = f"{CALLS}/{award.id}/applications"
    response = as_json(client, "post", url, payload, other_representative)
    assert response.status_code == 422
    assert messages(response) == ["Only a representative of Seoul may apply for it."]
    assert locs(response) == [["body"]]
    alone = as_json(client, "post", url, {**payload, "organization_id": None}, citizen)
    assert alone.status_code == 422
    assert messages(alone) == ["This call takes applications from organisations only."]
    no_category = as_json(client, "post", url, {**payload, "category_id": None}, representative)
    assert messages(no_category) == ["Choose a category."]
    assert Application.objects.count() == 0


@pytest.mark.parametrize(
    ("payload", "loc"),
    [
        ({"organization_id": 999999}, ["body", "organization_id"]),
        ({"category_id": 999999}, ["body", "category_id"]),
        ({"organization_id": 10**30}, ["body", "payload", "organization_id"]),
        ({"title": ""}, ["body", "payload", "title"]),
        ({"title": "A\x00B"}, ["body", "payload", "title"]),
        ({"country": "KOR"}, ["body", "payload", "country"]),
        ({"birth_date": "1066-10-14"}, ["body", "payload", "birth_date"]),
    ],
)
def test_create_bad_input_is_422_at_the_field(client, award, representative, city, payload, loc):
    body = {"organization_id": city.id, "category_id": award.categories.first().id, "title": "X"}
    response = as_json(
        client, "post", f"{CALLS}/{award.id}/applications", {**body, **payload}, representative
    )
    assert response.status_code == 422
    assert loc in locs(response)
    assert Application.objects.count() == 0


def test_a_category_of_another_call_is_refused(client, award, make_call, representative, city):
    other = make_call(title="Other")
    payload = {
        "organization_id": city.id,
        "category_id": other.categories.first().id,
        "title": "X",
    }
    response = as_json(client, "post", f"{CALLS}/{award.id}/applications", payload, representative)
    assert response.status_code == 422 and locs(response) == [["body", "category_id"]]


def test_individuals_apply_with_their_birth_date_and_country(client, make_call, citizen):
    call = make_call(
        kind=CallKind.YOUTH_PROGRAMME, applicant_types=["individual"], max_age=30, categories=[]
    )
    url = f"{CALLS}/{call.id}/applications"
    old = as_json(client, "post", url, {"title": "Bike map", "birth_date": "1950-01-01"}, citizen)
    assert old.status_code == 422
    assert messages(old)[0].startswith("Applicants must be under 30 on the deadline")
    young = datetime.date.today().replace(year=datetime.date.today().year - 20, day=1)
    response = as_json(
        client,
        "post",
        url,
        {"title": "Bike map", "birth_date": young.isoformat(), "country": "kr"},
        citizen,
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["organization"], body["category"], body["country"], body["birth_date"]) == (
        None,
        None,
        "KR",
        young.isoformat(),
    )


def test_a_closed_or_upcoming_call_refuses_with_409(client, spread, representative, city):
    closed, upcoming = spread["closed"], spread["upcoming"]
    for call, message in (
        (closed, "The deadline was "),
        (upcoming, "Applications open on "),
    ):
        payload = {
            "organization_id": city.id,
            "category_id": call.categories.first().id,
            "title": "Too early or too late",
        }
        response = as_json(
            client, "post", f"{CALLS}/{call.id}/applications", payload, representative
        )
        assert response.status_code == 409
        assert response.json()["detail"].startswith(message)
    assert Application.objects.count() == 0


def test_a_draft_call_takes_no_application_and_does_not_exist_for_applicants(
    client, draft, representative, city
):
    response = as_json(
        client,
        "post",
        f"{CALLS}/{draft.id}/applications",
        {"organization_id": city.id, "title": "X"},
        representative,
    )
    assert response.status_code == 404


def test_late_submission_is_refused_with_the_deadline_and_stays_a_draft(
    client, make_call, representative, city
):
    now = timezone.now()
    call = make_call(opens_at=now - days(10), deadline=now - days(1))
    earlier = now - days(2)
    application = start(call, representative, city, now=earlier)
    services.application_save(
        actor=representative, application=application, answers=answer_all(call), now=earlier
    )
    url = f"{APPLICATIONS}/{application.id}"
    response = as_json(client, "post", f"{url}/submit", user=representative)
    assert response.status_code == 409
    deadline = call.local(call.deadline)
    assert response.json() == {
        "detail": f"The deadline was {deadline:%Y-%m-%d %H:%M} (Asia/Seoul); "
        "applications are no longer accepted."
    }
    application.refresh_from_db()
    assert (application.status, application.submitted_at) == ("draft", None)
    body = client.get(url, **bearer(representative)).json()
    assert body["status"] == "draft"
    assert same_moment(body["editable_until"], call.deadline)
    changed = as_json(client, "patch", url, {"title": "Late edit"}, representative)
    assert changed.status_code == 409
    assert Application.objects.get().title == "Smart bus stops"


def test_withdraw_through_the_api(client, award, representative, city):
    application = submitted(award, representative, city)
    url = f"{APPLICATIONS}/{application.id}"
    response = as_json(client, "post", f"{url}/withdraw", user=representative)
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["editable_until"]) == ("withdrawn", None)
    assert body["withdrawn_at"] is not None
    refused = as_json(client, "patch", url, {"title": "Back"}, representative)
    assert refused.status_code == 409
    assert refused.json() == {"detail": "This application was withdrawn."}


def test_a_decided_application_cannot_be_withdrawn(client, award, representative, city, staff):
    application = submitted(award, representative, city)
    services.decide(actor=staff, applications=[application], outcome=Outcome.REJECTED)
    url = f"{APPLICATIONS}/{application.id}"
    response = as_json(client, "post", f"{url}/withdraw", user=representative)
    assert response.status_code == 409
    assert response.json() == {"detail": "A decided application cannot be withdrawn."}
    body = client.get(url, **bearer(representative)).json()
    assert (body["status"], body["outcome"], body["editable_until"]) == (
        "submitted",
        "rejected",
        None,
    )


def test_applications_are_their_owners_only(
    client,
    award,
    city,
    representative,
    contact,
    other_representative,
    other_city,
    citizen,
    staff,
    reviewer,
):
    seoul = submitted(award, representative, city)
    abuja = start(award, other_representative, other_city)

    def listed(user):
        return {item["id"] for item in client.get(APPLICATIONS, **bearer(user)).json()["items"]}

    assert listed(representative) == {seoul.id}
    assert listed(contact) == {seoul.id}  # the organisation's people see its applications
    assert listed(other_representative) == {abuja.id}
    assert listed(citizen) == listed(staff) == listed(reviewer) == set()

    seoul_url = f"{APPLICATIONS}/{seoul.id}"
    assert client.get(seoul_url, **bearer(contact)).status_code == 200
    for outsider in (other_representative, citizen, staff, reviewer):
        response = client.get(seoul_url, **bearer(outsider))
        assert response.status_code == 404
        assert response.json() == {"detail": "Not Found"}
        assert as_json(client, "patch", seoul_url, {"title": "Mine"}, outsider).status_code == 404
        for action in ("submit", "withdraw"):
            assert (
                as_json(client, "post", f"{seoul_url}/{action}", user=outsider).status_code == 404
            )
    # A contact sees the application but only the representative acts for the organisation.
    refused = as_json(client, "post", f"{seoul_url}/withdraw", user=contact)
    assert refused.status_code == 403
    assert as_json(client, "patch", seoul_url, {"title": "Mine"}, contact).status_code == 403
    assert Application.objects.get(pk=seoul.pk).status == "submitted"


def test_application_filters(client, award, make_call, representative, city):
    first = submitted(award, representative, city)
    other_call = make_call(title="Other")
    second = start(other_call, representative, city)
    headers = bearer(representative)

    def ids(params):
        return [item["id"] for item in client.get(APPLICATIONS, params, **headers).json()["items"]]

    assert ids({}) == [second.id, first.id]
    assert ids({"call": award.id}) == [first.id]
    assert ids({"status": "draft"}) == [second.id]
    assert ids({"status": "submitted", "call": other_call.id}) == []
    for params, field in (({"status": "done"}, "status"), ({"call": "x"}, "call")):
        response = client.get(APPLICATIONS, params, **headers)
        assert response.status_code == 422 and ["query", field] in locs(response)


def test_anonymous_requests_for_people_data_are_401(client, award, representative, city):
    application = start(award, representative, city)
    requests = [
        ("get", APPLICATIONS, None),
        ("get", f"{APPLICATIONS}/{application.id}", None),
        ("patch", f"{APPLICATIONS}/{application.id}", {"title": "X"}),
        ("post", f"{APPLICATIONS}/{application.id}/submit", None),
        ("post", f"{APPLICATIONS}/{application.id}/withdraw", None),
        ("post", f"{CALLS}/{award.id}/applications", {"title": "X"}),
        ("get", REVIEWS, None),
        ("get", f"{REVIEWS}/1", None),
        ("put", f"{REVIEWS}/1", {"scores": {}}),
        ("post", f"{REVIEWS}/1/conflict", {"reason": "X"}),
        ("get", f"{CALLS}/{award.id}/rounds/1/ranking", None),
    ]
    for method, url, payload in requests:
        assert as_json(client, method, url, payload).status_code == 401, (method, url)
    assert Application.objects.get().title == "Smart bus stops"


def test_a_session_can_apply_with_its_csrf_token(award, representative, city):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(representative)
    payload = {"organization_id": city.id, "category_id": award.categories.first().id, "title": "X"}
    url = f"{CALLS}/{award.id}/applications"
    assert browser.post(url, payload, content_type="application/json").status_code == 403
    browser.get("/")  # sets the CSRF cookie
    token = browser.cookies["csrftoken"].value
    response = browser.post(url, payload, content_type="application/json", HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 201
    assert browser.get(APPLICATIONS).json()["count"] == 1


# Reviews


@pytest.fixture
def reviewing(award, representative, city, staff, reviewer, make_round):
    """A submitted application in a started round, assigned to the reviewer and one more."""
    application = submitted(award, representative, city)
    colleague = UserFactory(platform_role="reviewer")
    review_round = make_round(award, reviewers=[reviewer, colleague])
    services_review.round_start(actor=staff, review_round=review_round)
    mine = services_review.assign(
        actor=staff, review_round=review_round, application=application, reviewer=reviewer
    )
    theirs = services_review.assign(
        actor=staff, review_round=review_round, application=application, reviewer=colleague
    )
    return {
        "application": application,
        "round": review_round,
        "mine": mine,
        "theirs": theirs,
        "colleague": colleague,
    }


def test_a_reviewer_lists_and_reads_only_their_reviews(client, reviewing, reviewer, award, staff):
    application, mine = reviewing["application"], reviewing["mine"]
    body = client.get(REVIEWS, **bearer(reviewer)).json()
    mobility = award.categories.first()
    assert body == {
        "count": 1,
        "items": [
            {
                "id": mine.id,
                "call": {"id": award.id, "slug": award.slug, "title": award.title},
                "anonymous_review": False,
                "round": {
                    "number": 1,
                    "name": "Evaluation round 1",
                    "status": "reviewing",
                    "ends_on": None,
                },
                "application": {
                    "code": application.code,
                    "title": "Smart bus stops",
                    "category": {"id": mobility.id, "name": "Mobility"},
                    "applicant": {"name": "Seoul"},
                },
                "status": "assigned",
                "total": None,
                "submitted_at": None,
                "url": f"/reviews/{mine.id}/",
            }
        ],
    }
    detail = client.get(f"{REVIEWS}/{mine.id}", **bearer(reviewer)).json()
    built, served = award.questions.all()
    impact, innovation = reviewing["round"].criteria.all()
    assert detail["answers"] == [
        {
            "question_id": built.id,
            "question": "What did you build?",
            "kind": "long_text",
            "value": "An answer",
            "file": None,
        },
        {
            "question_id": served.id,
            "question": "Citizens served",
            "kind": "number",
            "value": "",
            "file": None,
        },
    ]
    assert detail["rubric"] == {
        "scale_min": 1,
        "scale_max": 10,
        "criteria": [
            {"id": impact.id, "name": "Impact", "description": "", "weight": 2.0},
            {"id": innovation.id, "name": "Innovation", "description": "", "weight": 1.0},
        ],
    }
    assert (detail["scores"], detail["comment"], detail["conflict_reason"]) == ({}, "", "")

    theirs = reviewing["theirs"]
    for user in (reviewer, staff):
        assert client.get(f"{REVIEWS}/{theirs.id}", **bearer(user)).status_code == 404
    assert client.get(REVIEWS, **bearer(staff)).json()["count"] == 0
    colleague = client.get(REVIEWS, **bearer(reviewing["colleague"])).json()
    assert [item["id"] for item in colleague["items"]] == [theirs.id]


def test_review_filters(client, reviewing, reviewer, make_call):
    headers = bearer(reviewer)
    award = reviewing["round"].call
    assert client.get(REVIEWS, {"call": award.id}, **headers).json()["count"] == 1
    assert client.get(REVIEWS, {"call": award.id + 1}, **headers).json()["count"] == 0
    assert client.get(REVIEWS, {"status": "submitted"}, **headers).json()["count"] == 0
    assert client.get(REVIEWS, {"status": "assigned"}, **headers).json()["count"] == 1
    response = client.get(REVIEWS, {"status": "late"}, **headers)
    assert response.status_code == 422 and ["query", "status"] in locs(response)


def test_a_reviewer_scores_and_revises(client, reviewing, reviewer):
    mine = reviewing["mine"]
    impact, innovation = reviewing["round"].criteria.all()
    url = f"{REVIEWS}/{mine.id}"
    payload = {"scores": {str(impact.id): 8, str(innovation.id): 5}, "comment": " Solid. "}
    response = as_json(client, "put", url, payload, reviewer)
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["status"], body["total"], body["comment"]) == ("submitted", 7.0, "Solid.")
    assert body["scores"] == {str(impact.id): 8, str(innovation.id): 5}
    assert body["submitted_at"] is not None
    revised = as_json(
        client, "put", url, {"scores": {impact.id: 2, innovation.id: 2}}, reviewer
    ).json()
    assert (revised["total"], revised["comment"]) == (2.0, "")
    assert Review.objects.get(pk=mine.pk).total == 2.0


def test_bad_scores_are_422_at_the_criterion(client, reviewing, reviewer):
    mine = reviewing["mine"]
    impact, innovation = reviewing["round"].criteria.all()
    url = f"{REVIEWS}/{mine.id}"
    response = as_json(client, "put", url, {"scores": {impact.id: 11}}, reviewer)
    assert response.status_code == 422
    assert sorted(response.json()["detail"], key=lambda e: e["loc"]) == [
        {
            "loc": ["body", "scores", str(impact.id)],
            "msg": "Scores run from 1 to 10.",
            "type": "value_error",
        },
        {
            "loc": ["body", "scores", str(innovation.id)],
            "msg": "Score Innovation.",
            "type": "value_error",
        },
    ]
    extra = as_json(
        client, "put", url, {"scores": {impact.id: 5, innovation.id: 5, 999999: 5}}, reviewer
    )
    assert locs(extra) == [["body", "scores"]]
    assert as_json(client, "put", url, {"scores": {impact.id: "high"}}, reviewer).status_code == 422
    assert Review.objects.get(pk=mine.pk).status == "assigned"


def test_someone_elses_review_cannot_be_scored(client, reviewing, reviewer):
    theirs = reviewing["theirs"]
    impact, innovation = reviewing["round"].criteria.all()
    payload = {"scores": {impact.id: 9, innovation.id: 9}}
    assert as_json(client, "put", f"{REVIEWS}/{theirs.id}", payload, reviewer).status_code == 404
    conflict = as_json(client, "post", f"{REVIEWS}/{theirs.id}/conflict", {"reason": "x"}, reviewer)
    assert conflict.status_code == 404
    assert Review.objects.get(pk=theirs.pk).status == "assigned"


def test_a_reviewer_declares_a_conflict(client, reviewing, reviewer):
    mine = reviewing["mine"]
    url = f"{REVIEWS}/{mine.id}"
    empty = as_json(client, "post", f"{url}/conflict", {"reason": ""}, reviewer)
    assert empty.status_code == 422 and ["body", "payload", "reason"] in locs(empty)
    blank = as_json(client, "post", f"{url}/conflict", {"reason": "   "}, reviewer)
    assert blank.status_code == 422 and locs(blank) == [["body", "reason"]]
    response = as_json(client, "post", f"{url}/conflict", {"reason": "I advised them."}, reviewer)
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["conflict_reason"]) == (
        "conflicted",
        "I advised them.",
    )
    impact, innovation = reviewing["round"].criteria.all()
    refused = as_json(client, "put", url, {"scores": {impact.id: 5, innovation.id: 5}}, reviewer)
    assert refused.status_code == 422
    assert messages(refused) == ["You declared a conflict of interest for this application."]


def test_scores_are_refused_once_the_round_is_closed(client, reviewing, reviewer, staff):
    services_review.round_close(actor=staff, review_round=reviewing["round"])
    impact, innovation = reviewing["round"].criteria.all()
    response = as_json(
        client,
        "put",
        f"{REVIEWS}/{reviewing['mine'].id}",
        {"scores": {impact.id: 5, innovation.id: 5}},
        reviewer,
    )
    assert response.status_code == 422
    assert messages(response) == ["This round is not open for review."]


def test_a_withdrawn_application_leaves_the_reviewers_list(
    client, reviewing, reviewer, representative
):
    application = reviewing["application"]
    as_json(client, "post", f"{APPLICATIONS}/{application.id}/withdraw", user=representative)
    assert client.get(REVIEWS, **bearer(reviewer)).json()["count"] == 0


# Ranking


def test_staff_read_a_rounds_ranking(client, reviewing, reviewer, staff, award):
    application, review_round = reviewing["application"], reviewing["round"]
    impact, innovation = review_round.criteria.all()
    services_review.review_submit(
        actor=reviewer, review=reviewing["mine"], scores={impact.id: 9, innovation.id: 6}
    )
    services_review.review_submit(
        actor=reviewing["colleague"],
        review=reviewing["theirs"],
        scores={impact.id: 3, innovation.id: 3},
    )
    url = f"{CALLS}/{award.id}/rounds/1/ranking"
    response = client.get(url, **bearer(staff))
    assert response.status_code == 200
    mobility = award.categories.first()
    assert response.json() == [
        {
            "application_id": application.id,
            "code": application.code,
            "title": "Smart bus stops",
            "applicant": {"name": "Seoul"},
            "category": {"id": mobility.id, "name": "Mobility"},
            "reviews": 2,
            "mean": 5.5,
            "score": 5.5,
            "spread": 5.0,
            "rank": 1,
            "disagreement": True,
        }
    ]
    assert client.get(f"{CALLS}/{award.id}/rounds/2/ranking", **bearer(staff)).status_code == 404


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("reviewer", 403),
        ("representative", 403),
        ("citizen", 403),
        ("regional_officer", 403),  # the award is the Secretariat's, not the office's
        ("staff", 200),
    ],
    indirect=["persona"],
)
def test_only_the_staff_who_manage_the_call_read_the_ranking(
    client, reviewing, award, persona, status
):
    response = client.get(f"{CALLS}/{award.id}/rounds/1/ranking", **bearer(persona))
    assert response.status_code == status


def test_a_draft_calls_ranking_does_not_exist_for_others(client, draft, staff, reviewer):
    services_review.round_save(actor=staff, call=draft)
    url = f"{CALLS}/{draft.id}/rounds/1/ranking"
    assert client.get(url, **bearer(reviewer)).status_code == 404
    assert client.get(url, **bearer(staff)).json() == []


def test_openapi_schema_lists_the_calls_paths(client):
    schema = client.get("/api/v1/openapi.json").json()
    assert {
        "/api/v1/calls",
        "/api/v1/calls/{call_id}",
        "/api/v1/calls/{call_id}/results",
        "/api/v1/calls/{call_id}/applications",
        "/api/v1/calls/{call_id}/rounds/{number}/ranking",
        "/api/v1/applications",
        "/api/v1/applications/{application_id}",
        "/api/v1/applications/{application_id}/submit",
        "/api/v1/applications/{application_id}/withdraw",
        "/api/v1/reviews",
        "/api/v1/reviews/{review_id}",
        "/api/v1/reviews/{review_id}/conflict",
    } <= set(schema["paths"])
    deadline = schema["components"]["schemas"]["CallOut"]["properties"]["deadline"]
    assert "time zone" in deadline["description"]
