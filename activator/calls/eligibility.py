"""Who may apply to a call, with the reason when someone may not. Checked before and at submit."""

import datetime
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _

from activator.accounts.predicates import represented_organisation_ids
from activator.calls.enums import ApplicantType, ApplicationStatus
from activator.calls.models import Application, Call, Category
from activator.core.models import CountryRegion
from activator.members.enums import MembershipStatus
from activator.members.models import Organisation

# Statuses that let an organisation apply when the call names none.
LIVE_STATUSES = (MembershipStatus.NEW, MembershipStatus.CURRENT, MembershipStatus.GRACE)


def age_on(birth_date: datetime.date, day: datetime.date) -> int:
    years = day.year - birth_date.year
    return years - ((day.month, day.day) < (birth_date.month, birth_date.day))


def _region_id(organisation: Organisation | None, country: str) -> int | None:
    if organisation is not None:
        return organisation.region_id
    if not country:
        return None
    return CountryRegion.objects.filter(country=country).values_list("region_id", flat=True).first()


def eligibility_problems(
    call: Call,
    *,
    user: Any,
    organisation: Organisation | None,
    category: Category | None = None,
    birth_date: datetime.date | None = None,
    country: str = "",
    application: Application | None = None,
) -> list[str]:
    """Every reason `user` may not apply (for `organisation`, or alone when it is None)."""
    problems: list[str] = []
    if not user.is_authenticated:
        return [_("Log in to apply.")]
    types = set(call.applicant_types or [])
    if organisation is None:
        if ApplicantType.INDIVIDUAL not in types:
            problems.append(_("This call takes applications from organisations only."))
    else:
        if organisation.pk not in represented_organisation_ids(user):
            problems.append(
                _("Only a representative of %(organisation)s may apply for it.")
                % {"organisation": organisation.name}
            )
        organisation_types = types - {ApplicantType.INDIVIDUAL}
        if (types and not organisation_types) or (
            organisation_types and organisation.type not in organisation_types
        ):
            allowed = ", ".join(str(ApplicantType(t).label) for t in sorted(types))
            problems.append(
                _("This call is open to: %(allowed)s; %(organisation)s is a %(type)s.")
                % {
                    "allowed": allowed,
                    "organisation": organisation.name,
                    "type": organisation.get_type_display().lower(),
                }
            )
        if call.members_only:
            membership = getattr(organisation, "membership", None)
            status = membership.status() if membership is not None else None
            accepted = set(call.membership_statuses or LIVE_STATUSES)
            if status is None:
                problems.append(
                    _("This call is for network members; %(organisation)s is not a member.")
                    % {"organisation": organisation.name}
                )
            elif status not in accepted:
                problems.append(
                    _("Your membership is %(status)s; this call needs a %(accepted)s membership.")
                    % {
                        "status": MembershipStatus(status).label.lower(),
                        "accepted": _(" or ").join(
                            str(MembershipStatus(s).label).lower() for s in sorted(accepted)
                        ),
                    }
                )
    regions = list(call.regions.all())
    if regions:
        region_id = _region_id(organisation, country)
        if region_id not in {r.pk for r in regions}:
            problems.append(
                _("This call is open to applicants from %(regions)s.")
                % {"regions": ", ".join(r.name for r in regions)}
            )
    if call.max_age is not None and organisation is None:
        if birth_date is None:
            problems.append(_("Give your date of birth: this call has an age limit."))
        else:
            deadline_day = call.local(call.deadline).date()
            if age_on(birth_date, deadline_day) >= call.max_age:
                problems.append(
                    _("Applicants must be under %(age)s on the deadline (%(day)s).")
                    % {"age": call.max_age, "day": deadline_day.isoformat()}
                )
    if call.categories.exists() and category is None:
        problems.append(_("Choose a category."))
    if category is not None and category.call_id != call.pk:
        problems.append(_("This category belongs to another call."))
    if call.one_per_category:
        others = Application.objects.filter(call=call).exclude(status=ApplicationStatus.WITHDRAWN)
        others = others.filter(
            Q(organisation=organisation) if organisation else Q(organisation__isnull=True)
        )
        if organisation is None:
            others = others.filter(applicant=user)
        if category is not None:
            others = others.filter(category=category)
        if application is not None:
            others = others.exclude(pk=application.pk)
        if others.exists():
            problems.append(
                _("There is already an application from this applicant in this category.")
                if category
                else _("There is already an application from this applicant to this call.")
            )
    return problems


def applicant_options(call: Call, user: Any) -> list[Organisation | None]:
    """The organisations `user` may apply for, then None when individuals may apply."""
    if not user.is_authenticated:
        return []
    organisations: list[Organisation | None] = list(
        Organisation.objects.filter(pk__in=represented_organisation_ids(user))
        .select_related("membership", "region")
        .order_by("name")
    )
    if ApplicantType.INDIVIDUAL in (call.applicant_types or []):
        organisations.append(None)
    return organisations
