"""Surveys: managers write and publish them, verified participants answer once with answers
checked against each question, moderators read the results."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from activator.core.models import AuditEntry
from activator.participation import services_discussion as services
from activator.participation.enums import PhaseKind, ProcessStatus
from activator.participation.models import Process, Survey, SurveyResponse
from tests.participation import test_discussion_setup as setup
from tests.participation.conftest import make_phases
from tests.participation.test_discussion_setup import days, questions

pytestmark = pytest.mark.django_db

# The shared fixtures.
moderator = setup.moderator
pending = setup.pending
survey = setup.survey

QUESTIONS = [
    {"text": "Favourite park?", "kind": "choice", "choices": "Han river\nNamsan\n\nNamsan"},
    {"text": "Why?", "kind": "text", "required": False},
    {"text": "When do you go?", "kind": "multiple", "choices": ["Morning", "Evening"]},
]


def base(process):
    return f"/participate/{process.space.slug}/processes/{process.slug}/surveys/"


def answer(survey, **by_position):
    qs = questions(survey)
    return {str(qs[int(k[1:])].pk): v for k, v in by_position.items()}


# --- Writing ------------------------------------------------------------------------------------


def test_a_manager_creates_a_survey_with_ordered_questions(process, representative):
    items = [dict(q, position=n) for n, q in zip([2, 0, 1], QUESTIONS, strict=True)]
    survey = services.survey_create(
        representative,
        process=process,
        title="Parks",
        description="<p>Tell us</p><script>x</script>",
        questions=items,
        published=True,
    )
    assert survey.description == "<p>Tell us</p>"
    stored = questions(survey)
    assert [q.text for q in stored] == ["Why?", "When do you go?", "Favourite park?"]
    assert stored[2].choices == ["Han river", "Namsan"]
    assert stored[0].required is False and stored[1].required is True
    assert AuditEntry.objects.filter(action="participation.survey_create").exists()


def test_a_choice_question_needs_two_choices(process, representative):
    with pytest.raises(ValidationError):
        services.survey_create(
            representative,
            process=process,
            title="S",
            questions=[{"text": "Q", "kind": "choice", "choices": "Only one"}],
        )
    assert not Survey.objects.exists()


def test_publishing_needs_a_question(process, representative):
    with pytest.raises(ValidationError):
        services.survey_create(representative, process=process, title="S", published=True)


@pytest.mark.parametrize("who", ["participant", "moderator", "outsider"])
def test_only_managers_create_surveys(request, process, who):
    with pytest.raises(PermissionDenied):
        services.survey_create(request.getfixturevalue(who), process=process, title="S")
    assert not Survey.objects.exists()


def test_questions_no_longer_change_once_answered(survey, representative, participant):
    services.survey_answer(participant, survey=survey, answers=answer(survey, q0="Bus"))
    with pytest.raises(ValidationError):
        services.survey_update(
            representative, survey=survey, title="New", questions=QUESTIONS, published=True
        )
    assert len(questions(survey)) == 3
    services.survey_update(representative, survey=survey, title="New title", published=True)
    survey.refresh_from_db()
    assert survey.title == "New title"


def test_the_new_survey_page(client, process, representative):
    client.force_login(representative)
    assert client.get(base(process) + "new/").status_code == 200
    data = {
        "title": "Green spaces",
        "description": "Two minutes",
        "published": "on",
        "questions-TOTAL_FORMS": "3",
        "questions-INITIAL_FORMS": "0",
        "questions-0-text": "Which park?",
        "questions-0-kind": "choice",
        "questions-0-choices": "North\nSouth",
        "questions-0-required": "on",
        "questions-1-text": "Why?",
        "questions-1-kind": "text",
        "questions-2-text": "",
        "questions-2-kind": "text",
    }
    response = client.post(base(process) + "new/", data)
    survey = Survey.objects.get()
    assert response.status_code == 302 and response["Location"] == survey.get_absolute_url()
    assert [q.text for q in questions(survey)] == ["Which park?", "Why?"]
    assert survey.published


def test_the_new_survey_page_shows_a_choice_question_without_choices(
    client, process, representative
):
    client.force_login(representative)
    data = {
        "title": "S",
        "questions-TOTAL_FORMS": "1",
        "questions-INITIAL_FORMS": "0",
        "questions-0-text": "Which?",
        "questions-0-kind": "multiple",
        "questions-0-choices": "Only",
    }
    response = client.post(base(process) + "new/", data)
    assert response.status_code == 200
    assert "Give at least two choices" in response.content.decode()
    assert not Survey.objects.exists()


def test_participants_may_not_open_the_new_survey_page(client, process, participant):
    client.force_login(participant)
    assert client.get(base(process) + "new/").status_code == 403


# --- Answering ----------------------------------------------------------------------------------


def test_a_participant_answers_once(survey, participant):
    response = services.survey_answer(
        participant,
        survey=survey,
        answers=answer(survey, q0="Bike", q1=["Wed", "Mon"], q2="  Safer lanes "),
    )
    qs = questions(survey)
    assert response.answers == {
        str(qs[0].pk): "Bike",
        str(qs[1].pk): ["Mon", "Wed"],
        str(qs[2].pk): "Safer lanes",
    }
    with pytest.raises(services.AlreadyAnswered):
        services.survey_answer(participant, survey=survey, answers=answer(survey, q0="Bus"))
    assert SurveyResponse.objects.count() == 1


@pytest.mark.parametrize(
    "answers",
    [
        {"q0": "Train"},
        {"q0": ["Bus", "Car"]},
        {"q0": "Bus", "q1": ["Sun"]},
        {"q0": "Bus", "q1": "Mon,Tue"},
        {"q1": ["Mon"]},
        {"q0": "Bus", "q2": 3},
        {"q0": "Bus", "q2": "x" * 2001},
    ],
)
def test_invalid_answers_are_refused(survey, participant, answers):
    with pytest.raises(ValidationError):
        services.survey_answer(participant, survey=survey, answers=answer(survey, **answers))
    assert not SurveyResponse.objects.exists()


def test_answers_to_questions_of_another_survey_are_refused(survey, participant):
    with pytest.raises(ValidationError) as error:
        services.survey_answer(
            participant, survey=survey, answers={**answer(survey, q0="Bus"), "999999": "x"}
        )
    assert "answers" in error.value.message_dict


@pytest.mark.parametrize(
    ("who", "change", "code"),
    [
        ("outsider", None, "join"),
        ("pending", None, "pending"),
        ("representative", None, "join"),
        ("participant", {"published": False}, "unpublished"),
        ("participant", {"closes_on": days(-1)}, "survey_closed"),
        ("participant", {"opens_on": days(1)}, "survey_closed"),
    ],
)
def test_who_may_answer_when(request, survey, who, change, code):
    user = request.getfixturevalue(who)
    Survey.objects.filter(pk=survey.pk).update(**(change or {}))
    survey.refresh_from_db()
    assert services.survey_refusal(user, survey) == code
    with pytest.raises((PermissionDenied, ValidationError)):
        services.survey_answer(user, survey=survey, answers=answer(survey, q0="Bus"))
    assert not SurveyResponse.objects.exists()


def test_the_survey_page_takes_an_answer_and_then_thanks(client, survey, participant):
    client.force_login(participant)
    page = client.get(survey.get_absolute_url()).content.decode()
    assert "How?" in page and 'value="Bike"' in page
    qs = questions(survey)
    response = client.post(
        survey.get_absolute_url(), {f"q{qs[0].pk}": "Car", f"q{qs[1].pk}": ["Tue"]}
    )
    assert response.status_code == 302
    assert SurveyResponse.objects.get().answers == {str(qs[0].pk): "Car", str(qs[1].pk): ["Tue"]}
    page = client.get(survey.get_absolute_url()).content.decode()
    assert "You answered this survey" in page and 'value="Bike"' not in page


def test_the_survey_page_refuses_a_choice_that_is_not_offered(client, survey, participant):
    client.force_login(participant)
    qs = questions(survey)
    response = client.post(survey.get_absolute_url(), {f"q{qs[0].pk}": "Helicopter"})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not SurveyResponse.objects.exists()


def test_the_survey_page_says_why_an_outsider_cannot_answer(client, survey, outsider):
    client.force_login(outsider)
    page = client.get(survey.get_absolute_url()).content.decode()
    assert "Join the space to take part." in page
    assert client.post(survey.get_absolute_url(), {"x": "y"}).status_code == 302
    assert not SurveyResponse.objects.exists()


def test_a_draft_survey_is_not_found_but_by_managers(client, survey, participant, representative):
    survey.published = False
    survey.save()
    client.force_login(participant)
    assert client.get(survey.get_absolute_url()).status_code == 404
    assert survey.title not in client.get(base(survey.process)).content.decode()
    client.force_login(representative)
    assert client.get(survey.get_absolute_url()).status_code == 200
    assert survey.title in client.get(base(survey.process)).content.decode()


# --- Results ------------------------------------------------------------------------------------


@pytest.fixture
def answered(survey, participant, neighbour):
    services.survey_answer(
        participant, survey=survey, answers=answer(survey, q0="Bike", q1=["Mon", "Tue"], q2="Trees")
    )
    services.survey_answer(
        neighbour, survey=survey, answers=answer(survey, q0="Bike", q1=["Tue"], q2="<b>Shade</b>")
    )
    return survey


def test_results_count_each_choice(answered):
    results = services.survey_results(answered)
    assert results["responses"] == 2
    how, days_, other = results["questions"]
    assert [(label, n) for _k, label, n in how["rows"]] == [("Bus", 0), ("Bike", 2), ("Car", 0)]
    assert [(label, n) for _k, label, n in days_["rows"]] == [("Mon", 1), ("Tue", 2), ("Wed", 0)]
    assert sorted(other["answers"]) == ["<b>Shade</b>", "Trees"]


def test_the_results_page_is_for_moderators(client, answered, moderator, participant):
    results = answered.get_absolute_url() + "results/"
    client.force_login(participant)
    assert client.get(results).status_code == 403
    assert results not in client.get(answered.get_absolute_url()).content.decode()
    client.force_login(moderator)
    page = client.get(results).content.decode()
    assert "<svg" in page and "2 responses" in page
    assert "&lt;b&gt;Shade&lt;/b&gt;" in page  # text answers are shown as text
    assert results in client.get(answered.get_absolute_url()).content.decode()


def test_the_answers_download_as_csv(client, answered, representative):
    client.force_login(representative)
    response = client.get(answered.get_absolute_url() + "results.csv")
    assert response["Content-Type"].startswith("text/csv")
    lines = response.content.decode().splitlines()
    assert lines[0] == "Answered at,How?,Which days?,Anything else?"
    assert any("Bike,Mon; Tue,Trees" in line for line in lines[1:])


def test_csv_cells_never_start_a_formula(client, survey, participant, representative):
    services.survey_answer(
        participant, survey=survey, answers=answer(survey, q0="Bus", q2="=HYPERLINK(1)")
    )
    client.force_login(representative)
    body = client.get(survey.get_absolute_url() + "results.csv").content.decode()
    assert "'=HYPERLINK(1)" in body


def test_a_free_plan_has_no_surveys(client, free_space, other_representative):
    process = Process.objects.create(
        space=free_space, slug="p", title="P", status=ProcessStatus.PUBLISHED
    )
    make_phases(process, PhaseKind.PROPOSALS)
    with pytest.raises(PermissionDenied):
        services.survey_create(other_representative, process=process, title="S")
    client.force_login(other_representative)
    assert client.get(base(process)).status_code == 403
    assert client.get(base(process) + "new/").status_code == 403
    survey = Survey.objects.create(process=process, title="Old", published=True)
    assert client.get(survey.get_absolute_url()).status_code == 403
