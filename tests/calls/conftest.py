"""Calls to apply to and review, built through the services as staff would."""

import datetime

import pytest
from django.utils import timezone

from activator.calls import services, services_review
from activator.calls.enums import CallKind, QuestionKind
from activator.calls.models import Criterion, DecisionLevel, Question


@pytest.fixture
def make_call(staff):
    """An open call (an award by default) with two categories, a short form and three levels."""

    def make(**fields):
        now = timezone.now()
        values = {
            "kind": CallKind.AWARD,
            "title": "Smart Sustainable City Awards",
            "year": now.year,
            "organiser": "Secretariat",
            "time_zone": "Asia/Seoul",
            "opens_at": now - datetime.timedelta(days=10),
            "deadline": now + datetime.timedelta(days=20),
            "applicant_types": ["local_government"],
        }
        categories = fields.pop("categories", ["Mobility", "Safe City"])
        questions = fields.pop("questions", True)
        values.update(fields)
        call = services.call_create(actor=staff, categories=categories, **values)
        if questions:
            services.part_save(
                actor=staff,
                call=call,
                item=Question(kind=QuestionKind.LONG_TEXT, label="What did you build?", position=1),
            )
            services.part_save(
                actor=staff,
                call=call,
                item=Question(
                    kind=QuestionKind.NUMBER, label="Citizens served", required=False, position=2
                ),
            )
        for i, name in enumerate(["Gold", "Silver", "Special Mention"]):
            services.part_save(actor=staff, call=call, item=DecisionLevel(name=name, position=i))
        services.call_open(actor=staff, call=call)
        return call

    return make


@pytest.fixture
def award(make_call):
    return make_call()


@pytest.fixture
def make_round(staff):
    """A review round with a two-criterion rubric (weights 2 and 1) on a 1–10 scale."""

    def make(call, *, reviewers=(), **fields):
        review_round = services_review.round_save(actor=staff, call=call, **fields)
        services_review.criterion_save(
            actor=staff,
            review_round=review_round,
            criterion=Criterion(name="Impact", weight=2, position=0),
        )
        services_review.criterion_save(
            actor=staff,
            review_round=review_round,
            criterion=Criterion(name="Innovation", weight=1, position=1),
        )
        for person in reviewers:
            services_review.pool_add(actor=staff, review_round=review_round, reviewer=person)
        return review_round

    return make


def answer_all(call) -> dict[str, str]:
    """Answers to every required question of `call`'s form."""
    return {str(q.pk): "An answer" for q in call.questions.all() if q.required}
