"""The catalog's facets: what each is called, how its values are labelled, and how they sort."""

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from activator.core.models import Pillar, Region, Sdg, Sector, StakeholderType
from activator.projects.enums import BudgetBand, FundingType, Stage


@dataclass(frozen=True)
class Facet:
    key: str
    label: Promise
    labels: Callable[[], dict[str, str]]
    # Facets whose values have a natural order keep it; the others list the largest counts first.
    ordered: bool = False


def _terms(model) -> Callable[[], dict[str, str]]:
    return lambda: {term.slug: str(term) for term in model.objects.all()}


def _choices(enum) -> Callable[[], dict[str, str]]:
    return lambda: {value: str(label) for value, label in enum.choices}


FACETS: dict[str, Facet] = {
    facet.key: facet
    for facet in [
        Facet("region", _("Region"), _terms(Region), ordered=True),
        Facet("country", _("Country"), lambda: {code: str(name) for code, name in countries}),
        Facet("sector", _("Sector"), _terms(Sector)),
        Facet("stakeholder", _("Stakeholder type"), _terms(StakeholderType)),
        Facet("pillar", _("Pillar"), _terms(Pillar), ordered=True),
        Facet("sdg", _("SDG"), lambda: {str(g.position): str(g) for g in Sdg.objects.all()}, True),
        Facet("stage", _("Stage"), _choices(Stage), ordered=True),
        Facet("funding", _("Funding type"), _choices(FundingType)),
        Facet("year", _("Year"), lambda: {}, ordered=True),
        Facet("budget", _("Budget"), _choices(BudgetBand), ordered=True),
    ]
}
FACET_KEYS = list(FACETS)
