"""The member directory's filters: one definition for the page, the API and the export."""

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from activator.core.models import Region
from activator.core.search import normalize
from activator.members.enums import MembershipStatus, OrganisationType

SORTS = {
    "name": ("name", _("Name (A–Z)")),
    "-name": ("-name", _("Name (Z–A)")),
    "country": ("country", _("Country")),
    "-population": ("-population", _("Largest population")),
    "-joined": ("-membership__joined_on", _("Newest members")),
}
PARTNER = "partner"


class OrganisationFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search")
    type = django_filters.MultipleChoiceFilter(label=_("Type"), choices=OrganisationType.choices)
    region = django_filters.MultipleChoiceFilter(label=_("Region"), method="filter_region")
    country = django_filters.MultipleChoiceFilter(
        label=_("Country"), choices=[], method="filter_country"
    )
    status = django_filters.MultipleChoiceFilter(
        label=_("Membership status"),
        choices=[*MembershipStatus.choices, (PARTNER, _("Partner"))],
        method="filter_status",
    )
    sort = django_filters.ChoiceFilter(
        label=_("Sort by"),
        choices=[(key, label) for key, (_field, label) in SORTS.items()],
        method="sort_by",
        empty_label=None,
    )

    class Meta:
        fields = ["q", "type", "region", "country", "status", "sort"]

    def __init__(self, data=None, *args, **kwargs):
        super().__init__(data, *args, **kwargs)
        regions = list(Region.objects.values_list("slug", "name"))
        self.filters["region"].extra["choices"] = regions
        self._region_lookup = {}
        for slug, name in regions:
            self._region_lookup[slug.lower()] = slug
            self._region_lookup[name.lower()] = slug
        self.filters["country"].extra["choices"] = list(countries)
        if self.data is not None:
            self.data = self._normalised(self.data)

    def _normalised(self, data):
        """Region names and lower-case country codes are accepted as well as the canonical forms."""
        data = data.copy()
        if hasattr(data, "getlist"):
            regions = data.getlist("region")
            countries_ = data.getlist("country")
            data.setlist("region", [self._region_lookup.get(r.lower(), r) for r in regions])
            data.setlist("country", [c.upper() for c in countries_])
        return data

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        terms = normalize(value).split()
        condition = Q()
        for term in terms:
            condition &= Q(search_text__contains=term)
        return queryset.filter(condition)

    def filter_region(self, queryset: QuerySet, name: str, value: list[str]) -> QuerySet:
        return queryset.filter(region__slug__in=value) if value else queryset

    def filter_country(self, queryset: QuerySet, name: str, value: list[str]) -> QuerySet:
        return queryset.filter(country__in=value) if value else queryset

    def filter_status(self, queryset: QuerySet, name: str, value: list[str]) -> QuerySet:
        if not value:
            return queryset
        statuses = [v for v in value if v != PARTNER]
        condition = Q(membership_status__in=statuses)
        if PARTNER in value:
            condition |= Q(is_partner=True)
        return queryset.filter(condition)

    def sort_by(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        field = SORTS.get(value, SORTS["name"])[0]
        return queryset.order_by(field, "name", "pk")
