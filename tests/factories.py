"""A plain factory per model."""

import datetime

import factory
from django.utils import timezone

from activator.accounts.enums import PlatformRole
from activator.accounts.models import Affiliation, User
from activator.core.models import CountryRegion, Region
from activator.members.enums import MembershipCategory, OrganisationType
from activator.members.models import (
    FeeTier,
    Membership,
    MembershipApplication,
    Organisation,
    RegionalOffice,
)

PASSWORD = "correct-horse-battery-staple"


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"Region {n}")
    slug = factory.LazyAttribute(lambda o: o.name.lower().replace(" ", "-"))


class CountryRegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CountryRegion
        django_get_or_create = ["country"]

    country = "KR"
    region = factory.SubFactory(RegionFactory)


class RegionalOfficeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RegionalOffice
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Regional Office {n}")
    city = "Abuja"
    country = "NG"

    @factory.post_generation
    def regions(self, create, extracted, **kwargs):
        if create and extracted:
            self.regions.set(extracted)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    full_name = factory.Faker("name")
    platform_role = PlatformRole.CITIZEN
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def saved(self, create, extracted, **kwargs):
        if create:
            self.save()


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"City {n}")
    type = OrganisationType.LOCAL_GOVERNMENT
    country = "KR"
    region = factory.SubFactory(RegionFactory, name="Asia-Pacific", slug="asia-pacific")


class FeeTierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FeeTier
        django_get_or_create = ["name"]

    name = "Standard"
    annual_fee = 1000
    currency = "USD"


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    organisation = factory.SubFactory(OrganisationFactory)
    category = MembershipCategory.FULL
    joined_on = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=800))
    paid_through = factory.LazyFunction(lambda: datetime.date(timezone.localdate().year, 12, 31))


class AffiliationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Affiliation

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)


class ApplicationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MembershipApplication

    organisation_name = factory.Sequence(lambda n: f"Applicant City {n}")
    type = OrganisationType.LOCAL_GOVERNMENT
    country = "KR"
    contact_name = "Ji-woo Kim"
    contact_email = factory.Sequence(lambda n: f"applicant{n}@example.org")
