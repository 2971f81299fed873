"""The participation demo: Seoul's space on the premium plan with its 2027 participatory budget
in the proposals phase, and Mexico City's space on the free plan with a process still in its
information phase.

`fixtures/seed/participation.json` is the project's own demo content: the residents, their
proposals, supports, comments, the debate, the survey and the city's answers are invented for
illustration, and the space and process descriptions say so. Seoul's process has twelve
proposals in five categories, backed by the demo residents; three are answered (one accepted and
turned into a project with milestones, so its progress shows; one being evaluated; one rejected
with the reasons), and it has a threaded debate and a survey of three questions. The phases are
dated from the day of loading, so that the running phase includes that day.

What people wrote needs people: the ten demo residents, their participation, proposals,
supports, comments, the debate and the answers are loaded only with the demo people
(`load_demo_data --with-demo-users`, refused unless DEBUG), like the demo logins. The residents
have no password (nobody logs in as them); they only author and back the demo content. Without
the demo people the spaces, categories, processes with their phases and the survey are loaded.

Records are written directly with the same invariants the services keep:
rich text cleaned, `supports_count` and `comments_count` equal to the rows, a reply one level
deeper than its parent. The answers and the project link are in the audit trail.

Loading is idempotent: a space is looked up by its city, a process by its address in the space,
a proposal, debate or survey by its title in the process, a comment by its author and text, and
each is left alone when it exists. Without a city among the organisations (the members seed not
loaded) its space is skipped.
"""

import datetime
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from activator.accounts.models import User
from activator.core.audit import audit_record
from activator.core.richtext import clean_html
from activator.members.models import Organisation
from activator.members.seed import Tally, find_organisation
from activator.participation.enums import (
    NotificationMode,
    ParticipantStatus,
    Verification,
)
from activator.participation.models import (
    Category,
    Comment,
    Debate,
    Participant,
    Phase,
    Process,
    Proposal,
    Question,
    Space,
    Support,
    Survey,
)
from activator.projects import services as project_services
from activator.projects.enums import Visibility
from activator.projects.models import Project

SEED_FILE = Path(__file__).resolve().parent / "fixtures" / "seed" / "participation.json"
KINDS = [
    "participation_spaces",
    "participation_residents",
    "participants",
    "participation_categories",
    "participation_processes",
    "participation_phases",
    "proposals",
    "proposal_supports",
    "proposal_projects",
    "debates",
    "participation_comments",
    "surveys",
    "survey_questions",
]
AUDIT_NOTE = "Demo data"


def _read() -> dict[str, Any]:
    return json.loads(SEED_FILE.read_text(encoding="utf-8"))


def _person(email: str | None) -> User | None:
    return User.objects.filter(email__iexact=email).first() if email else None


def _resident(tally: Tally, entry: dict[str, str]) -> User:
    """A demo resident: no usable password, so nobody logs in as them."""
    user = _person(entry["email"])
    created = user is None
    if user is None:
        user = User.objects.create_user(entry["email"], None, full_name=entry["full_name"])
    tally.add("participation_residents", user, created)
    return user


def _space(tally: Tally, city: Organisation, entry: dict[str, Any]) -> Space:
    space = Space.objects.filter(organisation=city).first()
    created = space is None
    if space is None:
        slug = entry["slug"]
        if Space.objects.filter(slug=slug).exists():
            slug = f"{slug}-{city.pk}"
        space = Space.objects.create(
            organisation=city,
            slug=slug,
            title=entry["title"],
            description=clean_html(entry["description"]),
            plan=entry["plan"],
            verification=entry.get("verification", Verification.OPEN),
            flag_threshold=entry.get("flag_threshold", 3),
        )
    tally.add("participation_spaces", space, created)
    return space


def _join(tally: Tally, space: Space, user: User, now: datetime.datetime) -> None:
    participant, created = Participant.objects.get_or_create(
        space=space,
        user=user,
        defaults={
            "status": ParticipantStatus.VERIFIED,
            "verified_by": space.verification,
            # Demo residents have no mailbox to write to.
            "notifications": NotificationMode.NONE,
            "joined_at": now - datetime.timedelta(days=20),
            "decided_at": now - datetime.timedelta(days=20),
        },
    )
    tally.add("participants", participant, created)


def phase_dates(
    phases: list[dict[str, Any]], running: str, since_days: int, today: datetime.date
) -> list[tuple[datetime.date, datetime.date]]:
    """Consecutive (start, end) days for `phases`, the `running` one having started
    `since_days` ago, so it includes `today`."""
    kinds = [phase["kind"] for phase in phases]
    index = kinds.index(running)
    if not 0 <= since_days < phases[index]["days"]:
        raise ValueError(f"The {running} phase would not include the day of loading.")
    starts = [today] * len(phases)
    starts[index] = today - datetime.timedelta(days=since_days)
    for i in range(index - 1, -1, -1):
        starts[i] = starts[i + 1] - datetime.timedelta(days=phases[i]["days"])
    for i in range(index + 1, len(phases)):
        starts[i] = starts[i - 1] + datetime.timedelta(days=phases[i - 1]["days"])
    return [
        (start, start + datetime.timedelta(days=phase["days"] - 1))
        for start, phase in zip(starts, phases, strict=True)
    ]


