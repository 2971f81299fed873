"""The spreadsheet form of an organisation: one row per organisation, the same columns both ways.

Import accepts what people type (a type's label, a country's English name, a region's name or
slug) and checks every row with the model's own validation before anything is saved.
"""

import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext as _
from django_countries import countries
from import_export import fields, resources, widgets
from import_export.results import RowResult

from activator.core.models import CountryRegion, Region
from activator.core.spreadsheets import FORMULA_PREFIXES
from activator.members.enums import OrganisationType
from activator.members.models import Organisation

#: Columns read on import, in the order they are written on export.
IMPORT_COLUMNS = [
    "id",
    "name",
    "type",
    "country",
    "region",
    "city",
    "population",
    "website",
    "email",
    "phone",
    "is_partner",
    "partner_since",
]
#: Columns written on export only; an import ignores them.
EXPORT_ONLY_COLUMNS = ["membership_status", "membership_category", "joined_on", "paid_through"]
#: Columns an import file must have.
REQUIRED_COLUMNS = ["name", "type", "country", "region"]

#: Text that a spreadsheet program would run as a formula when the file is opened.

TRUE_WORDS = {"1", "true", "yes", "y", "x"}
FALSE_WORDS = {"", "0", "false", "no", "n"}


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


class TextWidget(widgets.CharWidget):
    """Trimmed text; guarded on export so a spreadsheet never runs it as a formula."""

    def clean(self, value, row=None, **kwargs) -> str:
        if is_blank(value):
            return ""
        text = str(value).strip()
        if text.startswith("'") and text[1:].startswith(FORMULA_PREFIXES):
            text = text[1:]
        return text

    def render(self, value, obj=None, **kwargs) -> str:
        text = "" if value is None else str(value)
        # In a workbook only a leading "=" makes a formula; in CSV any of the prefixes can.
        risky = ("=",) if kwargs.get("force_native_type") else FORMULA_PREFIXES
        if text.startswith(risky):
            return "'" + text
        return text


class WebsiteWidget(TextWidget):
    """A web address; "www.example.org" is read as "https://www.example.org", as forms do."""

    def clean(self, value, row=None, **kwargs) -> str:
        text = super().clean(value, row, **kwargs)
        if text and "://" not in text:
            text = "https://" + text
        return text


class ChoiceWidget(widgets.Widget):
    """A choice by its stored value ("local_government") or its label ("Local government")."""

    def __init__(self, choices: type[OrganisationType]) -> None:
        super().__init__()
        self.choices = choices

    def _lookup(self) -> dict[str, str]:
        lookup = {}
        for language in ("en", translation.get_language()):
            with translation.override(language):
                for value, label in self.choices.choices:
                    lookup[str(label).casefold()] = value
        for value in self.choices.values:
            lookup[value.casefold()] = value
            lookup[value.replace("_", " ").casefold()] = value
        return lookup

    def clean(self, value, row=None, **kwargs) -> str:
        if is_blank(value):
            return ""
        text = str(value).strip()
        found = self._lookup().get(text.casefold())
        if found is None:
            raise ValueError(
                _("Unknown type “%(value)s”: use one of %(choices)s.")
                % {"value": text, "choices": ", ".join(self.choices.values)}
            )
        return found

    def render(self, value, obj=None, **kwargs) -> str:
        return value or ""


class CountryWidget(widgets.Widget):
    """A country by its ISO code ("KR", "KOR") or its English name ("South Korea")."""

    def clean(self, value, row=None, **kwargs) -> str:
        if is_blank(value):
            return ""
        text = str(value).strip()
        code = countries.alpha2(text) or countries.by_name(text, language="en")
        if not code:
            code = countries.by_name(text, language=translation.get_language() or "en")
        if not code:
            raise ValueError(
                _(
                    "Unknown country “%(value)s”: use a two-letter ISO code such as KR, "
                    "or the country's English name."
                )
                % {"value": text}
            )
        return code

    def render(self, value, obj=None, **kwargs) -> str:
        return getattr(value, "code", None) or (value or "")


