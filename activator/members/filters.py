"""The member directory's filters: one definition for the page, the API and the export."""

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from activator.core.models import Region
from activator.core.search import normalize
from activator.members.enums import MembershipStatus, OrganisationType
from activator.members.models import Organisation

SORTS = {
    "name": ("name", _("Name (A–Z)")),
    "-name": ("-name", _("Name (Z–A)")),
    "country": ("country", _("Country")),
    "-population": ("-population", _("Largest population")),
    "-joined": ("-membership__joined_on", _("Newest members")),
}
PARTNER = "partner"


class OneOfManySelect(forms.Select):
    """A drop-down for a filter that takes several values: the page picks one at a time,
    while the API and shared URLs may still name several (?country=KR&country=JP)."""

    def value_from_datadict(self, data, files, name):
        values = data.getlist(name) if hasattr(data, "getlist") else [data.get(name)]
        return [v for v in values if v]

    template_name = "members/widgets/one_of_many_select.html"

    def format_value(self, value):
        return [str(v) for v in (value or [])][:1] or [""]


class OrganisationFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search")
    type = django_filters.MultipleChoiceFilter(
        label=_("Type"),
        choices=OrganisationType.choices,
        widget=forms.CheckboxSelectMultiple,
        distinct=False,  # no to-many join: DISTINCT over every column would only cost time
    )
    region = django_filters.MultipleChoiceFilter(
        label=_("Region"), method="filter_region", widget=forms.CheckboxSelectMultiple
    )
    country = django_filters.MultipleChoiceFilter(
        label=_("Country"), choices=[], method="filter_country", widget=OneOfManySelect
    )
    status = django_filters.MultipleChoiceFilter(
        label=_("Membership status"),
        choices=[*MembershipStatus.choices, (PARTNER, _("Partner"))],
        method="filter_status",
        widget=forms.CheckboxSelectMultiple,
    )
    sort = django_filters.ChoiceFilter(
        label=_("Sort by"),
        choices=[(key, label) for key, (_field, label) in SORTS.items()],
        method="sort_by",
        empty_label=None,
    )

    class Meta:
        fields = ["q", "type", "region", "country", "status", "sort"]

    def __init__(self, data=None, *args, offer_countries_in_use: bool = False, **kwargs):
        super().__init__(data, *args, **kwargs)
        self.offer_countries_in_use = offer_countries_in_use
        regions = list(Region.objects.values_list("slug", "name"))
        self.filters["region"].extra["choices"] = regions
        self._region_lookup = {}
        for slug, name in regions:
            self._region_lookup[slug.lower()] = slug
            self._region_lookup[name.lower()] = slug
        self.filters["country"].extra["choices"] = list(countries)
        if self.data is not None:
            self.data = self._normalised(self.data)

    @property
    def form(self):
        """The page offers only countries that have organisations; any ISO code stays valid."""
        form = super().form
        widget = form.fields["country"].widget
        if self.offer_countries_in_use and not getattr(widget, "narrowed", False):
            widget.choices = [("", _("All countries")), *self._countries_in_use()]
            widget.narrowed = True
        return form

    @staticmethod
    def _countries_in_use() -> list[tuple[str, str]]:
        """Only countries that have organisations are offered, sorted by their translated name."""
        used = set(Organisation.objects.order_by().values_list("country", flat=True).distinct())
        return [(code, name) for code, name in countries if code in used]

    def _normalised(self, data):
        """Region names and lower-case country codes are accepted as well as the canonical forms."""
        data = data.copy()
        if hasattr(data, "getlist"):
            regions = data.getlist("region")
            countries_ = [c for c in data.getlist("country") if c]
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
