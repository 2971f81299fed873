"""Forms of registration: the event's own form, its questions, and the staff lists' filters.

The registration form has one field per question of the event, named `question.field_name`,
built from the question's kind. It checks what a form can (required answers, choices offered);
`services_registration.register` checks the answers again and decides the status.
"""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from activator.events.enums import QuestionKind, RegistrationStatus
from activator.events.models import Event, Question
from activator.members.models import Organisation

ON_MY_OWN = "own"
# Up to this many choices show as radio buttons; more as a drop-down list.
RADIO_LIMIT = 6
YES, NO = "yes", "no"
SHORT_TEXT_LIMIT = 300
LONG_TEXT_LIMIT = 5000


def question_field(question: Question) -> forms.Field:
    """The form field that answers `question`."""
    common: dict[str, Any] = {
        "label": question.label,
        "help_text": question.help_text,
        "required": question.required,
    }
    kind = question.kind
    if kind == QuestionKind.SHORT_TEXT:
        return forms.CharField(max_length=SHORT_TEXT_LIMIT, **common)
    if kind == QuestionKind.LONG_TEXT:
        return forms.CharField(
            max_length=LONG_TEXT_LIMIT, widget=forms.Textarea(attrs={"rows": 4}), **common
        )
    choices = [(c, c) for c in question.choices or []]
    if kind == QuestionKind.CHOICE:
        if len(choices) <= RADIO_LIMIT:
            return forms.ChoiceField(choices=choices, widget=forms.RadioSelect, **common)
        return forms.ChoiceField(choices=[("", "—"), *choices], **common)
    if kind == QuestionKind.MULTIPLE_CHOICE:
        return forms.MultipleChoiceField(
            choices=choices, widget=forms.CheckboxSelectMultiple, **common
        )
    if kind == QuestionKind.YES_NO:
        return forms.ChoiceField(
            choices=[(YES, _("Yes")), (NO, _("No"))], widget=forms.RadioSelect, **common
        )
    raise ValueError(f"Unknown question kind: {kind}")


def answer_value(question: Question, value: Any) -> Any:
    """A cleaned field value as the registration stores it (None when left unanswered)."""
    if value in (None, "", []):
        return None
    if question.kind == QuestionKind.YES_NO:
        return value == YES
    if question.kind == QuestionKind.MULTIPLE_CHOICE:
        return list(value)
    return value.strip() if isinstance(value, str) else value


def answer_text(question: Question, value: Any) -> str:
    """A stored answer as a person reads it."""
    if value is None or value == "" or value == []:
        return ""
    if question.kind == QuestionKind.YES_NO or isinstance(value, bool):
        return str(_("Yes")) if value in (True, YES) else str(_("No"))
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    return str(value)


class RegistrationForm(forms.Form):
    """Who the person comes for, and the event's questions."""

    organisation = forms.ChoiceField(label=_("You attend for"), widget=forms.RadioSelect)

    def __init__(
        self,
        *args: Any,
        event: Event,
        organisations: list[Organisation],
        questions: list[Question],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.event = event
        self.questions = questions
        self.organisations = {str(o.pk): o for o in organisations}
        field = self.fields["organisation"]
        field.choices = [
            *((str(o.pk), o.name) for o in organisations),
            (ON_MY_OWN, _("On my own")),
        ]
        if not self.is_bound:
            field.initial = str(organisations[0].pk) if len(organisations) == 1 else ON_MY_OWN
        for question in questions:
            self.fields[question.field_name] = question_field(question)

    def question_fields(self) -> list[forms.BoundField]:
        return [self[q.field_name] for q in self.questions]

    def clean_organisation(self) -> Organisation | None:
        value = self.cleaned_data["organisation"]
        if value == ON_MY_OWN:
            return None
        try:
            return self.organisations[value]
        except KeyError:
            raise ValidationError(_("Choose one of your organisations.")) from None

    def service_arguments(self) -> dict[str, Any]:
        """What `services_registration.register` takes: the organisation and the answers keyed by
        question id (unanswered optional questions are left out)."""
        answers = {}
        for question in self.questions:
            value = answer_value(question, self.cleaned_data.get(question.field_name))
            if value is not None:
                answers[str(question.pk)] = value
        return {"organisation": self.cleaned_data["organisation"], "answers": answers}

    def add_service_error(self, error: ValidationError) -> None:
        """Put a service's error next to the question it names (ids become field names)."""
        if hasattr(error, "error_dict"):
            for key, messages in error.message_dict.items():
                name = f"q{key}" if str(key).isdigit() else key
                self.add_error(name if name in self.fields else None, messages)
        else:
            self.add_error(None, error.messages)


def lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class QuestionForm(forms.ModelForm):
    choices = forms.CharField(
        label=_("Choices"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For choice questions: one answer per line, at least two."),
    )

    class Meta:
        model = Question
        fields = ["label", "kind", "help_text", "required", "choices", "position"]
        help_texts = {"position": _("Questions are asked in this order.")}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["choices"] = "\n".join(self.instance.choices or [])

    def clean_choices(self) -> list[str]:
        return list(dict.fromkeys(lines(self.cleaned_data.get("choices", ""))))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        kind, choices = cleaned.get("kind"), cleaned.get("choices") or []
        if kind in (QuestionKind.CHOICE, QuestionKind.MULTIPLE_CHOICE):
            if len(choices) < 2:
                self.add_error("choices", _("A choice question needs at least two choices."))
        elif choices:
            self.add_error("choices", _("Only choice questions have choices."))
        return cleaned


class RegistrationFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False)
    q = forms.CharField(label=_("Name or e-mail"), required=False, max_length=200)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("Any status")), *RegistrationStatus.choices]


class CheckInSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Find a participant"),
        required=False,
        max_length=200,
        help_text=_("Part of a name or an e-mail address."),
    )
