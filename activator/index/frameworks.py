"""Frameworks as data: read, check, store and write back the JSON document of FRAMEWORKS.md.

The same functions serve `manage.py import_framework`, the API and the demo data, so a file is
checked the same way wherever it comes from, and every problem is named by its path in the file.
"""

import math
import re
from pathlib import Path
from typing import Any

from django.db import transaction

from activator.core.models import Pillar, Sector
from activator.index.enums import (
    Aggregation,
    Direction,
    FrameworkKind,
    MissingRule,
    Normalisation,
    WeightScheme,
)
from activator.index.models import Framework, FrameworkVersion, Group, Indicator

FORMAT = "activator.framework/1"
SHIPPED = Path(__file__).parent / "fixtures" / "frameworks"
METHOD_DEFAULTS: dict[str, Any] = {
    "normalisation": Normalisation.MINMAX.value,
    "weights": WeightScheme.CUSTOM.value,
    "missing": MissingRule.REWEIGHT.value,
    "aggregation": Aggregation.ARITHMETIC.value,
    "min_coverage": 0.5,
    "zero_floor": 1.0,
}
SENSITIVITY_DEFAULTS: dict[str, Any] = {
    "draws": 1000,
    "weight_spread": 0.5,
    "normalisations": [Normalisation.MINMAX.value],
    "aggregations": [Aggregation.ARITHMETIC.value],
    "missing": [MissingRule.REWEIGHT.value],
}
MAX_DRAWS = 10_000


SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def _finite(value: Any) -> bool:
    """A JSON number a float can hold (a huge integer would overflow)."""
    if not isinstance(value, int | float):
        return False
    try:
        return math.isfinite(float(value))
    except OverflowError:
        return False


class FrameworkError(ValueError):
    """Everything wrong with a framework document, each problem with its path in the file."""

    def __init__(self, problems: list[tuple[str, str]]):
        self.problems = problems
        super().__init__("; ".join(f"{path}: {message}" for path, message in problems))


def _at(path: str, key: str) -> str:
    """The path of `key` inside `path`; top-level keys are named bare ("slug", "method")."""
    return f"{path}.{key}" if path else key


class _Checker:
    def __init__(self) -> None:
        self.problems: list[tuple[str, str]] = []

    def fail(self, path: str, message: str) -> None:
        self.problems.append((path, message))

    def text(self, data: dict, key: str, path: str, *, required: bool = True, limit=300) -> str:
        value = data.get(key, "")
        if value is None:
            value = ""
        if not isinstance(value, str):
            self.fail(_at(path, key), "must be text")
            return ""
        if "\x00" in value:
            self.fail(_at(path, key), "must not hold NUL characters")
            return ""
        if required and not value.strip():
            self.fail(_at(path, key), "is required")
        if len(value) > limit:
            self.fail(_at(path, key), f"is longer than {limit} characters")
        return value.strip()

    def number(self, data: dict, key: str, path: str, default: float | None) -> float | None:
        """The number at `key`; missing or null gives the default (None: no value)."""
        value = data.get(key)
        if value is None:
            return default
        if isinstance(value, bool) or not _finite(value):
            self.fail(_at(path, key), "must be a number")
            return default
        return float(value)

    def choice(self, data: dict, key: str, path: str, choices, default: str) -> str:
        value = data.get(key, default)
        if value not in choices.values:
            allowed = ", ".join(v or "null" for v in choices.values)
            self.fail(_at(path, key), f"must be one of: {allowed}")
            return default
        return value


