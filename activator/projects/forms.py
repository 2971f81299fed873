"""Forms of the project workspace. They read and check input; the services save it."""

from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from activator.accounts.predicates import (
    is_secretariat,
    represented_organisation_ids,
    served_region_ids,
)
from activator.core.models import Pillar, Sdg, Sector, StakeholderType
from activator.members.models import Organisation
from activator.projects.enums import Stage, Visibility
from activator.projects.models import (
    Funding,
    Kpi,
    KpiValue,
    Milestone,
    Project,
    ProjectFile,
    ProjectLink,
    ProjectPartner,
    ProjectTemplate,
    TemplateKpi,
    TemplateMilestone,
)


class DateInput(forms.DateInput):
    """The browser's date picker; the value travels as YYYY-MM-DD whatever the language."""

    input_type = "date"

    def __init__(self, attrs: dict | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def organisations_for_new_projects(user: Any) -> QuerySet[Organisation]:
    """The organisations a person may start a project for (mirrors `projects.add_project`)."""
    if is_secretariat(user):
        return Organisation.objects.order_by("name")
    condition = Q(id__in=represented_organisation_ids(user))
    regions = served_region_ids(user)
    if regions:
        condition |= Q(region_id__in=regions)
    return Organisation.objects.filter(condition).order_by("name")


class ProjectListFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    stage = forms.ChoiceField(
        label=_("Stage"), required=False, choices=[("", _("All stages")), *Stage.choices]
    )
    visibility = forms.ChoiceField(
        label=_("Visibility"),
        required=False,
        choices=[("", _("All visibilities")), *Visibility.choices],
    )


class ProjectForm(forms.ModelForm):
    """A project's own fields, as its owner edits them."""

    class Meta:
        model = Project
        fields = [
            "title",
            "summary",
            "features",
            "results",
            "stage",
            "sectors",
            "pillars",
            "sdgs",
            "budget_amount",
            "budget_currency",
            "start_date",
            "end_date",
            "open_ended",
            "year",
            "visibility",
        ]
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 4}),
            "features": forms.Textarea(attrs={"rows": 4}),
            "results": forms.Textarea(attrs={"rows": 4}),
            "sectors": forms.CheckboxSelectMultiple,
            "pillars": forms.CheckboxSelectMultiple,
            "sdgs": forms.CheckboxSelectMultiple,
            "start_date": DateInput,
            "end_date": DateInput,
        }
        help_texts = {
            "visibility": _(
                "Organisation only: your organisation's people. Network members: every member "
                "and the network's staff. Public: everyone; publishing also lists it in the "
                "catalog."
            ),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["sectors"].queryset = Sector.objects.all()
        self.fields["pillars"].queryset = Pillar.objects.all()
        self.fields["sdgs"].queryset = Sdg.objects.all()
        self.fields["budget_amount"].widget.attrs.setdefault("min", "0")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("open_ended"):
            cleaned["end_date"] = None
        start, end = cleaned.get("start_date"), cleaned.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("The end is before the start."))
        return cleaned


