"""Forms of the staff pages that set up and run a call. They read and check input; the
services in `calls.services` save it.

A call's opening and deadline are typed as the call's own clock shows them (a date and a time in
the call's time zone) and leave the form as instants; editing shows them back on that clock.
"""

import datetime
import zoneinfo
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from activator.calls.enums import ApplicantType, ApplicationStatus, Outcome, QuestionKind
from activator.calls.models import (
    TIME_ZONES,
    Application,
    Call,
    Category,
    DecisionLevel,
    Phase,
    Question,
)
from activator.calls.services import CALL_FIELDS
from activator.core.models import Region
from activator.members.enums import MembershipStatus
from activator.members.models import RegionalOffice

CURRENT_YEAR_RANGE = (2000, 2100)


class DateInput(forms.DateInput):
    """The browser's date picker; the value travels as YYYY-MM-DD whatever the language."""

    input_type = "date"

    def __init__(self, attrs: dict | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class LocalDateTimeWidget(forms.SplitDateTimeWidget):
    """A date picker and a time field side by side."""

    def __init__(self, attrs: dict | None = None) -> None:
        super().__init__(
            attrs=attrs,
            date_format="%Y-%m-%d",
            time_format="%H:%M",
            date_attrs={"type": "date", "aria-label": _("Date")},
            time_attrs={"type": "time", "aria-label": _("Time")},
        )

    def decompress(self, value: Any) -> list[Any]:
        # A naive value is already on the call's clock; never move it to the server's zone.
        if isinstance(value, datetime.datetime):
            return [value.date(), value.time().replace(second=0, microsecond=0)]
        return [None, None]


class LocalDateTimeField(forms.SplitDateTimeField):
    """A date and a time without a zone: the form decides which clock they are read on."""

    widget = LocalDateTimeWidget

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("input_time_formats", ["%H:%M", "%H:%M:%S"])
        super().__init__(**kwargs)

    def compress(self, data_list: list[Any]) -> datetime.datetime | None:
        if not data_list:
            return None
        day, time = data_list
        if day in self.empty_values:
            raise ValidationError(self.error_messages["invalid_date"], code="invalid_date")
        if time in self.empty_values:
            raise ValidationError(self.error_messages["invalid_time"], code="invalid_time")
        return datetime.datetime.combine(day, time)


def on_clock(naive: datetime.datetime, zone: zoneinfo.ZoneInfo) -> datetime.datetime:
    """The instant a wall clock in `zone` shows as `naive`; a time skipped by a clock change
    (it never happens there) is refused rather than silently moved."""
    aware = naive.replace(tzinfo=zone)
    back = aware.astimezone(datetime.UTC).astimezone(zone).replace(tzinfo=None)
    if back != naive:
        raise ValidationError(
            _("%(time)s does not exist in %(zone)s (the clocks change then); choose another time.")
            % {"time": naive.strftime("%Y-%m-%d %H:%M"), "zone": zone.key},
            code="nonexistent",
        )
    return aware


def lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


# --- The call ---------------------------------------------------------------------------------


class CallForm(forms.ModelForm):
    """The call itself: what it is, when it runs (on its own clock) and who may apply.

    Regional office staff run calls only for their own office, so that is the one office they
    are offered. On a new call the categories are typed one per line.
    """

    time_zone = forms.ChoiceField(
        label=_("Time zone"),
        choices=[(name, name) for name in TIME_ZONES],
        help_text=_("Opening and deadline are typed, shown and enforced on this clock."),
    )
    opens_at = LocalDateTimeField(
        label=_("Applications open"), help_text=_("Date and time in the call's time zone.")
    )
    deadline = LocalDateTimeField(
        label=_("Deadline"),
        help_text=_("Date and time in the call's time zone; applications close at this minute."),
    )
    applicant_types = forms.MultipleChoiceField(
        label=_("Who may apply"),
        choices=ApplicantType.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: any organisation, no individuals."),
    )
    membership_statuses = forms.MultipleChoiceField(
        label=_("Membership statuses accepted"),
        choices=MembershipStatus.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: new, current and grace-period members."),
    )
    regions = forms.ModelMultipleChoiceField(
        label=_("Regions"),
        queryset=Region.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: applicants from every region."),
    )

    class Meta:
        model = Call
        fields = [
            "kind",
            "title",
            "year",
            "summary",
            "description",
            "benefits",
            "organiser",
            "office",
            "contact_email",
            "time_zone",
            "opens_at",
            "deadline",
            "applicant_types",
            "members_only",
            "membership_statuses",
            "regions",
            "max_age",
            "one_per_category",
            "exclude_same_country",
            "anonymous_review",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 6}),
            "benefits": forms.Textarea(attrs={"rows": 4}),
        }

    #: The parts of the form as the page shows them: a legend and its fields.
    GROUPS = [
        (
            _("The call"),
            [
                "kind",
                "title",
                "year",
                "summary",
                "description",
                "benefits",
                "organiser",
                "office",
                "contact_email",
                "categories",
            ],
        ),
        (_("Dates"), ["time_zone", "opens_at", "deadline"]),
        (
            _("Eligibility"),
            [
                "applicant_types",
                "members_only",
                "membership_statuses",
                "regions",
                "max_age",
                "one_per_category",
            ],
        ),
        (_("Review"), ["exclude_same_country", "anonymous_review"]),
    ]

    def __init__(self, *args: Any, user: Any, creating: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.creating = creating
        office = self.fields["office"]
        if user.is_secretariat:
            office.queryset = RegionalOffice.objects.order_by("-is_secretariat", "name")
            office.empty_label = _("The Secretariat")
        else:
            office.queryset = RegionalOffice.objects.filter(pk=user.regional_office_id)
            office.required = True
            office.empty_label = None
            office.help_text = _("Regional office staff run the calls of their own office.")
        self.fields["year"].widget.attrs.update(
            {"min": CURRENT_YEAR_RANGE[0], "max": CURRENT_YEAR_RANGE[1]}
        )
        call = self.instance
        if not self.is_bound and call.pk is not None:
            self.initial["opens_at"] = call.local(call.opens_at).replace(tzinfo=None)
            self.initial["deadline"] = call.local(call.deadline).replace(tzinfo=None)
        elif not self.is_bound:
            if self.initial.get("year") is None:
                self.initial["year"] = timezone.localdate().year
            if not user.is_secretariat:
                self.initial["office"] = user.regional_office_id
        if creating:
            self.fields["categories"] = forms.CharField(
                label=_("Categories"),
                required=False,
                widget=forms.Textarea(attrs={"rows": 4}),
                help_text=_("One per line. They can be changed later on the set-up page."),
            )

    def groups(self) -> list[tuple[str, list[forms.BoundField]]]:
        return [
            (legend, [self[name] for name in names if name in self.fields])
            for legend, names in self.GROUPS
        ]

    def clean_year(self) -> int:
        year = self.cleaned_data["year"]
        low, high = CURRENT_YEAR_RANGE
        if not low <= year <= high:
            raise ValidationError(
                _("Give a year from %(low)s to %(high)s.") % {"low": low, "high": high}
            )
        return year

    def clean_categories(self) -> list[str]:
        names = lines(self.cleaned_data.get("categories", ""))
        limit = Category._meta.get_field("name").max_length
        too_long = [name for name in names if len(name) > limit]
        if too_long:
            raise ValidationError(
                _("A category name has at most %(limit)s characters: %(name)s")
                % {"limit": limit, "name": too_long[0][:40] + "…"}
            )
        seen: set[str] = set()
        for name in names:
            if name in seen:
                raise ValidationError(
                    _("%(name)s is listed twice; each category once.") % {"name": name}
                )
            seen.add(name)
        return names

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        name = cleaned.get("time_zone")
        if name:
            zone = zoneinfo.ZoneInfo(name)
            for field in ("opens_at", "deadline"):
                naive = cleaned.get(field)
                if isinstance(naive, datetime.datetime) and naive.tzinfo is None:
                    try:
                        cleaned[field] = on_clock(naive, zone)
                    except ValidationError as error:
                        self.add_error(field, error)
        else:
            # Without a clock the typed dates mean nothing yet.
            cleaned.pop("opens_at", None)
            cleaned.pop("deadline", None)
        opens, deadline = cleaned.get("opens_at"), cleaned.get("deadline")
        if opens and deadline and opens.tzinfo and deadline.tzinfo and opens >= deadline:
            self.add_error("deadline", _("The deadline must come after the opening."))
        return cleaned

    def service_fields(self) -> dict[str, Any]:
        """The cleaned values as `call_create` and `call_update` take them."""
        fields = {name: self.cleaned_data[name] for name in CALL_FIELDS}
        fields["regions"] = list(self.cleaned_data["regions"])
        if self.creating:
            fields["categories"] = self.cleaned_data["categories"]
        return fields


class CopyForm(forms.Form):
    year = forms.IntegerField(
        label=_("Year of the new call"),
        required=False,
        min_value=CURRENT_YEAR_RANGE[0],
        max_value=CURRENT_YEAR_RANGE[1],
        help_text=_("Left empty, the next year. Every date moves by the same number of years."),
    )

    def __init__(self, *args: Any, call: Call, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.call = call
        self.fields["year"].widget.attrs["placeholder"] = str(call.year + 1)

    def clean_year(self) -> int | None:
        year = self.cleaned_data["year"]
        if year is not None and year == self.call.year:
            raise ValidationError(_("The copy needs another year than the call it copies."))
        return year


# --- The parts of a call ----------------------------------------------------------------------


class _UniqueNameInCall:
    """A name used once per call, checked here so the message names the field."""

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        model = self._meta.model
        taken = model.objects.filter(call_id=self.instance.call_id, name=name)
        if self.instance.pk is not None:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.exists():
            raise ValidationError(_("This call already has one by that name."))
        return name


class CategoryForm(_UniqueNameInCall, forms.ModelForm):
    class Meta:
        model = Category
        fields = ["name", "description", "position"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}


class PhaseForm(forms.ModelForm):
    class Meta:
        model = Phase
        fields = ["kind", "name", "starts_on", "ends_on", "precision", "note"]
        widgets = {"starts_on": DateInput, "ends_on": DateInput}
        help_texts = {
            "precision": _("Dated to the month, the timeline shows “May 2026” and no day."),
            "ends_on": _("Empty for a single day (or month)."),
        }

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        starts, ends = cleaned.get("starts_on"), cleaned.get("ends_on")
        if starts and ends and ends < starts:
            self.add_error("ends_on", _("The end comes before the start."))
        return cleaned


class LevelForm(_UniqueNameInCall, forms.ModelForm):
    class Meta:
        model = DecisionLevel
        fields = ["name", "benefits", "position"]
        widgets = {"benefits": forms.Textarea(attrs={"rows": 2})}


class QuestionForm(forms.ModelForm):
    choices = forms.CharField(
        label=_("Choices"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For choice questions: one answer per line, at least two."),
    )

    class Meta:
        model = Question
        fields = ["kind", "label", "help_text", "required", "choices", "max_length", "position"]
        help_texts = {"max_length": _("For text questions: the most characters an answer has.")}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["choices"] = "\n".join(self.instance.choices or [])

    def clean_choices(self) -> list[str]:
        return lines(self.cleaned_data.get("choices", ""))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("max_length") and cleaned.get("kind") not in (
            QuestionKind.SHORT_TEXT,
            QuestionKind.LONG_TEXT,
        ):
            self.add_error("max_length", _("Only text answers have a maximum length."))
        return cleaned


#: The parts of a call its set-up page edits: the model and the form of each.
PART_FORMS: dict[str, tuple[type, type[forms.ModelForm]]] = {
    "category": (Category, CategoryForm),
    "phase": (Phase, PhaseForm),
    "level": (DecisionLevel, LevelForm),
    "question": (Question, QuestionForm),
}


# --- Deciding and filtering -------------------------------------------------------------------


class ApplicationFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False)
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=Category.objects.none(), required=False
    )

    def __init__(self, *args: Any, call: Call, categories: list[Category], **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("Any status")), *ApplicationStatus.choices]
        field = self.fields["category"]
        field.queryset = Category.objects.filter(call=call)
        field.empty_label = _("Any category")
        # The page already has the categories; the select lists them without asking again.
        field.choices = [("", field.empty_label)] + [(c.pk, c.name) for c in categories]