def check(document: Any) -> dict[str, Any]:
    """The document, normalised and with defaults filled in; FrameworkError lists every problem."""
    c = _Checker()
    if not isinstance(document, dict):
        raise FrameworkError([("$", "must be a JSON object")])
    if document.get("format") != FORMAT:
        c.fail("format", f"must be {FORMAT!r}")
    out: dict[str, Any] = {
        "format": FORMAT,
        "slug": c.text(document, "slug", "", limit=100),
        "name": c.text(document, "name", "", limit=200),
        "version": c.text(document, "version", "", limit=40),
        "kind": c.choice(document, "kind", "", FrameworkKind, FrameworkKind.INDICATORS),
        "description": c.text(document, "description", "", required=False, limit=20_000),
        "source": c.text(document, "source", "", required=False, limit=5_000),
    }
    if out["slug"] and not SLUG.fullmatch(out["slug"]):
        c.fail("slug", "may hold only lower-case letters a-z, digits and hyphens")
    if "/" in out["version"]:
        c.fail("version", "must not contain '/'")
    levels = document.get("levels")
    if (
        not isinstance(levels, list)
        or not levels
        or not all(isinstance(v, str) and v.strip() for v in levels)
    ):
        c.fail("levels", "must be a non-empty list of level names")
        levels = ["group"]
    out["levels"] = [v.strip() for v in levels]

    method = document.get("method") or {}
    if not isinstance(method, dict):
        c.fail("method", "must be an object")
        method = {}
    out["method"] = {
        "normalisation": c.choice(method, "normalisation", "method", Normalisation, "minmax"),
        "weights": c.choice(method, "weights", "method", WeightScheme, "custom"),
        "missing": c.choice(method, "missing", "method", MissingRule, "reweight"),
        "aggregation": c.choice(method, "aggregation", "method", Aggregation, "arithmetic"),
        "min_coverage": c.number(method, "min_coverage", "method", 0.5),
        "zero_floor": c.number(method, "zero_floor", "method", 1.0),
    }
    if not 0 <= out["method"]["min_coverage"] <= 1:
        c.fail("method.min_coverage", "must be between 0 and 1")
    if not out["method"]["zero_floor"] > 0:
        # The geometric mean takes the floor's logarithm; the engine refuses zero.
        c.fail("method.zero_floor", "must be above 0")
    out["sensitivity"] = _check_sensitivity(c, document.get("sensitivity") or {})
    out["stages"] = _check_stages(c, document.get("stages"))

    codes: set[str] = set()
    groups = document.get("groups")
    if not isinstance(groups, list) or not groups:
        c.fail("groups", "must be a non-empty list")
        groups = []
    out["groups"] = [
        _check_group(c, g, f"groups[{i}]", 0, len(out["levels"]), out["kind"], codes)
        for i, g in enumerate(groups)
    ]
    if c.problems:
        raise FrameworkError(c.problems)
    return out