class RegionWidget(widgets.Widget):
    """A region by its name ("Asia-Pacific") or its slug ("asia-pacific")."""

    def __init__(self) -> None:
        super().__init__()
        self._regions: dict[str, Region] | None = None

    def regions(self) -> dict[str, Region]:
        if self._regions is None:
            self._regions = {}
            for region in Region.objects.all():
                self._regions[region.slug.casefold()] = region
                self._regions[region.name.casefold()] = region
        return self._regions

    def clean(self, value, row=None, **kwargs) -> Region | None:
        if is_blank(value):
            return None
        text = str(value).strip()
        region = self.regions().get(text.casefold())
        if region is None:
            names = sorted({r.name for r in self.regions().values()})
            raise ValueError(
                _("Unknown region “%(value)s”: use one of %(names)s.")
                % {"value": text, "names": ", ".join(names) or "—"}
            )
        return region

    def render(self, value, obj=None, **kwargs) -> str:
        return value.name if value is not None else ""


class WholeNumberWidget(widgets.Widget):
    """A whole number; thousands separators (1,234,567 or 1 234 567) are allowed."""

    def clean(self, value, row=None, **kwargs) -> int | None:
        if is_blank(value):
            return None
        if isinstance(value, bool):
            raise ValueError(_("Enter a whole number."))
        if isinstance(value, int):
            return value
        if isinstance(value, float):
            if not value.is_integer():
                raise ValueError(_("Enter a whole number."))
            return int(value)
        text = str(value).strip()
        for separator in (",", "_", " ", "\u00a0", "\u202f"):
            text = text.replace(separator, "")
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise ValueError(_("Enter a whole number.")) from None
        if not number.is_finite() or number != number.to_integral_value() or len(text) > 20:
            raise ValueError(_("Enter a whole number."))
        return int(number)

    def render(self, value, obj=None, **kwargs) -> int | str:
        if value is None:
            return ""
        return value if kwargs.get("force_native_type") else str(value)


class YesNoWidget(widgets.Widget):
    """yes/no (also true/false, 1/0); an empty cell is no."""

    def clean(self, value, row=None, **kwargs) -> bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, int | float):
            return bool(value)
        text = "" if value is None else str(value).strip().casefold()
        if text in TRUE_WORDS:
            return True
        if text in FALSE_WORDS:
            return False
        raise ValueError(_("Enter yes or no."))

    def render(self, value, obj=None, **kwargs) -> bool | str:
        if value is None:
            return ""
        if kwargs.get("force_native_type"):
            return bool(value)
        return "yes" if value else "no"


class IsoDateWidget(widgets.Widget):
    """A date as YYYY-MM-DD (or a date cell in a workbook)."""

    def clean(self, value, row=None, **kwargs) -> datetime.date | None:
        if is_blank(value):
            return None
        if isinstance(value, datetime.datetime):
            return value.date()
        if isinstance(value, datetime.date):
            return value
        text = str(value).strip()
        try:
            return datetime.date.fromisoformat(text[:10] if len(text) > 10 else text)
        except ValueError:
            raise ValueError(_("Enter a date as YYYY-MM-DD, e.g. 2024-03-31.")) from None

    def render(self, value, obj=None, **kwargs) -> datetime.date | str:
        if value is None:
            return ""
        return value if kwargs.get("force_native_type") else value.isoformat()


class StatusWidget(widgets.Widget):
    def render(self, value, obj=None, **kwargs) -> str:
        return value or ""


def _field(column: str, widget: widgets.Widget, *, readonly: bool = False, attribute=None):
    return fields.Field(
        attribute=attribute or column, column_name=column, widget=widget, readonly=readonly
    )


