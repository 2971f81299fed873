"""Forms of the space pages; the services check the rules, these only read the input."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from activator.participation.enums import (
    Feature,
    NotificationMode,
    ParticipantStatus,
    Plan,
    Verification,
)
from activator.participation.models import Space


class SpaceCreateForm(forms.Form):
    city = forms.ModelChoiceField(label=_("City"), queryset=None, empty_label=None)
    title = forms.CharField(
        label=_("Title"),
        max_length=200,
        required=False,
        help_text=_("Leave empty for “<city> participates”."),
    )

    def __init__(self, *args: Any, cities: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["city"].queryset = cities


class SpaceSettingsForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Rich text: paragraphs, bold, italics, lists and links."),
    )
    is_open = forms.BooleanField(
        label=_("Open"),
        required=False,
        help_text=_("A closed space can be read but nobody joins or writes in it."),
    )
    verification = forms.ChoiceField(label=_("Who may take part"), choices=Verification.choices)
    email_domains = forms.CharField(
        label=_("E-mail domains"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line, like seoul.go.kr; subdomains are included."),
    )
    flag_threshold = forms.IntegerField(
        label=_("Reports that hide content"),
        min_value=1,
        max_value=100,
        help_text=_(
            "Content reported by this many participants is hidden until a moderator decides."
        ),
    )

    def __init__(self, *args: Any, space: Space, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial",
            {
                "title": space.title,
                "description": space.description,
                "is_open": space.is_open,
                "verification": space.verification,
                "email_domains": "\n".join(space.domain_list()),
                "flag_threshold": space.flag_threshold,
            },
        )
        super().__init__(*args, **kwargs)
        if not space.has_feature(Feature.VERIFICATION):
            field = self.fields["verification"]
            field.choices = [(Verification.OPEN.value, Verification.OPEN.label)]
            field.help_text = _(
                "Invitation codes, e-mail domains and approval one by one are part of the "
                "premium plan."
            )


class InvitationCodeForm(forms.Form):
    code = forms.CharField(
        label=_("New invitation code"),
        required=False,
        max_length=100,
        help_text=_("Leave empty for a random one. The code is shown once, then only checked."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )


class ModeratorsForm(forms.Form):
    moderators = forms.CharField(
        label=_("Moderators"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "The e-mail addresses of people with an account, one per line. The city's "
            "representatives and the staff who serve it moderate anyway."
        ),
    )


class CategoryForm(forms.Form):
    name = forms.CharField(label=_("Category"), max_length=100)


class PlanForm(forms.Form):
    plan = forms.ChoiceField(label=_("Plan"), choices=Plan.choices)
    note = forms.CharField(
        label=_("Note for the audit trail"),
        required=False,
        max_length=500,
        help_text=_("For example the agreement or invoice it follows."),
    )


class JoinForm(forms.Form):
    code = forms.CharField(
        label=_("Invitation code"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )


class NotificationsForm(forms.Form):
    notifications = forms.ChoiceField(label=_("E-mails about what you follow here"))

    def __init__(self, *args: Any, space: Space, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["notifications"].choices = [
            (value, label)
            for value, label in NotificationMode.choices
            if value != NotificationMode.DIGEST or space.has_feature(Feature.DIGEST)
        ]


class DecisionForm(forms.Form):
    participant = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**63 - 1)
    status = forms.ChoiceField(
        choices=[
            (s.value, s.label)
            for s in (
                ParticipantStatus.VERIFIED,
                ParticipantStatus.REJECTED,
                ParticipantStatus.BLOCKED,
            )
        ]
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=1000)


class ParticipantFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Any")), *ParticipantStatus.choices],
    )


class ServiceChoiceForm(forms.Form):
    service = forms.ChoiceField(label=_("What is the problem about?"))

    def __init__(self, *args: Any, services: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["service"].choices = [(s.service_code, s.service_name) for s in services]


class ServiceRequestForm(forms.Form):
    """A problem report for one of the city's services; its attributes become fields
    `attribute_<n>`. Their rules are checked by open311.services, not here."""

    description = forms.CharField(
        label=_("Describe the problem"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    address_string = forms.CharField(
        label=_("Address"),
        max_length=300,
        required=False,
        help_text=_("Where it is: an address or a landmark; or give the coordinates below."),
    )
    lat = forms.FloatField(label=_("Latitude"), required=False, min_value=-90, max_value=90)
    long = forms.FloatField(label=_("Longitude"), required=False, min_value=-180, max_value=180)

    def __init__(self, *args: Any, service: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.attribute_fields: dict[str, str] = {}
        attributes = sorted(
            (a for a in service.attributes if a.get("variable", True)),
            key=lambda a: a.get("order", 0),
        )
        for n, attribute in enumerate(attributes):
            name = f"attribute_{n}"
            self.attribute_fields[name] = str(attribute["code"])
            self.fields[name] = _attribute_field(attribute)

    def attributes(self) -> dict[str, Any]:
        """The answers by attribute code, as the GeoReport API receives them."""
        return {
            code: self.cleaned_data.get(name)
            for name, code in self.attribute_fields.items()
            if self.cleaned_data.get(name) not in (None, "", [])
        }

    def field_of(self, error_key: str) -> str | None:
        """The form field of an error the service gives as `attribute[<code>]`."""
        for name, code in self.attribute_fields.items():
            if error_key == f"attribute[{code}]":
                return name
        return error_key if error_key in self.fields else None


def _attribute_field(attribute: dict[str, Any]) -> forms.Field:
    label = attribute.get("description") or attribute["code"]
    if attribute.get("required"):
        label = _("%(label)s (required)") % {"label": label}
    choices = [(str(v["key"]), v["name"]) for v in attribute.get("values", [])]
    datatype = attribute["datatype"]
    if datatype == "singlevaluelist":
        return forms.ChoiceField(label=label, required=False, choices=[("", "—"), *choices])
    if datatype == "multivaluelist":
        return forms.MultipleChoiceField(
            label=label, required=False, choices=choices, widget=forms.CheckboxSelectMultiple
        )
    if datatype == "text":
        return forms.CharField(
            label=label, required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
        )
    if datatype == "datetime":
        return forms.CharField(
            label=label,
            required=False,
            max_length=40,
            widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        )
    if datatype == "number":
        return forms.CharField(
            label=label,
            required=False,
            max_length=40,
            widget=forms.TextInput(attrs={"inputmode": "decimal"}),
        )
    return forms.CharField(label=label, required=False, max_length=1000)
