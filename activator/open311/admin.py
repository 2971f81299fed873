from django.contrib import admin

from activator.open311.models import Jurisdiction, Service, ServiceRequest


class ServiceInline(admin.StackedInline):
    model = Service
    extra = 0


@admin.register(Jurisdiction)
class JurisdictionAdmin(admin.ModelAdmin):
    list_display = ["jurisdiction_id", "organisation", "enabled"]
    list_filter = ["enabled"]
    search_fields = ["jurisdiction_id", "organisation__name"]
    autocomplete_fields = ["organisation"]
    inlines = [ServiceInline]


@admin.register(ServiceRequest)
class ServiceRequestAdmin(admin.ModelAdmin):
    """Read-only here: triage happens on the triage pages, which keep the audit trail."""

    list_display = ["pk", "jurisdiction", "service", "status", "requested_datetime"]
    list_filter = ["status", "jurisdiction"]
    list_select_related = ["jurisdiction", "service"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