class ProjectCreateForm(ProjectForm):
    organisation = forms.ModelChoiceField(
        label=_("Organisation"), queryset=Organisation.objects.none()
    )
    template = forms.ModelChoiceField(
        queryset=ProjectTemplate.objects.filter(is_active=True),
        to_field_name="slug",
        required=False,
        widget=forms.HiddenInput,
    )

    class Meta(ProjectForm.Meta):
        fields = ["organisation", *ProjectForm.Meta.fields]

    def __init__(self, *args: Any, organisations: QuerySet[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations
        self.order_fields(["organisation", "template"])


class ProjectEditForm(ProjectForm):
    stage_changed_on = forms.DateField(
        label=_("Date of the stage change"),
        required=False,
        widget=DateInput,
        help_text=_("When the project reached the new stage; today when left empty."),
    )
    stage_note = forms.CharField(
        label=_("Note on the stage change"),
        required=False,
        max_length=300,
        help_text=_("Shown on the project's timeline."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        names = list(self.fields)
        names.remove("stage_changed_on")
        names.remove("stage_note")
        at = names.index("stage") + 1
        self.order_fields([*names[:at], "stage_changed_on", "stage_note", *names[at:]])

    def clean_stage_changed_on(self):
        day = self.cleaned_data.get("stage_changed_on")
        if day and day > timezone.localdate():
            raise forms.ValidationError(_("The date cannot be in the future."))
        return day


class PartnerForm(forms.ModelForm):
    class Meta:
        model = ProjectPartner
        fields = ["organisation", "name", "role", "stakeholder_type"]
        help_texts = {
            "organisation": _("A member of the network; or write the name of another body."),
        }

    def __init__(self, *args: Any, project: Project | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.project = project
        self.fields["organisation"].queryset = Organisation.objects.only("id", "name")
        self.fields["stakeholder_type"].queryset = StakeholderType.objects.all()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        organisation, name = cleaned.get("organisation"), cleaned.get("name", "").strip()
        if organisation is None and not name and "organisation" not in self.errors:
            self.add_error("name", _("Choose a member organisation or write a name."))
        if organisation is not None and name:
            self.add_error("name", _("Choose a member organisation or write a name, not both."))
        role = cleaned.get("role")
        if (
            self.project is not None
            and organisation is not None
            and role
            and self.project.partners.filter(organisation=organisation, role=role).exists()
        ):
            self.add_error("organisation", _("This partner already has this role."))
        return cleaned


class FundingForm(forms.ModelForm):
    class Meta:
        model = Funding
        fields = ["source", "type", "amount"]


class MilestoneForm(forms.ModelForm):
    class Meta:
        model = Milestone
        fields = ["title", "due_date", "status", "completed_on"]
        widgets = {"due_date": DateInput, "completed_on": DateInput}
        help_texts = {"completed_on": _("Today when marked done without a date.")}


class KpiForm(forms.ModelForm):
    class Meta:
        model = Kpi
        fields = ["name", "unit", "baseline", "target"]


class KpiValueForm(forms.ModelForm):
    class Meta:
        model = KpiValue
        fields = ["measured_on", "value", "note"]
        widgets = {"measured_on": DateInput}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["measured_on"].initial = timezone.localdate
        self.fields["measured_on"].widget.attrs["max"] = timezone.localdate().isoformat()


class FileForm(forms.ModelForm):
    class Meta:
        model = ProjectFile
        fields = ["title", "kind", "file"]
        help_texts = {
            "title": _("The file's name when left empty."),
            "file": _("PDF, Word, Excel, PowerPoint, CSV, text, PNG or JPEG."),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["title"].required = False
        self.fields["file"].widget.attrs["accept"] = (
            ".pdf,.docx,.xlsx,.pptx,.csv,.txt,.png,.jpg,.jpeg"
        )


class LinkForm(forms.ModelForm):
    class Meta:
        model = ProjectLink
        fields = ["title", "url"]


class TemplateForm(forms.ModelForm):
    class Meta:
        model = ProjectTemplate
        fields = ["name", "summary", "sectors", "pillars", "is_active"]
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 3}),
            "sectors": forms.CheckboxSelectMultiple,
            "pillars": forms.CheckboxSelectMultiple,
        }
        help_texts = {
            "is_active": _("Offered when a project is started. Projects already started keep it."),
        }


class TemplateMilestoneForm(forms.Form):
    title = TemplateMilestone._meta.get_field("title").formfield()
    months_after_start = TemplateMilestone._meta.get_field("months_after_start").formfield(
        min_value=0, max_value=240
    )

    def has_changed(self) -> bool:
        """A row without a title and with no months (or none) is blank."""
        months = str(self["months_after_start"].value() or "").strip()
        return bool(str(self["title"].value() or "").strip() or months not in ("", "0"))


class TemplateKpiForm(forms.Form):
    name = TemplateKpi._meta.get_field("name").formfield()
    unit = TemplateKpi._meta.get_field("unit").formfield()
    higher_is_better = TemplateKpi._meta.get_field("higher_is_better").formfield()

    def has_changed(self) -> bool:
        """A row that names no KPI is blank, whatever its checkbox says."""
        return bool(
            str(self["name"].value() or "").strip() or str(self["unit"].value() or "").strip()
        )


TemplateMilestoneFormSet = forms.formset_factory(
    TemplateMilestoneForm, extra=3, can_delete=True, max_num=50, validate_max=True
)
TemplateKpiFormSet = forms.formset_factory(
    TemplateKpiForm, extra=3, can_delete=True, max_num=50, validate_max=True
)
