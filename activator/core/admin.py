from django.contrib import admin

from activator.core.models import AuditEntry, Pillar, Region, Sdg, Sector, StakeholderType


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "position"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["created_at", "actor", "action", "object_repr"]
    list_filter = ["action", "content_type"]
    search_fields = ["object_repr", "note"]

    def has_add_permission(self, request):  # the trail is written by services only
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class TermAdmin(admin.ModelAdmin):
    """A taxonomy's values; changing or deleting one refreshes the projects that have it.

    Projects carry the values in their catalog facets (slugs, an SDG's number) and search text
    (names, in position order), which `projects.services.project_reindex` rebuilds.
    """

    list_display = ["name", "slug", "position"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    #: The fields projects' facet values and search text are made of.
    indexed_fields = ["name", "slug", "position"]
    #: The lookup from a project to this taxonomy's values.
    project_lookup = ""

    def _project_ids(self, terms) -> list[int]:
        from activator.projects.models import Project

        lookup = {f"{self.project_lookup}__in": terms}
        return list(Project.objects.filter(**lookup).values_list("id", flat=True).distinct())

    def _reindex(self, project_ids) -> None:
        from activator.projects.models import Project
        from activator.projects.services import project_reindex

        for project in Project.objects.filter(id__in=project_ids):
            project_reindex(project)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and set(form.changed_data) & set(self.indexed_fields):
            self._reindex(self._project_ids([obj]))

    def delete_model(self, request, obj):
        project_ids = self._project_ids([obj])
        super().delete_model(request, obj)
        self._reindex(project_ids)

    def delete_queryset(self, request, queryset):
        project_ids = self._project_ids(list(queryset))
        super().delete_queryset(request, queryset)
        self._reindex(project_ids)


@admin.register(Sector)
class SectorAdmin(TermAdmin):
    project_lookup = "sectors"


@admin.register(Pillar)
class PillarAdmin(TermAdmin):
    project_lookup = "pillars"


@admin.register(StakeholderType)
class StakeholderTypeAdmin(TermAdmin):
    project_lookup = "partners__stakeholder_type"


@admin.register(Sdg)
class SdgAdmin(TermAdmin):
    list_display = ["position", "name", "slug"]
    indexed_fields = ["position"]  # the catalog shows a goal by its number
    project_lookup = "sdgs"
