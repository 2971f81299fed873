"""Forms of the index pages. They read and check input; the services save it."""

import base64
import binascii
import json
import os
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from activator.accounts.enums import PlatformRole
from activator.accounts.predicates import (
    is_secretariat,
    represented_organisation_ids,
    served_region_ids,
)
from activator.index import selectors, services
from activator.index.enums import AssessmentStatus, Verification
from activator.index.models import FrameworkVersion, Indicator, Value
from activator.members.enums import OrganisationType
from activator.members.models import Organisation
from activator.projects.validators import validate_project_file

FRAMEWORK_MAX_BYTES = 2 * 1024 * 1024
VALUES_CSV_MAX_BYTES = 5 * 1024 * 1024
# Above this many cities the organisation is typed (with suggestions) rather than picked from
# a long drop-down list.
SELECT_LIMIT = 20


def cities_for_new_assessments(user: Any) -> QuerySet[Organisation]:
    """The local governments a person may start an assessment for (mirrors the rules)."""
    cities = Organisation.objects.filter(type=OrganisationType.LOCAL_GOVERNMENT)
    if is_secretariat(user):
        return cities.order_by("name")
    condition = Q(id__in=represented_organisation_ids(user))
    regions = served_region_ids(user)
    if regions:
        condition |= Q(region_id__in=regions)
    return cities.filter(condition).order_by("name")


def version_label(version: FrameworkVersion) -> str:
    count = getattr(version, "indicator_count", None)
    if count is None:
        return str(version)
    return _("%(version)s (%(count)s indicators)") % {"version": version, "count": count}


class VersionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: FrameworkVersion) -> str:
        return version_label(obj)


# The list


class AssessmentFilterForm(forms.Form):
    """Staff narrow the list; every field is optional."""

    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Any status")), *AssessmentStatus.choices],
    )
    version = VersionChoiceField(
        label=_("Framework"),
        required=False,
        queryset=FrameworkVersion.objects.none(),
        empty_label=_("Any framework"),
    )
    year = forms.IntegerField(label=_("Year"), required=False, min_value=2000, max_value=2100)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["version"].queryset = selectors.frameworks()


# Starting an assessment


class CityNameField(forms.CharField):
    """A city typed by name (the page suggests names as one types), or by its web address."""

    def __init__(self, *, queryset: QuerySet[Organisation], **kwargs: Any) -> None:
        self.queryset = queryset
        super().__init__(max_length=220, **kwargs)

    def clean(self, value: Any) -> Organisation | None:  # type: ignore[override]
        text = super().clean(value)
        if not text:
            return None
        matches = list(self.queryset.filter(Q(name__iexact=text) | Q(slug=text.lower()))[:2])
        if not matches:
            raise ValidationError(
                _("No city you may start an assessment for is called %(name)s."),
                params={"name": text},
            )
        if len(matches) > 1 and matches[0].name.lower() == matches[1].name.lower():
            raise ValidationError(
                _("Several cities are called %(name)s; type the web address shown next to it."),
                params={"name": text},
            )
        return matches[0]