def _process(
    tally: Tally, space: Space, entry: dict[str, Any], city_person: User | None, today
) -> Process:
    process = Process.objects.filter(space=space, slug=entry["slug"]).first()
    created = process is None
    if process is None:
        process = Process.objects.create(
            space=space,
            slug=entry["slug"],
            title=entry["title"],
            summary=entry.get("summary", ""),
            description=clean_html(entry.get("description", "")),
            status=entry["status"],
            support_threshold=entry["support_threshold"],
            created_by=city_person,
        )
    tally.add("participation_processes", process, created)
    dates = phase_dates(entry["phases"], entry["running"], entry["running_since_days"], today)
    for phase_entry, (starts_on, ends_on) in zip(entry["phases"], dates, strict=True):
        phase, made = Phase.objects.get_or_create(
            process=process,
            kind=phase_entry["kind"],
            defaults={
                "starts_on": starts_on,
                "ends_on": ends_on,
                "description": phase_entry.get("description", ""),
            },
        )
        tally.add("participation_phases", phase, made)
    return process


def _comments(
    tally: Tally,
    target: Proposal | Debate,
    entries: list[dict[str, Any]],
    people: dict[str, User],
    now: datetime.datetime,
) -> bool:
    """The thread of `target`, replies under their parents; whether any comment was added."""
    field = "proposal" if isinstance(target, Proposal) else "debate"
    by_key: dict[str, Comment] = {}
    added = False
    for position, entry in enumerate(entries):
        author = people[entry["author"]]
        body = clean_html(entry["body"])
        comment = Comment.objects.filter(**{field: target}, author=author, body=body).first()
        created = comment is None
        if comment is None:
            parent = by_key[entry["parent"]] if entry.get("parent") else None
            comment = Comment.objects.create(
                **{field: target},
                author=author,
                body=body,
                parent=parent,
                depth=min(parent.depth + 1, Comment.MAX_DEPTH) if parent else 0,
                created_at=now
                - datetime.timedelta(days=entry["days_ago"])
                + datetime.timedelta(minutes=position),
            )
            added = True
        by_key[entry["key"]] = comment
        tally.add("participation_comments", comment, created)
    return added


def _recount_comments(target: Proposal | Debate) -> None:
    type(target).objects.filter(pk=target.pk).update(comments_count=target.comments.count())


def _project(
    tally: Tally, city: Organisation, entry: dict[str, Any], today: datetime.date
) -> Project:
    """The city's project an accepted proposal became, with its milestones."""
    project = Project.objects.filter(organisation=city, title=entry["title"]).first()
    created = project is None
    if project is None:
        project = project_services.project_create(
            actor=None,
            organisation=city,
            title=entry["title"],
            summary=entry["summary"],
            stage=entry["stage"],
            visibility=Visibility.PUBLIC,
            budget_amount=Decimal(entry["budget_amount"]),
            budget_currency=entry["budget_currency"],
            start_date=today - datetime.timedelta(days=entry["started_days_ago"]),
            end_date=today + datetime.timedelta(days=entry["ends_in_days"]),
        )
        for milestone in entry["milestones"]:
            due = today + datetime.timedelta(days=milestone["due_in_days"])
            project_services.milestone_save(
                actor=None,
                project=project,
                title=milestone["title"],
                due_date=due,
                status=milestone["status"],
                completed_on=due if milestone["status"] == "done" else None,
            )
    tally.add("proposal_projects", project, created)
    return project


def _answer(
    tally: Tally,
    proposal: Proposal,
    entry: dict[str, Any],
    city_person: User | None,
    now: datetime.datetime,
    today: datetime.date,
) -> None:
    """The city's answer to a new proposal and, when accepted, the project it became."""
    proposal.answer = entry["answer"]
    proposal.answer_text = clean_html(entry.get("answer_text", ""))
    proposal.answered_at = now - datetime.timedelta(days=entry.get("answer_days_ago", 0))
    proposal.answered_by = city_person
    fields = ["answer", "answer_text", "answered_at", "answered_by"]
    if "project" in entry:
        proposal.project = _project(
            tally, proposal.process.space.organisation, entry["project"], today
        )
        fields.append("project")
    proposal.save(update_fields=fields)
    audit_record(
        actor=city_person,
        action="participation.proposal_answered",
        target=proposal,
        changes={"answer": [None, proposal.answer]},
        note=AUDIT_NOTE,
    )
    if proposal.project_id:
        audit_record(
            actor=city_person,
            action="participation.proposal_project_linked",
            target=proposal,
            changes={"project": [None, str(proposal.project)]},
            note=AUDIT_NOTE,
        )


