from django.contrib import admin

from activator.members.models import (
    FeeTier,
    GovernanceRole,
    Membership,
    MembershipApplication,
    MembershipEvent,
    Organisation,
    OrganisationAlias,
    RegionalOffice,
)


class AliasInline(admin.TabularInline):
    model = OrganisationAlias
    extra = 0


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "type", "country", "region", "is_partner"]
    list_filter = ["type", "region", "is_partner"]
    search_fields = ["name", "search_text"]
    inlines = [AliasInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    """Read-only: membership changes go through the services, so history stays complete."""

    list_display = ["organisation", "category", "joined_on", "paid_through", "cancelled_on"]
    list_filter = ["category"]
    search_fields = ["organisation__name"]

    def has_change_permission(self, request, obj=None):
        return False


admin.site.register([FeeTier, RegionalOffice])


@admin.register(MembershipEvent)
class MembershipEventAdmin(admin.ModelAdmin):
    list_display = ["date", "kind", "organisation", "amount", "currency"]
    list_filter = ["kind"]

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(MembershipApplication)
class MembershipApplicationAdmin(admin.ModelAdmin):
    list_display = ["organisation_name", "type", "country", "status", "submitted_at"]
    list_filter = ["status", "type"]


@admin.register(GovernanceRole)
class GovernanceRoleAdmin(admin.ModelAdmin):
    list_display = ["organisation", "role", "start_year", "end_year", "approximate"]
    list_filter = ["role"]
