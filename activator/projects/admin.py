"""Projects and templates in the Django admin, for the Secretariat's corrections.

The admin writes models directly rather than through `projects.services`, so what the services
would do after a change is done here too: derived fields are set before saving, and the
project's catalog facet values and search text are refreshed once its sectors, partners and
funding sources are saved. Milestones and KPIs are shown but changed on the project's pages,
where their history is recorded.
"""

from django.contrib import admin

from activator.core.search import search_remove
from activator.projects import services
from activator.projects.models import (
    Funding,
    Kpi,
    Milestone,
    Project,
    ProjectPartner,
    ProjectTemplate,
    TemplateKpi,
    TemplateMilestone,
)
from activator.projects.selectors import SEARCH_KIND


class PartnerInline(admin.TabularInline):
    model = ProjectPartner
    extra = 0
    fields = ["organisation", "name", "role", "stakeholder_type"]
    raw_id_fields = ["organisation"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("organisation", "stakeholder_type")


class FundingInline(admin.TabularInline):
    model = Funding
    extra = 0
    fields = ["source", "type", "amount"]


class ReadOnlyInline(admin.TabularInline):
    """Shown for reference; added and changed on the project's pages, which keep the history."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class MilestoneInline(ReadOnlyInline):
    model = Milestone
    fields = ["title", "due_date", "status", "completed_on"]


class KpiInline(ReadOnlyInline):
    model = Kpi
    fields = ["name", "unit", "baseline", "target"]


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ["title", "organisation", "stage", "visibility", "published_at", "year"]
    list_filter = ["organisation__region", "stage", "visibility", "sectors", "year"]
    search_fields = ["title", "summary", "organisation__name"]
    show_facets = admin.ShowFacets.ALWAYS
    list_select_related = ["organisation"]
    raw_id_fields = ["organisation", "template"]
    filter_horizontal = ["sectors", "pillars", "sdgs"]
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["budget_usd", "budget_band", "created_by", "created_at", "updated_at"]
    inlines = [PartnerInline, FundingInline, MilestoneInline, KpiInline]

    def save_model(self, request, obj, form, change):
        # The fields the services derive from others: comparable budget, band, year, …
        services._derive(obj)
        if not change and obj.created_by_id is None and request.user.is_authenticated:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Sectors, pillars, SDGs, partners and funding sources are saved only now.
        services.project_reindex(form.instance)

    def delete_model(self, request, obj):
        search_remove(kind=SEARCH_KIND, object_id=obj.pk)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for project_id in queryset.values_list("id", flat=True):
            search_remove(kind=SEARCH_KIND, object_id=project_id)
        super().delete_queryset(request, queryset)


class TemplateMilestoneInline(admin.TabularInline):
    model = TemplateMilestone
    extra = 0
    fields = ["title", "months_after_start", "position"]


class TemplateKpiInline(admin.TabularInline):
    model = TemplateKpi
    extra = 0
    fields = ["name", "unit", "higher_is_better", "position"]


@admin.register(ProjectTemplate)
class ProjectTemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "is_active"]
    list_filter = ["is_active", "sectors"]
    search_fields = ["name", "summary"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["sectors", "pillars"]
    inlines = [TemplateMilestoneInline, TemplateKpiInline]