class OrganisationResource(resources.ModelResource):
    """Organisations as spreadsheet rows.

    A row updates the organisation whose `id` it gives; without an id, the organisation of the
    same name in the same country (ignoring case); otherwise it creates one. Each organisation
    may appear once per file.
    """

    id = _field("id", WholeNumberWidget(), readonly=True)
    name = _field("name", TextWidget())
    type = _field("type", ChoiceWidget(OrganisationType))
    country = _field("country", CountryWidget())
    region = _field("region", RegionWidget())
    city = _field("city", TextWidget())
    population = _field("population", WholeNumberWidget())
    website = _field("website", WebsiteWidget())
    email = _field("email", TextWidget())
    phone = _field("phone", TextWidget())
    is_partner = _field("is_partner", YesNoWidget())
    partner_since = _field("partner_since", IsoDateWidget())
    membership_status = _field("membership_status", StatusWidget(), readonly=True)
    membership_category = _field(
        "membership_category",
        StatusWidget(),
        readonly=True,
        attribute="membership__category",
    )
    joined_on = _field(
        "joined_on", IsoDateWidget(), readonly=True, attribute="membership__joined_on"
    )
    paid_through = _field(
        "paid_through", IsoDateWidget(), readonly=True, attribute="membership__paid_through"
    )

    class Meta:
        model = Organisation
        fields = IMPORT_COLUMNS + EXPORT_ONLY_COLUMNS
        export_order = IMPORT_COLUMNS + EXPORT_ONLY_COLUMNS
        import_id_fields = ["id"]
        clean_model_instances = True
        store_instance = True
        report_skipped = True
        skip_html_diff = True
        use_bulk = False

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._seen: dict[int, int] = {}
        self._before: dict[int, dict[str, Any]] = {}

    # Import: finding the organisation a row is about.

    def get_instance(self, instance_loader, row: dict[str, Any]) -> Organisation | None:
        if not is_blank(row.get("id")):
            try:
                pk = self.fields["id"].clean(row)
            except ValueError as error:
                raise ValidationError({"id": str(error)}) from None
            organisation = Organisation.objects.filter(pk=pk).first()
            if organisation is None:
                message = _("No organisation has id %(id)s; leave id empty to add one.")
                raise ValidationError({"id": message % {"id": pk}})
            return organisation
        name = TextWidget().clean(row.get("name"))
        try:
            country = CountryWidget().clean(row.get("country"))
        except ValueError:
            return None  # reported when the row is read
        if not name or not country:
            return None
        return (
            Organisation.objects.filter(name__iexact=name, country=country).order_by("pk").first()
        )

    def after_init_instance(self, instance, new, row, **kwargs) -> None:
        if new:
            return
        earlier = self._seen.get(instance.pk)
        if earlier is not None:
            raise ValidationError(
                {
                    "name": _("The same organisation as on row %(row)s of this file.")
                    % {"row": earlier + 1}
                }
            )
        self._before[instance.pk] = self._values(instance)

    # Import: reading and checking the row.

    def import_row(self, row, instance_loader, **kwargs) -> RowResult:
        if all(is_blank(value) for value in row.values()):
            row_result = self.get_row_result_class()()
            row_result.import_type = RowResult.IMPORT_TYPE_SKIP
            return row_result
        return super().import_row(row, instance_loader, **kwargs)

    def import_instance(self, instance, row, **kwargs) -> None:
        errors: dict[str, Any] = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if instance.region_id is None and "region" not in errors and instance.country:
            mapping = (
                CountryRegion.objects.select_related("region")
                .filter(country=instance.country.code)
                .first()
            )
            if mapping is not None:
                instance.region = mapping.region
            else:
                errors["region"] = [_("Give a region: this country has none by default.")]
        if errors:
            raise ValidationError(errors)

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        errors = dict(import_validation_errors or {})
        try:
            # The web address (slug) is made from the name when the organisation is saved.
            instance.full_clean(exclude=[*errors.keys(), "slug"], validate_unique=False)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)

    # Import: saving.

    def do_instance_save(self, instance, is_create) -> None:
        if not is_create and self._values(instance) == self._before.get(instance.pk):
            return  # nothing changed: leave the record (and its last-updated time) alone
        super().do_instance_save(instance, is_create)

    def after_save_instance(self, instance, row, **kwargs) -> None:
        self._seen[instance.pk] = kwargs.get("row_number") or 0

    def changed_columns(self, row_result: RowResult) -> list[str]:
        """The columns a valid update row changes (empty when it changes nothing)."""
        if row_result.instance is None or row_result.original is None:
            return []
        before = self._values(row_result.original)
        after = self._values(row_result.instance)
        return [column for column in before if before[column] != after[column]]

    @staticmethod
    def _values(instance: Organisation) -> dict[str, Any]:
        values = {}
        for column in IMPORT_COLUMNS:
            if column == "id":
                continue
            value = getattr(instance, "region_id" if column == "region" else column)
            if column == "country":
                value = value.code if value else ""
            values[column] = value
        return values
