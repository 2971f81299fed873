from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from activator.accounts.enums import AffiliationRole
from activator.core.models import Region
from activator.members.enums import MembershipCategory
from activator.members.models import (
    FeeTier,
    GovernanceRole,
    MembershipApplication,
    Organisation,
)


class JoinForm(forms.ModelForm):
    """The public expression of interest."""

    class Meta:
        model = MembershipApplication
        fields = [
            "organisation_name",
            "type",
            "country",
            "city",
            "population",
            "website",
            "category",
            "contact_name",
            "contact_title",
            "contact_email",
            "message",
        ]
        widgets = {"message": forms.Textarea(attrs={"rows": 4})}
        help_texts = {
            "city": _("For a company or institution: the city of its headquarters."),
            "population": _("For a city or local government."),
            "category": _(
                "Associate membership is where most members start; full members take part "
                "in governance. Staff confirm the category with you."
            ),
        }


class OrganisationForm(forms.ModelForm):
    class Meta:
        model = Organisation
        fields = [
            "name",
            "type",
            "country",
            "region",
            "city",
            "population",
            "website",
            "logo",
            "email",
            "phone",
            "address",
            "description",
            "is_partner",
            "partner_since",
        ]
        widgets = {
            "address": forms.Textarea(attrs={"rows": 2}),
            "description": forms.Textarea(attrs={"rows": 4}),
            "partner_since": forms.DateInput(attrs={"type": "date"}),
        }

    def __init__(self, *args, region_choices=None, **kwargs):
        super().__init__(*args, **kwargs)
        if region_choices is not None:
            self.fields["region"].queryset = region_choices


class RepresentativeOrganisationForm(OrganisationForm):
    """What a member representative may edit: the profile, not the classification."""

    class Meta(OrganisationForm.Meta):
        fields = ["website", "logo", "email", "phone", "address", "description", "population"]


class ApproveForm(forms.Form):
    category = forms.ChoiceField(label=_("Membership category"), choices=MembershipCategory.choices)
    fee_tier = forms.ModelChoiceField(
        label=_("Fee tier"), queryset=FeeTier.objects.all(), required=False
    )
    region = forms.ModelChoiceField(
        label=_("Region"),
        queryset=Region.objects.all(),
        required=False,
        help_text=_("Leave empty to use the country's usual region."),
    )


class DeclineForm(forms.Form):
    note = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Sent to the applicant."),
    )


class RenewForm(forms.Form):
    year = forms.IntegerField(label=_("Year paid"), min_value=2000, max_value=2100)
    fee_tier = forms.ModelChoiceField(
        label=_("Fee tier"), queryset=FeeTier.objects.all(), required=False
    )
    amount = forms.DecimalField(
        label=_("Amount received"),
        required=False,
        min_value=0,
        max_digits=12,
        decimal_places=2,
        help_text=_("Leave empty to record the tier's annual fee."),
    )
    note = forms.CharField(label=_("Note"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].initial = timezone.localdate().year


class UpgradeForm(forms.Form):
    note = forms.CharField(label=_("Note"), required=False)


class WithdrawForm(forms.Form):
    date = forms.DateField(
        label=_("Withdrawal date"), widget=forms.DateInput(attrs={"type": "date"})
    )
    note = forms.CharField(label=_("Reason"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["date"].initial = timezone.localdate()


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address"))
    role = forms.ChoiceField(label=_("Role"), choices=AffiliationRole.choices)


class GovernanceRoleForm(forms.ModelForm):
    class Meta:
        model = GovernanceRole
        fields = ["role", "start_year", "end_year", "approximate", "note"]
