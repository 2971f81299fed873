"""A plain factory per model."""

import datetime

import factory
from django.utils import timezone
from django.utils.text import slugify

from activator.accounts.enums import PlatformRole
from activator.accounts.models import Affiliation, User
from activator.core.models import CountryRegion, Pillar, Region, Sdg, Sector, StakeholderType
from activator.members.enums import MembershipCategory, OrganisationType
from activator.members.models import (
    FeeTier,
    Membership,
    MembershipApplication,
    Organisation,
    RegionalOffice,
)
from activator.projects.models import ProjectTemplate, TemplateKpi, TemplateMilestone

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


class SectorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Sector
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Sector {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.name))


class PillarFactory(SectorFactory):
    class Meta:
        model = Pillar
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Pillar {n}")


class StakeholderTypeFactory(SectorFactory):
    class Meta:
        model = StakeholderType
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Stakeholder {n}")


class SdgFactory(SectorFactory):
    class Meta:
        model = Sdg
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Goal {n}")
    position = factory.Sequence(lambda n: n + 1)


class ProjectTemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProjectTemplate
        django_get_or_create = ["slug"]

    name = "Smart parking"
    slug = factory.LazyAttribute(lambda o: slugify(o.name))
    summary = "Sensors show free parking spaces; drivers find one sooner."


class TemplateMilestoneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TemplateMilestone

    template = factory.SubFactory(ProjectTemplateFactory)
    title = factory.Sequence(lambda n: f"Step {n}")
    months_after_start = 0


class TemplateKpiFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TemplateKpi

    template = factory.SubFactory(ProjectTemplateFactory)
    name = factory.Sequence(lambda n: f"Indicator {n}")
    unit = "%"
