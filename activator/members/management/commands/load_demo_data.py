"""`manage.py load_demo_data`: the seed data (and, on request, demo people). Safe to run again."""

import datetime

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from activator.calls.seed import KINDS as CALL_KINDS
from activator.calls.seed import load_calls_seed
from activator.events.seed import KINDS as EVENT_KINDS
from activator.events.seed import load_events_seed
from activator.index.seed import KINDS as INDEX_KINDS
from activator.index.seed import load_index_seed
from activator.matching.seed import KINDS as MATCHING_KINDS
from activator.matching.seed import load_matching_seed
from activator.members.seed import DEMO_PEOPLE, KINDS, configured_demo_password, load_seed
from activator.open311.seed import KINDS as OPEN311_KINDS
from activator.open311.seed import load_open311_seed
from activator.participation.seed import KINDS as PARTICIPATION_KINDS
from activator.participation.seed import load_participation_seed
from activator.projects.seed import KINDS as PROJECT_KINDS
from activator.projects.seed import load_project_seed

LABELS = {
    "regions": "Regions",
    "country_regions": "Countries' regions",
    "fee_tiers": "Fee tiers",
    "regional_offices": "Regional offices",
    "organisations": "Organisations",
    "aliases": "Other names",
    "memberships": "Memberships",
    "membership_events": "Membership history steps",
    "governance_roles": "Governance roles",
    "demo_users": "Demo people",
    "sectors": "Sectors",
    "pillars": "Pillars",
    "stakeholder_types": "Stakeholder types",
    "sdgs": "Sustainable development goals",
    "project_templates": "Project templates",
    "case_studies": "Catalog case studies",
    "calls": "Calls",
    "frameworks": "Index frameworks",
    "income_groups": "Countries' income groups",
    "events": "Events",
    "meetings": "Governance meetings",
    "technologies": "Solution technologies",
    "solutions": "Demo solutions",
    "deployments": "Solution deployments",
    "challenges": "Demo challenges",
    "matchmaking_setups": "Matchmaking set-ups",
    "meeting_slots": "Meeting slots",
    "matchmaking_registrations": "Demo people registered for the matchmaking day",
    "jurisdictions": "Open311 jurisdictions",
    "services_311": "Open311 services",
    "service_requests": "Open311 service requests",
    "participation_spaces": "Participation spaces",
    "participation_residents": "Demo residents (no login)",
    "participants": "Participants",
    "participation_categories": "Participation categories",
    "participation_processes": "Participation processes",
    "participation_phases": "Process phases",
    "proposals": "Proposals",
    "proposal_supports": "Proposal supports",
    "proposal_projects": "Projects from accepted proposals",
    "debates": "Debates",
    "participation_comments": "Comments",
    "surveys": "Surveys",
    "survey_questions": "Survey questions",
}


class Command(BaseCommand):
    help = (
        "Load the network's regions, offices, 2019 members, partners and governance seats, the "
        "catalog, calls, index frameworks, events, the Solution Finder's and Open311 demos from "
        "the seed files. Running it again creates and changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--with-demo-users",
            action="store_true",
            help="Also create one demo person per role (password from DEMO_PASSWORD).",
        )
        parser.add_argument(
            "--no-renew",
            action="store_true",
            help="Keep memberships paid through 2019 as recorded, instead of renewing them "
            "through the current year so the demo shows live memberships.",
        )
        parser.add_argument(
            "--today",
            type=datetime.date.fromisoformat,
            help="The date to renew as of (YYYY-MM-DD); today by default.",
        )

    def handle(self, *args, **options) -> None:
        verbose = options["verbosity"] >= 1
        with_people = options["with_demo_users"]
        if with_people and not settings.DEBUG:
            # Demo accounts have a published password: never on a production site.
            raise CommandError("--with-demo-users is refused unless DEBUG=1.")
        counts = load_seed(
            today=options["today"],
            renew_demo=not options["no_renew"],
            demo_users=with_people,
            progress=self.stdout.write if verbose else None,
        )
        if verbose:
            self.stdout.write("Taxonomies, project templates and catalog case studies")
        counts.update(load_project_seed())
        if verbose:
            self.stdout.write("Calls: awards, prize, feasibility study and training")
        counts.update(load_calls_seed(today=options["today"]))
        if verbose:
            self.stdout.write("Index frameworks: the diagnostic survey and the U4SSC KPIs")
        counts.update(load_index_seed())
        if verbose:
            self.stdout.write("Events: the 2010-2023 activities, General Assemblies and the demo")
        counts.update(load_events_seed(today=options["today"]))
        if verbose:
            self.stdout.write("Solution Finder: technologies, demo solutions and challenges")
        counts.update(load_matching_seed(today=options["today"]))
        if verbose:
            self.stdout.write(
                "Open311: Seoul's service request jurisdiction, services and requests"
            )
        counts.update(load_open311_seed(today=options["today"]))
        if verbose:
            self.stdout.write(
                "Participation: Seoul's and Mexico City's spaces and processes, and with the demo "
                "people what residents proposed, supported and said"
            )
        counts.update(load_participation_seed(today=options["today"], demo_users=with_people))
        if not verbose:
            return
        kinds = [
            *KINDS,
            *PROJECT_KINDS,
            *CALL_KINDS,
            *INDEX_KINDS,
            *EVENT_KINDS,
            *MATCHING_KINDS,
            *OPEN311_KINDS,
            *PARTICIPATION_KINDS,
        ]
        if with_people:
            kinds.append("demo_users")
        for kind in kinds:
            self.stdout.write(
                f"{LABELS[kind]}: {counts[kind]} created, {counts[f'{kind}_existing']} existing"
            )
        self.stdout.write(
            "Organisations created only for a governance seat (no 2019 membership): "
            f"{counts['governance_only_organisations']}"
        )
        if not options["no_renew"]:
            self.stdout.write(f"Memberships renewed for the demo: {counts['renewed']}")
        if with_people:
            self.stdout.write(
                self.style.WARNING(
                    f"Demo logins (password '{configured_demo_password()}' unless since changed; "
                    "never use them on a public site):"
                )
            )
            for email, full_name, *_ in DEMO_PEOPLE:
                self.stdout.write(f"  {email}  ({full_name})")
        self.stdout.write(self.style.SUCCESS("Seed data loaded."))