def _check_sensitivity(c: _Checker, data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        c.fail("sensitivity", "must be an object")
        data = {}
    draws = data.get("draws", SENSITIVITY_DEFAULTS["draws"])
    if isinstance(draws, bool) or not isinstance(draws, int) or not 0 <= draws <= MAX_DRAWS:
        c.fail("sensitivity.draws", f"must be a whole number from 0 to {MAX_DRAWS}")
        draws = SENSITIVITY_DEFAULTS["draws"]
    spread = c.number(data, "weight_spread", "sensitivity", 0.5)
    if not 0 <= spread < 1:
        c.fail("sensitivity.weight_spread", "must be at least 0 and below 1")
    out = {"draws": draws, "weight_spread": spread}
    for key, choices in (
        ("normalisations", Normalisation),
        ("aggregations", Aggregation),
        ("missing", MissingRule),
    ):
        values = data.get(key, SENSITIVITY_DEFAULTS[key])
        if (
            not isinstance(values, list)
            or not values
            or any(v not in choices.values for v in values)
        ):
            c.fail(f"sensitivity.{key}", f"must be a list of: {', '.join(choices.values)}")
            values = SENSITIVITY_DEFAULTS[key]
        out[key] = list(dict.fromkeys(values))
    return out


def _check_stages(c: _Checker, stages: Any) -> list[dict[str, Any]]:
    if not isinstance(stages, list) or not stages:
        c.fail("stages", "must be a non-empty list")
        return []
    out = []
    previous = None
    for i, stage in enumerate(stages):
        path = f"stages[{i}]"
        if not isinstance(stage, dict):
            c.fail(path, "must be an object")
            continue
        if stage.get("from") is None:
            c.fail(f"{path}.from", "is required")
            continue
        start = c.number(stage, "from", path, None)
        if start is None:  # not a number, already said
            continue
        if i == 0 and start != 0:
            c.fail(f"{path}.from", "the first stage must start at 0")
        if previous is not None and start <= previous:
            c.fail(f"{path}.from", "stages must ascend")
        previous = start
        out.append(
            {
                "name": c.text(stage, "name", path, limit=60),
                "from": start,
                "description": c.text(stage, "description", path, required=False, limit=2000),
            }
        )
    return out


def _check_group(
    c: _Checker, data: Any, path: str, depth: int, depth_count: int, kind: str, codes: set[str]
) -> dict[str, Any]:
    if not isinstance(data, dict):
        c.fail(path, "must be an object")
        return {}
    code = c.text(data, "code", path, limit=60)
    if code in codes:
        c.fail(f"{path}.code", f"{code!r} is used twice")
    if "/" in code:
        c.fail(f"{path}.code", "must not contain '/' (it names the group's page)")
    codes.add(code)
    weight = c.number(data, "weight", path, 1.0)
    if weight is not None and weight < 0:
        c.fail(f"{path}.weight", "must not be negative")
    coverage = c.number(data, "min_coverage", path, None)
    if coverage is not None and not 0 <= coverage <= 1:
        c.fail(f"{path}.min_coverage", "must be between 0 and 1")
    out: dict[str, Any] = {
        "code": code,
        "name": c.text(data, "name", path, limit=200),
        "description": c.text(data, "description", path, required=False, limit=5000),
        "weight": weight,
        "aggregation": c.choice(data, "aggregation", path, Aggregation, "arithmetic"),
        "min_coverage": coverage,
        "pillars": _slugs(c, data, "pillars", path),
        "sectors": _slugs(c, data, "sectors", path),
    }
    has_groups, has_indicators = "groups" in data, "indicators" in data
    last_level = depth == depth_count - 1
    if has_groups and has_indicators:
        c.fail(path, "holds either groups or indicators, not both")
    elif last_level and not has_indicators:
        c.fail(f"{path}.indicators", "the last level's groups must list indicators")
    elif not last_level and not has_groups:
        c.fail(f"{path}.groups", f"a level-{depth + 1} group must list the next level's groups")
    elif has_groups:
        children = data["groups"]
        if not isinstance(children, list) or not children:
            c.fail(f"{path}.groups", "must be a non-empty list")
            children = []
        out["groups"] = [
            _check_group(c, g, f"{path}.groups[{i}]", depth + 1, depth_count, kind, codes)
            for i, g in enumerate(children)
        ]
    else:
        indicators = data["indicators"]
        if not isinstance(indicators, list) or not indicators:
            c.fail(f"{path}.indicators", "must be a non-empty list")
            indicators = []
        out["indicators"] = [
            _check_indicator(c, ind, f"{path}.indicators[{i}]", kind, codes)
            for i, ind in enumerate(indicators)
        ]
    return out


def _slugs(c: _Checker, data: dict, key: str, path: str) -> list[str]:
    """Sorted and without repeats: they are stored as a set, so the export lists them so too."""
    values = data.get(key) or []
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        c.fail(f"{path}.{key}", "must be a list of slugs")
        return []
    return sorted(set(values))


def _check_indicator(
    c: _Checker, data: Any, path: str, kind: str, codes: set[str]
) -> dict[str, Any]:
    if not isinstance(data, dict):
        c.fail(path, "must be an object")
        return {}
    code = c.text(data, "code", path, limit=60)
    if code in codes:
        c.fail(f"{path}.code", f"{code!r} is used twice")
    codes.add(code)
    direction = data.get("direction", "higher")
    if direction is None:
        direction = ""
    if direction not in Direction.values:
        c.fail(f"{path}.direction", "must be higher, lower or null")
        direction = "higher"
    transform = data.get("transform") or ""
    if transform not in ("", "log"):
        c.fail(f"{path}.transform", "must be null or log")
    bounds = data.get("bounds")
    lower = upper = None
    if bounds is not None:
        if (
            not isinstance(bounds, list)
            or len(bounds) != 2
            or not all(not isinstance(b, bool) and _finite(b) for b in bounds)
        ):
            c.fail(f"{path}.bounds", "must be [lower, upper] or null")
        elif bounds[0] >= bounds[1]:
            c.fail(f"{path}.bounds", "the lower goalpost must be below the upper one")
        elif transform == "log" and bounds[0] <= 0:
            c.fail(f"{path}.bounds", "log-transformed goalposts must be positive")
        else:
            lower, upper = float(bounds[0]), float(bounds[1])
    target = c.number(data, "target", path, None)
    if target is not None and transform == "log" and target <= 0:
        c.fail(f"{path}.target", "a log-transformed target must be positive")
    weight = c.number(data, "weight", path, 1.0)
    if weight is not None and weight < 0:
        c.fail(f"{path}.weight", "must not be negative")
    question = data.get("question")
    out_question = None
    if question is not None:
        if not isinstance(question, dict):
            c.fail(f"{path}.question", "must be an object or null")
        else:
            levels = question.get("levels")
            if (
                not isinstance(levels, list)
                or len(levels) != 5
                or not all(isinstance(v, str) and v.strip() for v in levels)
            ):
                c.fail(f"{path}.question.levels", "must describe the five maturity levels")
                levels = []
            out_question = {
                "text": c.text(question, "text", f"{path}.question", limit=2000),
                "help": c.text(question, "help", f"{path}.question", required=False, limit=2000),
                "levels": [v.strip() for v in levels],
            }
            if (lower, upper) != (1.0, 5.0):
                c.fail(f"{path}.bounds", "a survey question's bounds are [1, 5]")
    if kind == FrameworkKind.SURVEY and out_question is None:
        c.fail(f"{path}.question", "every indicator of a survey needs a question")
    return {
        "code": code,
        "name": c.text(data, "name", path, limit=300),
        "description": c.text(data, "description", path, required=False, limit=5000),
        "unit": c.text(data, "unit", path, required=False, limit=120),
        "direction": direction or None,
        "transform": transform or None,
        "bounds": [lower, upper] if lower is not None else None,
        "target": target,
        "weight": weight,
        "source": c.text(data, "source", path, required=False, limit=300),
        "question": out_question,
    }


@transaction.atomic
def framework_import(document: Any) -> FrameworkVersion:
    """Store a checked document; a version already used by an assessment is never changed."""
    data = check(document)
    framework, _created = Framework.objects.update_or_create(
        slug=data["slug"], defaults={"name": data["name"], "kind": data["kind"]}
    )
    existing = FrameworkVersion.objects.filter(framework=framework, version=data["version"]).first()
    if existing is not None:
        if existing.assessments.exists():
            raise FrameworkError(
                [("version", "assessments use this version; import it as a new version")]
            )
        existing.delete()
    method = data["method"]
    version = FrameworkVersion.objects.create(
        framework=framework,
        version=data["version"],
        description=data["description"],
        source=data["source"],
        levels=data["levels"],
        normalisation=method["normalisation"],
        weights=method["weights"],
        missing=method["missing"],
        aggregation=method["aggregation"],
        min_coverage=method["min_coverage"],
        zero_floor=method["zero_floor"],
        sensitivity=data["sensitivity"],
        stages=data["stages"],
    )
    pillars = {p.slug: p for p in Pillar.objects.all()}
    sectors = {s.slug: s for s in Sector.objects.all()}
    position = {"group": 0, "indicator": 0}

    def store(group: dict, parent: Group | None, depth: int) -> None:
        position["group"] += 1
        node = Group.objects.create(
            version=version,
            parent=parent,
            code=group["code"],
            name=group["name"],
            description=group["description"],
            depth=depth,
            position=position["group"],
            weight=group["weight"],
            aggregation=group["aggregation"],
            min_coverage=group["min_coverage"],
        )
        # Unknown taxonomy slugs are ignored: they only steer recommendations.
        node.pillars.set([pillars[s] for s in group["pillars"] if s in pillars])
        node.sectors.set([sectors[s] for s in group["sectors"] if s in sectors])
        for child in group.get("groups", []):
            store(child, node, depth + 1)
        indicators = []
        for ind in group.get("indicators", []):
            position["indicator"] += 1
            question = ind["question"] or {}
            bounds = ind["bounds"] or [None, None]
            indicators.append(
                Indicator(
                    version=version,
                    group=node,
                    code=ind["code"],
                    name=ind["name"],
                    description=ind["description"],
                    unit=ind["unit"],
                    direction=ind["direction"] or "",
                    transform=ind["transform"] or "",
                    lower=bounds[0],
                    upper=bounds[1],
                    target=ind["target"],
                    weight=ind["weight"],
                    source=ind["source"],
                    position=position["indicator"],
                    question_text=question.get("text", ""),
                    question_help=question.get("help", ""),
                    question_levels=question.get("levels", []),
                )
            )
        Indicator.objects.bulk_create(indicators)

    for group in data["groups"]:
        store(group, None, 0)
    return version


def framework_export(version: FrameworkVersion) -> dict[str, Any]:
    """The version as the JSON document it was imported from (FRAMEWORKS.md)."""
    groups = list(version.groups.prefetch_related("pillars", "sectors").order_by("position"))
    indicators = list(version.indicators.order_by("position"))
    children: dict[int | None, list[Group]] = {}
    for group in groups:
        children.setdefault(group.parent_id, []).append(group)
    leaves: dict[int, list[Indicator]] = {}
    for indicator in indicators:
        leaves.setdefault(indicator.group_id, []).append(indicator)

    def indicator_doc(ind: Indicator) -> dict[str, Any]:
        return {
            "code": ind.code,
            "name": ind.name,
            "description": ind.description,
            "unit": ind.unit,
            "direction": ind.direction or None,
            "transform": ind.transform or None,
            "bounds": [ind.lower, ind.upper] if ind.lower is not None else None,
            "target": ind.target,
            "weight": ind.weight,
            "source": ind.source,
            "question": (
                {
                    "text": ind.question_text,
                    "help": ind.question_help,
                    "levels": ind.question_levels,
                }
                if ind.question_levels
                else None
            ),
        }

    def group_doc(group: Group) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "code": group.code,
            "name": group.name,
            "description": group.description,
            "weight": group.weight,
            "aggregation": group.aggregation,
            "min_coverage": group.min_coverage,
            "pillars": sorted(p.slug for p in group.pillars.all()),
            "sectors": sorted(s.slug for s in group.sectors.all()),
        }
        if group.pk in leaves:
            doc["indicators"] = [indicator_doc(i) for i in leaves[group.pk]]
        else:
            doc["groups"] = [group_doc(g) for g in children.get(group.pk, [])]
        return doc

    return {
        "format": FORMAT,
        "slug": version.framework.slug,
        "name": version.framework.name,
        "version": version.version,
        "kind": version.framework.kind,
        "description": version.description,
        "source": version.source,
        "levels": version.levels,
        "method": {
            "normalisation": version.normalisation,
            "weights": version.weights,
            "missing": version.missing,
            "aggregation": version.aggregation,
            "min_coverage": version.min_coverage,
            "zero_floor": version.zero_floor,
        },
        "sensitivity": version.sensitivity,
        "stages": version.stages,
        "groups": [group_doc(g) for g in children.get(None, [])],
    }
