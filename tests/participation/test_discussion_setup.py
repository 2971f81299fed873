"""What the debate, comment, survey and notification tests share: a process in its debate phase,
a proposal, a debate, a moderator, and ways to render the tags and call the API."""

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.template import Context, Template
from django.test import RequestFactory
from django.utils import timezone

from activator.accounts.services import api_token_create
from activator.participation.enums import PhaseKind, ProcessStatus, QuestionKind
from activator.participation.models import (
    Comment,
    Debate,
    Process,
    Proposal,
    Question,
    Survey,
)
from tests.factories import UserFactory
from tests.participation.conftest import join, make_phases


@pytest.fixture
def debating(space, representative):
    """A published process of the Seoul space in its debate phase."""
    process = Process.objects.create(
        space=space,
        slug="mobility-plan",
        title="Mobility plan",
        status=ProcessStatus.PUBLISHED,
        created_by=representative,
    )
    make_phases(process, PhaseKind.DEBATE)
    return process


@pytest.fixture
def proposal(process, neighbour):
    return Proposal.objects.create(
        process=process, author=neighbour, title="More bike lanes", body="<p>Safer.</p>"
    )


@pytest.fixture
def debate(debating, neighbour):
    return Debate.objects.create(
        process=debating, author=neighbour, title="Car-free Sundays?", body="<p>Let us talk.</p>"
    )


@pytest.fixture
def moderator(space):
    """Named a moderator of the space; not a participant."""
    user = UserFactory(email="moderator@example.org", full_name="Mod Erator")
    space.moderators.add(user)
    return user


@pytest.fixture
def pending(space):
    user = UserFactory(email="pending@example.org", full_name="Pen Ding")
    join(space, user, status="pending")
    return user


@pytest.fixture
def survey(process):
    survey = Survey.objects.create(process=process, title="How do you get to work?", published=True)
    Question.objects.create(
        survey=survey,
        position=0,
        text="How?",
        kind=QuestionKind.CHOICE,
        choices=["Bus", "Bike", "Car"],
    )
    Question.objects.create(
        survey=survey,
        position=1,
        text="Which days?",
        kind=QuestionKind.MULTIPLE,
        choices=["Mon", "Tue", "Wed"],
        required=False,
    )
    Question.objects.create(
        survey=survey, position=2, text="Anything else?", kind=QuestionKind.TEXT, required=False
    )
    return survey


def questions(survey):
    return list(survey.questions.order_by("position"))


def add_comment(target, author, body="<p>Hello</p>", parent=None, **fields):
    """A comment stored directly (no rules), for setting a scene."""
    key = "proposal" if isinstance(target, Proposal) else "debate"
    return Comment.objects.create(
        **{key: target},
        author=author,
        body=body,
        parent=parent,
        depth=0 if parent is None else parent.depth + 1,
        **fields,
    )


def render_tag(text, viewer=None, path="/participate/seoul/", **context):
    request = RequestFactory().get(path)
    request.user = viewer or AnonymousUser()
    return Template("{% load discussion_tags %}" + text).render(
        Context({"request": request, **context})
    )


def bearer(user):
    _token, secret = api_token_create(user=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def api(client, method, url, data=None, user=None):
    headers = bearer(user) if user is not None else {}
    call = getattr(client, method)
    if data is None:
        return call(url, **headers)
    if method == "get":
        return call(url, data, **headers)
    return call(url, data, content_type="application/json", **headers)


def days(n):
    return timezone.localdate() + datetime.timedelta(days=n)