class AssessmentStartForm(forms.Form):
    """The city, the framework version and the year of a new assessment."""

    version = VersionChoiceField(
        label=_("Framework"), queryset=FrameworkVersion.objects.none(), empty_label=None
    )
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)

    def __init__(self, *args: Any, cities: QuerySet[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.cities = cities
        self.suggestions: list[Organisation] = []
        choices = list(cities.select_related("region")[: SELECT_LIMIT + 1])
        if len(choices) > SELECT_LIMIT:
            self.suggestions = list(cities.only("name", "slug", "country"))
            self.fields["organisation"] = CityNameField(
                label=_("City"),
                queryset=cities,
                help_text=_("Start typing the city's name and pick it from the suggestions."),
                widget=forms.TextInput(attrs={"list": "city-suggestions", "autocomplete": "off"}),
            )
        else:
            self.fields["organisation"] = forms.ModelChoiceField(
                label=_("City"),
                queryset=cities,
                empty_label=None if len(choices) == 1 else "---",
                initial=choices[0].pk if len(choices) == 1 else None,
            )
        self.order_fields(["organisation", "version", "year"])
        self.fields["version"].queryset = selectors.frameworks()
        self.fields["year"].initial = timezone.now().year


# A section of the assessment


@dataclass
class Row:
    """One indicator of a section as the page shows it: its fields when editable, else the value."""

    indicator: Indicator
    value: Value | None
    editable: bool
    fields: dict[str, forms.BoundField] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def errors(self) -> list[str]:
        """Every reason this indicator was not saved; beside the value, each names its field."""
        messages = []
        for part, bound in self.fields.items():
            for message in bound.errors:
                messages.append(str(message) if part == "value" else f"{bound.label}: {message}")
        return messages + self.problems

    @property
    def number(self) -> str:
        return number_text(self.value.value if self.value is not None else None)

    @property
    def file_name(self) -> str:
        if self.value is None or not self.value.evidence_file:
            return ""
        return os.path.basename(self.value.evidence_file.name)

    @property
    def level_label(self) -> str:
        """The descriptor of the chosen level of a survey question, for read-only display."""
        if self.value is None or self.value.value is None or not self.indicator.is_question:
            return ""
        index = int(self.value.value) - 1
        levels = self.indicator.question_levels
        return levels[index] if 0 <= index < len(levels) else ""


def number_text(number: float | None) -> str:
    """A stored number as a person typed it (12.0 shows as 12)."""
    if number is None:
        return ""
    return str(int(number)) if number.is_integer() else repr(number)


class SectionForm(forms.Form):
    """The fields of every editable indicator of one section, named after the indicator's id.

    Values are checked here with the service's own rule, so every mistake on the page shows at
    once; the service checks again when saving.
    """

    def __init__(
        self,
        data: Any = None,
        files: Any = None,
        *,
        rows: list[tuple[Indicator, Value | None]],
        editable: set[int],
    ) -> None:
        super().__init__(data, files)
        self.rows = [Row(indicator=i, value=v, editable=i.pk in editable) for i, v in rows]
        for row in self.rows:
            if row.editable:
                self._add_fields(row.indicator, row.value)
        for row in self.rows:
            if row.editable:
                row.fields = {
                    part: self[self.name(row.indicator, part)]
                    for part in self.parts(row.indicator, row.value)
                }

    @staticmethod
    def name(indicator: Indicator, part: str) -> str:
        return f"i{indicator.pk}-{part}"

    @staticmethod
    def parts(indicator: Indicator, value: Value | None) -> list[str]:
        parts = ["value", "source", "link", "file"]
        if value is not None and value.evidence_file:
            # Not "clear": a template looking up row.fields.clear would call dict.clear().
            parts.append("remove")
        return parts

    def _add_fields(self, indicator: Indicator, value: Value | None) -> None:
        name = self.name
        if indicator.is_question:
            self.fields[name(indicator, "value")] = forms.ChoiceField(
                label=indicator.question_text or indicator.name,
                required=False,
                choices=[
                    (str(level), text)
                    for level, text in enumerate(indicator.question_levels, start=1)
                ],
                widget=forms.RadioSelect,
                initial=number_text(value.value) if value else None,
            )
        else:
            self.fields[name(indicator, "value")] = forms.CharField(
                label=_("Value"),
                required=False,
                max_length=40,
                widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
                initial=number_text(value.value) if value else "",
            )
        self.fields[name(indicator, "source")] = forms.CharField(
            label=_("Source"),
            required=False,
            max_length=300,
            initial=value.source if value else "",
            help_text=_("Where the figure comes from: an office, a survey, a publication."),
        )
        self.fields[name(indicator, "link")] = forms.URLField(
            label=_("Evidence link"),
            required=False,
            max_length=500,
            assume_scheme="https",
            initial=value.evidence_link if value else "",
        )
        self.fields[name(indicator, "file")] = forms.FileField(
            label=_("Evidence file"),
            required=False,
            validators=[validate_project_file],
            help_text=_("PDF, image, Office document, CSV or text."),
        )
        if value is not None and value.evidence_file:
            self.fields[name(indicator, "remove")] = forms.BooleanField(
                label=_("Remove the file"), required=False
            )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        for row in self.rows:
            key = self.name(row.indicator, "value")
            if not row.editable or key not in cleaned:
                continue
            try:
                services.clean_value(row.indicator, cleaned[key])
            except ValidationError as error:
                self.add_error(key, error.messages)
        return cleaned

    def entries(self) -> dict[Indicator, services.ValueInput]:
        """What to save: each editable indicator with a stored value or something entered."""
        entries = {}
        data = self.cleaned_data
        for row in self.rows:
            if not row.editable:
                continue
            entry = services.ValueInput(
                value=data.get(self.name(row.indicator, "value")),
                source=data.get(self.name(row.indicator, "source")) or "",
                evidence_link=data.get(self.name(row.indicator, "link")) or "",
                evidence_file=data.get(self.name(row.indicator, "file")),
                clear_file=bool(data.get(self.name(row.indicator, "remove"))),
            )
            entered = entry.value not in (None, "") or any(
                [entry.source, entry.evidence_link, entry.evidence_file]
            )
            if row.value is not None or entered:
                entries[row.indicator] = entry
        return entries

    def add_problems(self, problems: dict[str, list[str]]) -> None:
        """The service's reasons, each shown next to its indicator."""
        for row in self.rows:
            row.problems = problems.get(row.indicator.code, [])

    @property
    def failed_rows(self) -> list[Row]:
        return [row for row in self.rows if row.errors]


# Verification


class VerifyForm(forms.Form):
    """A reviewer's verdict on one value; a query or a rejection says why."""

    verification = forms.ChoiceField(
        label=pgettext_lazy("verification", "Verdict"),
        choices=[
            (Verification.VERIFIED.value, Verification.VERIFIED.label),
            (Verification.QUERIED.value, Verification.QUERIED.label),
            (Verification.REJECTED.value, Verification.REJECTED.label),
        ],
    )
    comment = forms.CharField(
        label=_("Comment for the city"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label=_("Why does the assessment go back to the city?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ExpertsForm(forms.Form):
    """The expert auditors of an assessment, chosen among the platform's reviewers."""

    experts = forms.ModelMultipleChoiceField(
        label=_("Expert auditors"),
        required=False,
        queryset=get_user_model().objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Experts see the assessment once it is submitted, and verify its values."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["experts"].queryset = (
            get_user_model()
            .objects.filter(platform_role=PlatformRole.REVIEWER, is_active=True)
            .order_by("full_name", "email")
        )


# Imports


class FrameworkImportForm(forms.Form):
    file = forms.FileField(
        label=_("Framework file (.json)"),
        help_text=_("A JSON document as described in the framework format; at most 2 MB."),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".json"):
            raise ValidationError(_("Choose a .json file."))
        if upload.size > FRAMEWORK_MAX_BYTES:
            raise ValidationError(_("The file is larger than 2 MB."))
        try:
            self.cleaned_data["document"] = json.loads(upload.read().decode("utf-8-sig"))
        except UnicodeDecodeError:
            raise ValidationError(_("The file is not UTF-8 text.")) from None
        except json.JSONDecodeError as error:
            raise ValidationError(
                _("The file is not valid JSON (line %(line)s, column %(column)s: %(msg)s)."),
                params={"line": error.lineno, "column": error.colno, "msg": error.msg},
            ) from None
        except (RecursionError, OverflowError, ValueError):
            message = _("The file nests too deep or holds numbers too large.")
            raise ValidationError(message) from None
        return upload


def encode_text(text: str) -> str:
    """The checked file, carried through the page to the import button byte for byte."""
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


class ValuesImportForm(forms.Form):
    """A long CSV for one framework version: uploaded, or carried over from a clean check."""

    version = VersionChoiceField(
        label=_("Framework"), queryset=FrameworkVersion.objects.none(), empty_label=None
    )
    file = forms.FileField(
        label=_("CSV file"),
        required=False,
        help_text=_("UTF-8 text, comma-separated, with a header row; at most 5 MB."),
    )
    content = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["version"].queryset = selectors.frameworks()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        upload = cleaned.get("file")
        if upload:
            if upload.size > VALUES_CSV_MAX_BYTES:
                self.add_error("file", _("The file is larger than 5 MB."))
                return cleaned
            raw = upload.read()
        elif cleaned.get("content"):
            try:
                raw = base64.b64decode(cleaned["content"], validate=True)
            except (binascii.Error, ValueError):
                self.add_error("file", _("Choose the CSV file again."))
                return cleaned
            if len(raw) > VALUES_CSV_MAX_BYTES:
                self.add_error("file", _("The file is larger than 5 MB."))
                return cleaned
        else:
            self.add_error("file", _("Choose a CSV file."))
            return cleaned
        try:
            cleaned["text"] = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            self.add_error("file", _("The file is not UTF-8 text; save it as CSV UTF-8."))
        return cleaned
