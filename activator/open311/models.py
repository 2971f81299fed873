"""Open311 GeoReport v2: cities as jurisdictions, the services they take requests for, and the
requests people file, which staff triage."""

import secrets
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from activator.open311.enums import DATATYPES, LIST_DATATYPES, RequestStatus, ServiceType

jurisdiction_id_validator = RegexValidator(
    r"^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$",
    _("Lower-case letters, digits, dots and hyphens, like a domain name (seoul.kr)."),
)


def new_token() -> str:
    return secrets.token_urlsafe(18)


def validate_service_attributes(value: Any) -> None:
    """A service definition's attributes, in the shape the GeoReport v2 specification gives."""
    if not isinstance(value, list):
        raise ValidationError(_("Attributes must be a list."))
    codes = set()
    for attribute in value:
        if not isinstance(attribute, dict) or not str(attribute.get("code", "")).strip():
            raise ValidationError(_("Every attribute needs a code."))
        if attribute["code"] in codes:
            raise ValidationError(_("Attribute codes must be unique."))
        codes.add(attribute["code"])
        if attribute.get("datatype") not in DATATYPES:
            raise ValidationError(_("Unknown attribute datatype."))
        values = attribute.get("values", [])
        if attribute["datatype"] in LIST_DATATYPES and not values:
            raise ValidationError(_("A list attribute needs values."))
        if not isinstance(values, list) or any(
            not isinstance(v, dict) or "key" not in v or "name" not in v for v in values
        ):
            raise ValidationError(_("Values are a list of {key, name}."))


class Jurisdiction(models.Model):
    """A city taking service requests; `jurisdiction_id` is what API clients send."""

    organisation = models.OneToOneField(
        "members.Organisation",
        verbose_name=_("city"),
        on_delete=models.CASCADE,
        related_name="jurisdiction",
    )
    jurisdiction_id = models.CharField(
        _("jurisdiction id"), max_length=100, unique=True, validators=[jurisdiction_id_validator]
    )
    enabled = models.BooleanField(_("taking requests"), default=False)
    contact = models.TextField(_("contact"), blank=True)

    class Meta:
        verbose_name = _("jurisdiction")
        verbose_name_plural = _("jurisdictions")
        ordering = ["jurisdiction_id"]

    def __str__(self) -> str:
        return self.jurisdiction_id


class Service(models.Model):
    jurisdiction = models.ForeignKey(
        Jurisdiction,
        verbose_name=_("jurisdiction"),
        on_delete=models.CASCADE,
        related_name="services",
    )
    service_code = models.CharField(
        _("service code"),
        max_length=50,
        validators=[RegexValidator(r"^[A-Za-z0-9_.-]+$", _("Letters, digits, _ . and - only."))],
    )
    service_name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    metadata = models.BooleanField(_("has attributes"), default=False)
    type = models.CharField(
        _("type"), max_length=10, choices=ServiceType, default=ServiceType.REALTIME
    )
    keywords = models.CharField(_("keywords"), max_length=300, blank=True)
    group = models.CharField(_("group"), max_length=100, blank=True)
    attributes = models.JSONField(
        _("attributes"), default=list, blank=True, validators=[validate_service_attributes]
    )

    class Meta:
        verbose_name = _("service")
        verbose_name_plural = _("services")
        ordering = ["jurisdiction", "service_code"]
        constraints = [
            models.UniqueConstraint(
                fields=["jurisdiction", "service_code"], name="open311_service_code_unique"
            )
        ]

    def __str__(self) -> str:
        return self.service_name


class ServiceRequest(models.Model):
    jurisdiction = models.ForeignKey(
        Jurisdiction,
        verbose_name=_("jurisdiction"),
        on_delete=models.CASCADE,
        related_name="requests",
    )
    service = models.ForeignKey(
        Service, verbose_name=_("service"), on_delete=models.PROTECT, related_name="requests"
    )
    token = models.CharField(_("token"), max_length=40, unique=True, default=new_token)
    status = models.CharField(
        _("status"), max_length=10, choices=RequestStatus, default=RequestStatus.OPEN
    )
    status_notes = models.TextField(_("status notes (public)"), blank=True)
    agency_responsible = models.CharField(_("agency responsible"), max_length=200, blank=True)
    service_notice = models.CharField(_("service notice"), max_length=500, blank=True)
    description = models.TextField(_("description"), blank=True)
    lat = models.FloatField(
        _("latitude"),
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    long = models.FloatField(
        _("longitude"),
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    address_string = models.CharField(_("address"), max_length=300, blank=True)
    address_id = models.CharField(_("address id"), max_length=100, blank=True)
    zipcode = models.CharField(_("postal code"), max_length=20, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    device_id = models.CharField(_("device id"), max_length=100, blank=True)
    account_id = models.CharField(_("account id"), max_length=100, blank=True)
    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    media_url = models.URLField(_("media URL"), max_length=500, blank=True)
    attributes = models.JSONField(_("attributes"), default=dict, blank=True)
    requested_datetime = models.DateTimeField(_("requested"), default=timezone.now)
    updated_datetime = models.DateTimeField(_("updated"), default=timezone.now)
    expected_datetime = models.DateTimeField(_("expected"), null=True, blank=True)
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("duplicate of"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="duplicates",
    )
    staff_notes = models.TextField(_("staff notes (private)"), blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted with the API key of"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("service request")
        verbose_name_plural = _("service requests")
        ordering = ["-requested_datetime", "-pk"]
        indexes = [
            models.Index(
                fields=["jurisdiction", "-requested_datetime"], name="open311_req_jur_date"
            ),
            models.Index(
                fields=["jurisdiction", "status", "-requested_datetime"],
                name="open311_req_jur_status_date",
            ),
            models.Index(
                fields=["service", "-requested_datetime"], name="open311_req_service_date"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.service}"
