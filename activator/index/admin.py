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


@admin.register(Framework)
class FrameworkAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "kind"]


@admin.register(FrameworkVersion)
class FrameworkVersionAdmin(admin.ModelAdmin):
    list_display = ["framework", "version", "normalisation", "weights", "missing"]
    list_select_related = ["framework"]


@admin.register(Group)
class GroupAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "version", "depth", "weight", "aggregation"]
    list_filter = ["version"]
    list_select_related = ["version__framework"]


@admin.register(Indicator)
class IndicatorAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "version", "unit", "direction", "weight"]
    list_filter = ["version", "direction"]
    search_fields = ["code", "name"]
    list_select_related = ["version__framework"]


class ValueInline(admin.TabularInline):
    model = Value
    extra = 0
    raw_id_fields = ["indicator", "verified_by"]


@admin.register(Assessment)
class AssessmentAdmin(admin.ModelAdmin):
    list_display = ["organisation", "version", "year", "status", "submitted_at"]
    list_filter = ["status", "year", "version"]
    search_fields = ["organisation__name"]
    raw_id_fields = ["organisation", "created_by", "submitted_by"]
    list_select_related = ["organisation", "version__framework"]
    inlines = [ValueInline]


@admin.register(ResultSet)
class ResultSetAdmin(admin.ModelAdmin):
    list_display = ["version", "year", "status", "cohort_size", "computed_at", "published_at"]
    list_select_related = ["version__framework"]


@admin.register(CityResult)
class CityResultAdmin(admin.ModelAdmin):
    list_display = ["organisation", "result_set", "overall", "rank", "stage"]
    list_select_related = ["organisation", "result_set__version__framework"]
    raw_id_fields = ["organisation", "assessment"]


@admin.register(CountryIncome)
class CountryIncomeAdmin(admin.ModelAdmin):
    list_display = ["country", "group", "source"]
    list_filter = ["group"]