class DecisionForm(forms.Form):
    """One decision for every ticked application; revisions get a due date on the call's clock."""

    applications = forms.ModelMultipleChoiceField(
        label=_("Applications"),
        queryset=Application.objects.none(),
        error_messages={"required": _("Tick at least one application.")},
    )
    outcome = forms.ChoiceField(
        label=_("Decision"), choices=[("", _("Choose a decision")), *Outcome.choices]
    )
    level = forms.ModelChoiceField(
        label=_("Level"),
        queryset=DecisionLevel.objects.none(),
        required=False,
        help_text=_("Only for winners."),
    )
    note = forms.CharField(
        label=_("Note to the applicants"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Sent in the e-mail that tells each applicant the decision."),
    )
    revision_due = LocalDateTimeField(
        label=_("Revisions due"),
        required=False,
        help_text=_("Only when asking for revisions; on the call's clock. Empty: in 21 days."),
    )

    def __init__(
        self, *args: Any, call: Call, applications: Any, levels: list[DecisionLevel], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.call = call
        self.fields["applications"].queryset = applications
        level = self.fields["level"]
        level.queryset = DecisionLevel.objects.filter(call=call)
        level.empty_label = _("No level")
        level.choices = [("", level.empty_label)] + [(lv.pk, lv.name) for lv in levels]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        outcome = cleaned.get("outcome")
        if cleaned.get("level") and outcome and outcome != Outcome.WINNER:
            self.add_error("level", _("A level goes with a winner."))
        due = cleaned.get("revision_due")
        if due is not None:
            if outcome != Outcome.REVISIONS_REQUESTED:
                self.add_error("revision_due", _("A due date goes with a request for revisions."))
            else:
                try:
                    due = on_clock(due, self.call.zone)
                except ValidationError as error:
                    self.add_error("revision_due", error)
                else:
                    cleaned["revision_due"] = due
                    if due <= timezone.now():
                        self.add_error("revision_due", _("The due date has to be in the future."))
        return cleaned
