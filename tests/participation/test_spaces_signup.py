"""A resident creates their own account to join their city's space, and comes back to it."""

import pytest

from activator.accounts.enums import PlatformRole
from activator.accounts.models import User
from activator.participation.models import Participant

pytestmark = pytest.mark.django_db

GOOD = {
    "email": "Minji.Kim@Example.org",
    "full_name": "  Min-ji   Kim ",
    "password1": "a-long-walk-by-the-han",
    "password2": "a-long-walk-by-the-han",
    "language": "ko",
}


def test_signing_up_creates_a_citizen_and_logs_them_in(client):
    response = client.post("/accounts/signup/", GOOD)
    assert response.status_code == 302 and response["Location"] == "/accounts/profile/"
    user = User.objects.get()
    assert (user.email, user.full_name, user.platform_role, user.language) == (
        "minji.kim@example.org",
        "Min-ji Kim",
        PlatformRole.CITIZEN,
        "ko",
    )
    assert not user.is_staff and not user.affiliations.exists()
    assert user.check_password(GOOD["password1"])
    assert client.get("/accounts/profile/").status_code == 200  # logged in
    assert response.cookies["django_language"].value == "ko"


def test_the_same_address_in_other_capitals_is_refused(client, citizen):
    html = client.post("/accounts/signup/", {**GOOD, "email": "CITIZEN@example.ORG"}).content
    assert "An account exists for this e-mail address" in html.decode()
    assert User.objects.filter(email__iexact="citizen@example.org").count() == 1


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"password2": "something-else-entirely"}, "The two passwords differ."),
        ({"password1": "12345678", "password2": "12345678"}, "This password is too common."),
        ({"password1": "minji.kim", "password2": "minji.kim"}, "too similar"),
        ({"email": "not-an-address"}, "Enter a valid email address."),
        ({"full_name": "   "}, "This field is required."),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(client, change, message):
    response = client.post("/accounts/signup/", {**GOOD, **change})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not User.objects.exists()


def test_next_is_honoured_after_signing_up(client, space):
    response = client.post("/accounts/signup/?next=/participate/seoul/", GOOD)
    assert response["Location"] == "/participate/seoul/"
    response = client.post("/accounts/signup/", {**GOOD, "email": "b@example.org", "next": "/x/"})
    assert response["Location"] == "/x/"


@pytest.mark.parametrize(
    "unsafe", ["https://evil.example/", "//evil.example/", "javascript:alert(1)"]
)
def test_an_unsafe_next_is_ignored(client, unsafe):
    response = client.post("/accounts/signup/", {**GOOD, "next": unsafe})
    assert response["Location"] == "/accounts/profile/"
    html = client.get("/accounts/signup/", {"next": unsafe})
    assert unsafe not in html.content.decode()


def test_a_logged_in_person_is_sent_on(client, citizen):
    client.force_login(citizen)
    response = client.get("/accounts/signup/?next=/participate/")
    assert response.status_code == 302 and response["Location"] == "/participate/"


def test_from_a_space_page_to_an_account_and_back_to_join(client, space):
    page = client.get("/participate/seoul/").content.decode()
    assert "/accounts/signup/?next=%2Fparticipate%2Fseoul%2F" in page
    form = client.get("/accounts/signup/?next=%2Fparticipate%2Fseoul%2F").content.decode()
    assert 'name="next" value="/participate/seoul/"' in form
    response = client.post("/accounts/signup/", {**GOOD, "next": "/participate/seoul/"})
    assert response["Location"] == "/participate/seoul/"
    client.post("/participate/seoul/join/")
    assert Participant.objects.get().user.email == "minji.kim@example.org"
