"""The index in the admin: for looking, not for changing.

Frameworks change by importing a new version, assessments and results through their services
(which check, audit and recompute); editing them here would skip all three.
"""

from django.contrib import admin

from activator.index.models import (
    Assessment,
    CityResult,
    CountryIncome,
    Framework,
    FrameworkVersion,
    Group,
    Indicator,
    ResultSet,
    Value,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Framework)
class FrameworkAdmin(ReadOnlyAdmin):
    list_display = ["name", "slug", "kind"]


@admin.register(FrameworkVersion)
class FrameworkVersionAdmin(ReadOnlyAdmin):
    list_display = ["framework", "version", "normalisation", "weights", "missing"]
    list_select_related = ["framework"]


@admin.register(Group)
class GroupAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "version", "depth", "weight", "aggregation"]
    list_filter = ["version"]
    list_select_related = ["version__framework"]


@admin.register(Indicator)
class IndicatorAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "version", "unit", "direction", "weight"]
    list_filter = ["version", "direction"]
    search_fields = ["code", "name"]
    list_select_related = ["version__framework"]


class ValueInline(ReadOnlyInline):
    model = Value
    fields = ["indicator", "value", "source", "verification", "comment"]


@admin.register(Assessment)
class AssessmentAdmin(ReadOnlyAdmin):
    list_display = ["organisation", "version", "year", "status", "submitted_at"]
    list_filter = ["status", "year", "version"]
    search_fields = ["organisation__name"]
    list_select_related = ["organisation", "version__framework"]
    inlines = [ValueInline]


@admin.register(ResultSet)
class ResultSetAdmin(ReadOnlyAdmin):
    list_display = ["version", "year", "status", "cohort_size", "computed_at", "published_at"]
    list_select_related = ["version__framework"]


@admin.register(CityResult)
class CityResultAdmin(ReadOnlyAdmin):
    list_display = ["organisation", "result_set", "overall", "rank", "stage"]
    list_select_related = ["organisation", "result_set__version__framework"]


@admin.register(CountryIncome)
class CountryIncomeAdmin(admin.ModelAdmin):
    list_display = ["country", "group", "source"]
    list_filter = ["group"]
