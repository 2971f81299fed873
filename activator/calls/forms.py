"""Forms of the public and applicant pages: the call list filters, applying, and the call's form.

The application form is built from the call's questions, one field per question named
`question.field_name`. Every field is optional here: a draft may be saved half-done, and the
services say which required answers still stop a submission.
"""

import contextlib
import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from activator.calls.enums import ApplicantType, CallKind, QuestionKind
from activator.calls.models import Application, ApplicationFile, Call, Category, Question
from activator.members.models import Organisation
from activator.projects.models import Project

MYSELF = "myself"
# Up to this many choices show as radio buttons; more as a drop-down list.
RADIO_LIMIT = 6
STAGE_CHOICES = [
    ("", _("All calls")),
    ("open", _("Open now")),
    ("upcoming", _("Upcoming")),
    ("closed", _("Closed")),
    ("results", _("Results published")),
]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


class CallFilterForm(forms.Form):
    """The list's filters; every value is optional and a bad one empties the list."""

    stage = forms.ChoiceField(label=_("Stage"), choices=STAGE_CHOICES, required=False)
    kind = forms.ChoiceField(
        label=_("Programme"), choices=[("", _("All programmes")), *CallKind.choices], required=False
    )
    year = forms.TypedChoiceField(label=_("Year"), coerce=int, required=False, empty_value=None)

    def __init__(self, *args: Any, years: list[int], drafts: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [("", _("All years")), *((y, str(y)) for y in years)]
        if drafts:
            self.fields["stage"].choices = [*STAGE_CHOICES, ("draft", _("Drafts"))]


def option_value(organisation: Organisation | None) -> str:
    return MYSELF if organisation is None else str(organisation.pk)


class ApplyForm(forms.Form):
    """Who applies, in which category and under what title: what starts a draft."""

    applicant = forms.ChoiceField(label=_("Apply for"), widget=forms.RadioSelect)
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=Category.objects.none(), empty_label=None
    )
    title = forms.CharField(
        label=_("Title of the application"),
        max_length=200,
        help_text=_("A short name for what you propose; you can change it later."),
    )
    birth_date = forms.DateField(label=_("Your date of birth"), required=False, widget=DateInput())
    country = forms.ChoiceField(label=_("Country where you live"), required=False)

    def __init__(
        self,
        *args: Any,
        call: Call,
        options: list[Organisation | None],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.call = call
        self.options = {option_value(o): o for o in options}
        self.fields["applicant"].choices = [
            (option_value(o), o.name if o is not None else _("Myself, as an individual"))
            for o in options
        ]
        if len(options) == 1:
            self.fields["applicant"].initial = option_value(options[0])
        categories = call.categories.all()
        if categories:
            self.fields["category"].queryset = categories
            if len(categories) == 1:
                self.fields["category"].initial = categories[0].pk
        else:
            del self.fields["category"]
        if ApplicantType.INDIVIDUAL in (call.applicant_types or []):
            self.fields["country"].choices = [("", "—"), *countries]
            self.fields["country"].help_text = _("Only when you apply as an individual.")
            self.fields["birth_date"].help_text = (
                _("For individuals only. You must be under %(age)s on the deadline.")
                % {"age": call.max_age}
                if call.max_age is not None
                else _("Only when you apply as an individual.")
            )
        else:
            del self.fields["birth_date"]
            del self.fields["country"]

    @property
    def individuals_may_apply(self) -> bool:
        return "country" in self.fields

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        choice = data.get("applicant")
        if choice is None:
            return data
        data["organisation"] = self.options.get(choice)
        if data["organisation"] is None and self.individuals_may_apply:
            if not data.get("country"):
                self.add_error("country", _("Give the country where you live."))
            if self.call.max_age is not None and not data.get("birth_date"):
                self.add_error(
                    "birth_date", _("Give your date of birth: this call has an age limit.")
                )
        return data

    def service_arguments(self) -> dict[str, Any]:
        """What `services.application_start` takes, from the cleaned data."""
        data = self.cleaned_data
        individual = data["organisation"] is None
        return {
            "organisation": data["organisation"],
            "title": data["title"],
            "category": data.get("category"),
            "birth_date": data.get("birth_date") if individual else None,
            "country": (data.get("country") or "") if individual else "",
        }


@dataclass
class QuestionRow:
    """One question of the form, its field, its stored file and whether it still lacks an answer."""

    question: Question
    field: forms.BoundField
    file: ApplicationFile | None
    missing: bool


def question_field(question: Question, organisation: Organisation | None) -> forms.Field:
    """The form field that answers `question`; never required, so drafts save half-done."""
    common: dict[str, Any] = {
        "label": question.label,
        "help_text": question.help_text,
        "required": False,
    }
    kind = question.kind
    if kind == QuestionKind.SHORT_TEXT:
        return forms.CharField(max_length=question.max_length or 300, **common)
    if kind == QuestionKind.LONG_TEXT:
        return forms.CharField(
            max_length=question.max_length or 10_000,
            widget=forms.Textarea(attrs={"rows": 6}),
            **common,
        )
    if kind == QuestionKind.NUMBER:
        return forms.DecimalField(widget=forms.NumberInput(attrs={"step": "any"}), **common)
    if kind == QuestionKind.CHOICE:
        choices = [(c, c) for c in question.choices or []]
        if len(choices) <= RADIO_LIMIT:
            return forms.ChoiceField(choices=choices, widget=forms.RadioSelect, **common)
        return forms.ChoiceField(choices=[("", "—"), *choices], **common)
    if kind == QuestionKind.DATE:
        return forms.DateField(widget=DateInput(), **common)
    if kind == QuestionKind.FILE:
        return forms.FileField(**common)
    if kind == QuestionKind.PROJECT:
        projects = (
            Project.objects.filter(organisation=organisation).order_by("title")
            if organisation is not None
            else Project.objects.none()
        )
        return forms.ModelChoiceField(queryset=projects, empty_label="—", **common)
    raise ValueError(f"Unknown question kind: {kind}")


class ApplicationForm(forms.Form):
    """The call's own form, with the application's title (and category, when it has some)."""

    title = forms.CharField(label=_("Title of the application"), max_length=200)

    def __init__(self, *args: Any, application: Application, **kwargs: Any) -> None:
        self.application = application
        self.questions = list(application.call.questions.all())
        self.categories = list(application.call.categories.all())
        kwargs.setdefault("initial", self._initial())
        super().__init__(*args, **kwargs)
        if self.categories:
            self.fields["category"] = forms.ModelChoiceField(
                label=_("Category"),
                queryset=application.call.categories.all(),
                empty_label=None,
            )
        for question in self.questions:
            self.fields[question.field_name] = question_field(question, application.organisation)

    def _initial(self) -> dict[str, Any]:
        application = self.application
        initial: dict[str, Any] = {"title": application.title, "category": application.category_id}
        for question in self.questions:
            value = application.answers.get(str(question.pk))
            if value is None or question.kind == QuestionKind.FILE:
                continue
            if question.kind == QuestionKind.DATE:
                with contextlib.suppress(ValueError):
                    value = datetime.date.fromisoformat(str(value))
            initial[question.field_name] = value
        return initial

    def rows(self, files: dict[int, ApplicationFile], missing: set[int]) -> list[QuestionRow]:
        return [
            QuestionRow(q, self[q.field_name], files.get(q.pk), q.pk in missing)
            for q in self.questions
        ]

    def service_arguments(self) -> dict[str, Any]:
        """What `services.application_save` takes: answers and files keyed by question id.

        Fields left empty clear their answer; a file question without an upload keeps its file.
        The category goes only when it changes, so a plain save does not re-check eligibility.
        """
        data = self.cleaned_data
        answers: dict[str, Any] = {}
        files: dict[str, Any] = {}
        for question in self.questions:
            value = data.get(question.field_name)
            key = str(question.pk)
            if question.kind == QuestionKind.FILE:
                if value:
                    files[key] = value
                continue
            if isinstance(value, Decimal):
                value = str(value)
            elif isinstance(value, datetime.date):
                value = value.isoformat()
            elif isinstance(value, Project):
                value = value.pk
            answers[key] = value
        arguments: dict[str, Any] = {"answers": answers, "files": files, "title": data["title"]}
        category = data.get("category")
        if category is not None and category.pk != self.application.category_id:
            arguments["category"] = category
        return arguments

    def add_service_error(self, key: str | None, messages: list[str]) -> None:
        """Put a service's error next to the field it names (question ids become field names)."""
        name = f"q{key}" if key and key.isdigit() else key
        self.add_error(name if name in self.fields else None, messages)
