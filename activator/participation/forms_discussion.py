"""Forms of debates, comments, surveys, following and notification settings."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from activator.core.api import MAX_ID
from activator.participation.enums import NotificationMode, QuestionKind
from activator.participation.models import Question
from activator.participation.services_discussion import (
    COMMENT_MAX_LENGTH,
    DEBATE_BODY_MAX_LENGTH,
    FOLLOW_KINDS,
    TEXT_ANSWER_MAX_LENGTH,
)

RICH_HELP = _("Paragraphs, bold, italics, lists and links are kept; anything else is removed.")


def _id_field(**kwargs: Any) -> forms.IntegerField:
    return forms.IntegerField(min_value=1, max_value=MAX_ID, **kwargs)


class DebateForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=150)
    body = forms.CharField(
        label=_("What is there to discuss?"),
        max_length=DEBATE_BODY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=RICH_HELP,
    )


class DebateCloseForm(forms.Form):
    conclusions = forms.CharField(
        label=_("Conclusions"),
        max_length=DEBATE_BODY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("What the city takes from the debate. Closing it ends the comments."),
    )


class CommentForm(forms.Form):
    proposal = _id_field(required=False, widget=forms.HiddenInput)
    debate = _id_field(required=False, widget=forms.HiddenInput)
    parent = _id_field(required=False, widget=forms.HiddenInput)
    body = forms.CharField(
        label=_("Your comment"),
        max_length=COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if bool(data.get("proposal")) == bool(data.get("debate")):
            raise forms.ValidationError(_("Comment on one proposal or one debate."))
        return data


class FollowForm(forms.Form):
    kind = forms.ChoiceField(choices=[(k, k) for k in FOLLOW_KINDS])
    id = _id_field()
    next = forms.CharField(required=False, max_length=2000)


class NotificationModeForm(forms.Form):
    space = forms.SlugField(max_length=100, widget=forms.HiddenInput)
    mode = forms.ChoiceField(
        label=_("E-mails"), choices=NotificationMode.choices, widget=forms.RadioSelect
    )


class SurveyForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=RICH_HELP,
    )
    opens_on = forms.DateField(
        label=_("Opens"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Leave empty to open it as soon as it is published."),
    )
    closes_on = forms.DateField(
        label=_("Closes"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("The last day answers are taken; empty: no end."),
    )
    published = forms.BooleanField(
        label=_("Published"),
        required=False,
        help_text=_("Participants see and answer a published survey."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        opens, closes = data.get("opens_on"), data.get("closes_on")
        if opens and closes and closes < opens:
            self.add_error("closes_on", _("It closes before it opens."))
        return data


class QuestionForm(forms.Form):
    text = forms.CharField(
        label=_("Question"),
        max_length=300,
        required=False,
        help_text=_("Leave empty to remove the question."),
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=QuestionKind.choices)
    choices = forms.CharField(
        label=_("Choices"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line, for questions with choices."),
    )
    required = forms.BooleanField(label=_("An answer is required"), required=False, initial=True)
    position = forms.IntegerField(label=_("Order"), min_value=0, max_value=999, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("text") and data.get("kind") != QuestionKind.TEXT:
            lines = {line.strip() for line in (data.get("choices") or "").splitlines()}
            if len(lines - {""}) < 2:
                self.add_error("choices", _("Give at least two choices, one per line."))
        return data


QuestionFormSet = forms.formset_factory(QuestionForm, extra=3, max_num=50, absolute_max=60)


def question_initial(questions: list[Question]) -> list[dict[str, Any]]:
    return [
        {
            "text": q.text,
            "kind": q.kind,
            "choices": "\n".join(q.choices),
            "required": q.required,
            "position": q.position,
        }
        for q in questions
    ]


def questions_from(formset: Any) -> list[dict[str, Any]]:
    return [
        form.cleaned_data
        for form in formset.forms
        if form.cleaned_data and (form.cleaned_data.get("text") or "").strip()
    ]


class AnswerForm(forms.Form):
    """One field per question of the survey, named q<question id>."""

    def __init__(self, *args: Any, questions: list[Question], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for question in questions:
            name = f"q{question.pk}"
            options = [(c, c) for c in question.choices]
            if question.kind == QuestionKind.TEXT:
                field: forms.Field = forms.CharField(
                    max_length=TEXT_ANSWER_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 3})
                )
            elif question.kind == QuestionKind.CHOICE:
                field = forms.ChoiceField(choices=options, widget=forms.RadioSelect)
            else:
                field = forms.MultipleChoiceField(
                    choices=options, widget=forms.CheckboxSelectMultiple
                )
            field.label = question.text
            field.required = question.required
            self.fields[name] = field

    def answers(self) -> dict[str, Any]:
        return {name[1:]: value for name, value in self.cleaned_data.items()}