def _proposals(
    tally: Tally,
    process: Process,
    entries: list[dict[str, Any]],
    categories: dict[str, Category],
    people: dict[str, User],
    city_person: User | None,
    now: datetime.datetime,
    today: datetime.date,
) -> None:
    for entry in entries:
        proposal = Proposal.objects.filter(process=process, title=entry["title"]).first()
        created = proposal is None
        created_at = now - datetime.timedelta(days=entry["days_ago"])
        if proposal is None:
            proposal = Proposal.objects.create(
                process=process,
                author=people[entry["author"]],
                title=entry["title"],
                body=clean_html(entry["body"]),
                category=categories[entry["category"]],
                address=entry.get("address", ""),
                latitude=Decimal(entry["latitude"]) if "latitude" in entry else None,
                longitude=Decimal(entry["longitude"]) if "longitude" in entry else None,
                created_at=created_at,
            )
            if entry.get("answer"):
                _answer(tally, proposal, entry, city_person, now, today)
        elif proposal.project is not None:
            tally.add("proposal_projects", proposal.project, False)
        tally.add("proposals", proposal, created)
        backed = False
        for hours, key in enumerate(entry.get("supporters", []), start=1):
            support, made = Support.objects.get_or_create(
                proposal=proposal,
                user=people[key],
                defaults={"created_at": created_at + datetime.timedelta(hours=hours)},
            )
            backed = backed or made
            tally.add("proposal_supports", support, made)
        if backed:
            Proposal.objects.filter(pk=proposal.pk).update(
                supports_count=Coalesce(
                    Subquery(
                        Support.objects.filter(proposal=OuterRef("pk"))
                        .values("proposal")
                        .annotate(n=Count("pk"))
                        .values("n")
                    ),
                    0,
                )
            )
        if _comments(tally, proposal, entry.get("comments", []), people, now):
            _recount_comments(proposal)


def _debates(
    tally: Tally,
    process: Process,
    entries: list[dict[str, Any]],
    people: dict[str, User],
    now: datetime.datetime,
) -> None:
    for entry in entries:
        debate = Debate.objects.filter(process=process, title=entry["title"]).first()
        created = debate is None
        if debate is None:
            debate = Debate.objects.create(
                process=process,
                author=people[entry["author"]],
                title=entry["title"],
                body=clean_html(entry["body"]),
                created_at=now - datetime.timedelta(days=entry["days_ago"], hours=2),
            )
        tally.add("debates", debate, created)
        if _comments(tally, debate, entry.get("comments", []), people, now):
            _recount_comments(debate)


def _surveys(
    tally: Tally, process: Process, entries: list[dict[str, Any]], today: datetime.date
) -> None:
    for entry in entries:
        survey = Survey.objects.filter(process=process, title=entry["title"]).first()
        created = survey is None
        if survey is None:
            survey = Survey.objects.create(
                process=process,
                title=entry["title"],
                description=clean_html(entry.get("description", "")),
                opens_on=today - datetime.timedelta(days=entry["opens_days_ago"]),
                closes_on=today + datetime.timedelta(days=entry["closes_in_days"]),
                published=True,
            )
        tally.add("surveys", survey, created)
        for position, question_entry in enumerate(entry["questions"]):
            question, made = Question.objects.get_or_create(
                survey=survey,
                position=position,
                defaults={
                    "text": question_entry["text"],
                    "kind": question_entry["kind"],
                    "choices": question_entry.get("choices", []),
                    "required": question_entry.get("required", True),
                },
            )
            tally.add("survey_questions", question, made)


@transaction.atomic
def load_participation_seed(
    today: datetime.date | None = None, *, demo_users: bool = False
) -> dict[str, int]:
    """Load the demo spaces and their processes and, with `demo_users`, the demo residents and
    what they wrote.

    Needs the members and projects seeds loaded first. Returns, per kind in `KINDS`, how many
    records it created and how many it found already there.
    """
    tally = Tally(KINDS)
    now = timezone.now()
    if today is not None:
        now = now.replace(year=today.year, month=today.month, day=today.day)
    today = today or timezone.localdate()
    data = _read()
    residents = {entry["key"]: entry for entry in data["residents"]}
    for entry in data["spaces"]:
        city = find_organisation(*entry["city"])
        if city is None:
            continue
        space = _space(tally, city, entry)
        people = {}
        if demo_users:
            people = {key: _resident(tally, residents[key]) for key in entry["participants"]}
        for user in people.values():
            _join(tally, space, user, now)
        categories = {}
        for name in entry["categories"]:
            category, created = Category.objects.get_or_create(space=space, name=name)
            tally.add("participation_categories", category, created)
            categories[name] = category
        city_person = _person(entry.get("city_person"))
        for process_entry in entry["processes"]:
            process = _process(tally, space, process_entry, city_person, today)
            _surveys(tally, process, process_entry.get("surveys", []), today)
            if not demo_users:
                continue
            _proposals(
                tally,
                process,
                process_entry.get("proposals", []),
                categories,
                people,
                city_person,
                now,
                today,
            )
            _debates(tally, process, process_entry.get("debates", []), people, now)
    return tally.counts
