"""Reads of the shared taxonomies."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from activator.core.models import CountryRegion, Region


def region_for_country(country_code: str) -> Region:
    """The region the network groups this country in; staff choose one where none is set."""
    mapping = CountryRegion.objects.select_related("region").filter(country=country_code).first()
    if mapping is None:
        raise ValidationError({"region": _("Choose a region: this country has none yet.")})
    return mapping.region
