"""Forms of the review pages. They read and check input; `services_review` saves it."""

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from activator.calls.enums import ApplicationStatus, BidPreference
from activator.calls.models import Application, Criterion, ReviewRound


class DateInput(forms.DateInput):
    """The browser's date picker; the value travels as YYYY-MM-DD whatever the language."""

    input_type = "date"

    def __init__(self, attrs: dict | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class RoundForm(forms.ModelForm):
    """A round's settings: name, scale, reviewers per application, how scores are combined."""

    class Meta:
        model = ReviewRound
        fields = [
            "name",
            "scale_min",
            "scale_max",
            "reviews_per_application",
            "normalise",
            "trim",
            "disagreement_threshold",
            "ends_on",
        ]
        widgets = {"ends_on": DateInput}
        help_texts = {
            "disagreement_threshold": _(
                "A share of the scale, from 0 to 1: with 0.25 on a 1–10 scale, reviews more "
                "than 2.25 points apart are flagged."
            ),
        }

    def __init__(self, *args: Any, creating: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["name"].required = not creating
        if creating:
            self.fields["name"].help_text = _(
                "Left empty, the round is called “Evaluation round” with its number."
            )
        self.fields["disagreement_threshold"].widget.attrs.update(
            {"min": "0", "max": "1", "step": "0.05"}
        )
        self.fields["reviews_per_application"].widget.attrs["min"] = "1"

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        low, high = cleaned.get("scale_min"), cleaned.get("scale_max")
        if low is not None and high is not None and low >= high:
            self.add_error("scale_max", _("The highest score must be above the lowest."))
        return cleaned

    def service_fields(self) -> dict[str, Any]:
        """The cleaned values as `round_save` takes them (an empty name keeps the default)."""
        fields = {name: self.cleaned_data[name] for name in self.Meta.fields}
        if not fields["name"]:
            fields.pop("name")
        return fields


class CriterionForm(forms.ModelForm):
    class Meta:
        model = Criterion
        fields = ["name", "description", "weight"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}
        help_texts = {
            "weight": _("How much this criterion counts against the others (2 counts double)."),
        }


class PoolAddForm(forms.Form):
    """A person to add to the reviewer pool, found by their e-mail address."""

    email = forms.EmailField(
        label=_("E-mail address"),
        help_text=_("Anyone with an active account; people with the reviewer role are suggested."),
        widget=forms.EmailInput(attrs={"list": "reviewer-suggestions", "autocomplete": "off"}),
    )
    country = forms.ChoiceField(
        label=_("Country"),
        required=False,
        choices=lambda: [("", _("From the person's organisation")), *countries],
        help_text=_(
            "Applications from this country count as a conflict when the call excludes "
            "reviewers from the applicant's country."
        ),
    )

    def clean_email(self) -> Any:
        email = self.cleaned_data["email"]
        person = get_user_model().objects.filter(email__iexact=email, is_active=True).first()
        if person is None:
            raise forms.ValidationError(_("No active account has this e-mail address."))
        return person


class AssignForm(forms.Form):
    """One application given to one reviewer of the pool, by hand."""

    application = forms.ModelChoiceField(label=_("Application"), queryset=Application.objects)
    reviewer = forms.ModelChoiceField(label=_("Reviewer"), queryset=get_user_model().objects)

    def __init__(self, *args: Any, review_round: ReviewRound, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["application"].queryset = (
            Application.objects.filter(round_entries__round=review_round)
            .exclude(status=ApplicationStatus.WITHDRAWN)
            .order_by("id")
        )
        self.fields["application"].label_from_instance = lambda a: f"{a.code} · {a.title}"
        self.fields["reviewer"].queryset = get_user_model().objects.filter(
            round_seats__round=review_round
        )
        self.fields["reviewer"].label_from_instance = lambda u: (
            f"{u.full_name} <{u.email}>" if u.full_name else u.email
        )


class AssignAutoForm(forms.Form):
    per_application = forms.IntegerField(
        label=_("Reviewers per application"),
        min_value=1,
        max_value=50,
        help_text=_("Applications that already have reviewers only get the missing ones."),
    )


class AdvanceForm(forms.Form):
    applications = forms.ModelMultipleChoiceField(
        label=_("Finalists"),
        queryset=Application.objects,
        error_messages={"required": _("Choose the applications to advance.")},
    )

    def __init__(self, *args: Any, review_round: ReviewRound, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["applications"].queryset = Application.objects.filter(
            round_entries__round=review_round
        ).exclude(status=ApplicationStatus.WITHDRAWN)


def criterion_field(criterion_id: int) -> str:
    """The field of one criterion, named as `review_submit` names it in its errors."""
    return f"criterion_{criterion_id}"


def plain_number(value: Decimal) -> Decimal:
    """A stored decimal without its trailing zeros (2.00 shows as 2, 1.50 as 1.5)."""
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()


class ReviewForm(forms.Form):
    """One score per criterion of the rubric, within the round's scale, and a comment."""

    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("For the jury and the staff who run the call; applicants never see it."),
    )

    def __init__(
        self, *args: Any, review_round: ReviewRound, criteria: list[Criterion], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        scores: dict[str, forms.Field] = {}
        for criterion in criteria:
            help_text = _("Weight %(weight)s. From %(low)s to %(high)s.") % {
                "weight": plain_number(criterion.weight),
                "low": review_round.scale_min,
                "high": review_round.scale_max,
            }
            if criterion.description:
                help_text = f"{criterion.description} {help_text}"
            scores[criterion_field(criterion.pk)] = forms.IntegerField(
                label=criterion.name,
                min_value=review_round.scale_min,
                max_value=review_round.scale_max,
                help_text=help_text,
                error_messages={"required": _("Score this criterion.")},
            )
        # The scores come first, the comment last.
        self.fields = {**scores, "comment": self.fields["comment"]}

    def scores(self) -> dict[int, int]:
        return {c.pk: self.cleaned_data[criterion_field(c.pk)] for c in self.criteria}


class ConflictForm(forms.Form):
    conflict_reason = forms.CharField(
        label=_("What is the conflict?"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "For example: you advised the applicant, work with them or compete with them. "
            "The review leaves every score and the application gets another reviewer."
        ),
        error_messages={"required": _("Say briefly what the conflict is.")},
    )


BID_CHOICES = [("", _("No preference")), *BidPreference.choices]


def bid_field(application_id: int) -> str:
    return f"bid_{application_id}"


class BidsForm(forms.Form):
    """One preference per application of the round; empty means none."""

    def __init__(self, *args: Any, applications: QuerySet | list, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for application in applications:
            self.fields[bid_field(application.pk)] = forms.TypedChoiceField(
                label=_("Your preference for %(code)s") % {"code": application.code},
                choices=BID_CHOICES,
                coerce=int,
                empty_value=None,
                required=False,
            )
