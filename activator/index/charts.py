"""SVG charts of the index report and ranking, drawn on the server.

Colours and sizes are SVG attributes, not CSS classes alone, so the same markup looks the same
on the page and inside the WeasyPrint PDF (which does not apply the site's stylesheet to SVG).
Every chart carries a <title> and an aria-label; the pages put a data table beside it.
"""

from collections.abc import Sequence
from typing import Any

from django.utils.formats import number_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.text import capfirst
from django.utils.translation import gettext as _

INK = "#1b2430"
MUTED = "#4a5565"
LINE = "#d5dbe3"
BRAND = "#0b5cad"
REFERENCE = "#6b7685"  # 4.6:1 on white, enough for a graphic beside the brand colour
# Stage bands, light to dark; the marker and labels are drawn in ink over them.
BAND_FILLS = ("#e3edf8", "#c4daf1", "#9cc0e6", "#6d9fd6", "#3f7ec4")
FONT = 'font-family="DejaVu Sans, Liberation Sans, Arial, sans-serif"'


def score_text(value: float | None) -> str:
    """A score as people read it: one decimal, in the reader's number format."""
    if value is None:
        return "—"
    return number_format(round(value, 1), decimal_pos=1, use_l10n=True)


def _tick(value: float) -> str:
    """An axis label: whole numbers without decimals."""
    number = int(value) if float(value).is_integer() else round(value, 1)
    return number_format(number, use_l10n=True)


def _svg(width: int, height: int, title: str, body: SafeString, css: str) -> SafeString:
    return format_html(
        '<svg class="{}" width="{}" height="{}" viewBox="0 0 {} {}" role="img" aria-label="{}" '
        'xmlns="http://www.w3.org/2000/svg" ' + FONT + "><title>{}</title>{}</svg>",
        css,
        width,
        height,
        width,
        height,
        title,
        title,
        body,
    )


def _join(parts: Sequence[SafeString]) -> SafeString:
    return format_html_join("", "{}", ((part,) for part in parts))


# --- The stage scale -------------------------------------------------------------------------

STRIP_WIDTH, STRIP_HEIGHT = 600, 92
STRIP_SIDE, STRIP_TOP, STRIP_BAR = 12, 30, 24


def band_strip(stages: Sequence[dict[str, Any]], score: float | None, *, title: str) -> SafeString:
    """The framework's stages as bands on a 0-100 strip, with a marker at the city's score.

    `stages` are the framework's bands ({"name", "from"}), ascending.
    """
    top = max(100.0, score or 0.0)
    bottom = min(0.0, score or 0.0)
    span = STRIP_WIDTH - 2 * STRIP_SIDE

    def x(level: float) -> float:
        return round(STRIP_SIDE + span * (level - bottom) / (top - bottom), 1)

    parts = []
    for i, stage in enumerate(stages):
        start = float(stage["from"])
        end = float(stages[i + 1]["from"]) if i + 1 < len(stages) else top
        parts.append(
            format_html(
                '<rect x="{}" y="{}" width="{}" height="{}" fill="{}" stroke="#ffffff"></rect>'
                '<text x="{}" y="{}" font-size="11" fill="{}" text-anchor="middle">{}</text>'
                '<text x="{}" y="{}" font-size="10" fill="{}" text-anchor="middle">{}</text>',
                x(start),
                STRIP_TOP,
                round(x(end) - x(start), 1),
                STRIP_BAR,
                BAND_FILLS[min(i, len(BAND_FILLS) - 1)],
                round((x(start) + x(end)) / 2, 1),
                STRIP_TOP + STRIP_BAR + 16,
                INK,
                capfirst(stage["name"]),
                x(start),
                STRIP_TOP + STRIP_BAR + 32,
                MUTED,
                _tick(start),
            )
        )
    if score is not None:
        at = x(score)
        parts.append(
            format_html(
                '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="3"></line>'
                '<path d="M {} {} l -7 -10 l 14 0 z" fill="{}"></path>'
                '<text x="{}" y="{}" font-size="12" font-weight="bold" fill="{}" '
                'text-anchor="{}">{}</text>',
                at,
                STRIP_TOP - 2,
                at,
                STRIP_TOP + STRIP_BAR + 2,
                INK,
                at,
                STRIP_TOP - 2,
                INK,
                at,
                STRIP_TOP - 15,
                INK,
                "start" if at < 40 else "end" if at > STRIP_WIDTH - 40 else "middle",
                score_text(score),
            )
        )
    return _svg(STRIP_WIDTH, STRIP_HEIGHT, title, _join(parts), "index-chart index-bands")


# --- The rank interval of one row ------------------------------------------------------------

WHISKER_WIDTH, WHISKER_HEIGHT, WHISKER_SIDE = 120, 16, 6


def rank_whisker(
    p05: float | None, median: float | None, p95: float | None, cities: int, *, title: str
) -> SafeString:
    """Rank 1 on the left, the last rank on the right; the bar spans the 5-95% interval."""
    if p05 is None or p95 is None or median is None or cities < 2:
        return SafeString("")
    span = WHISKER_WIDTH - 2 * WHISKER_SIDE

    def x(rank: float) -> float:
        return round(WHISKER_SIDE + span * (rank - 1) / (cities - 1), 1)

    middle = WHISKER_HEIGHT / 2
    body = format_html(
        '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="2"></line>'
        '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="6" '
        'stroke-linecap="round"></line>'
        '<circle cx="{}" cy="{}" r="4" fill="{}" stroke="#ffffff" stroke-width="1"></circle>',
        WHISKER_SIDE,
        middle,
        WHISKER_WIDTH - WHISKER_SIDE,
        middle,
        LINE,
        x(p05),
        middle,
        x(p95),
        middle,
        BRAND,
        x(median),
        middle,
        INK,
    )
    return _svg(WHISKER_WIDTH, WHISKER_HEIGHT, title, body, "index-whisker")


# --- A score beside a reference (the cohort's or the peers' mean) ----------------------------

PAIR_LABEL, PAIR_PLOT, PAIR_VALUE, PAIR_ROW, PAIR_TOP = 150, 330, 56, 40, 30


def compare_bars(
    rows: Sequence[tuple[str, float | None, float | None]],
    *,
    title: str,
    value_label: str,
    reference_label: str | None,
) -> SafeString:
    """One pair of bars per row: the value (dark) over its reference (grey), on 0-100.

    Without a `reference_label` there is no reference: one bar per row.
    """
    values = [v for _label, *pair in rows for v in pair if v is not None]
    top = max([100.0, *values])
    bottom = min([0.0, *values])
    width = PAIR_LABEL + PAIR_PLOT + PAIR_VALUE
    height = PAIR_TOP + PAIR_ROW * len(rows) + 22

    def x(level: float) -> float:
        return round(PAIR_LABEL + PAIR_PLOT * (level - bottom) / (top - bottom), 1)

    def bar(level: float | None, y: float, tall: int, fill: str) -> SafeString:
        if level is None:
            return format_html(
                '<text x="{}" y="{}" font-size="11" fill="{}">{}</text>',
                PAIR_LABEL + 4,
                y + tall - 2,
                MUTED,
                _("not scored"),
            )
        start, end = sorted((x(max(bottom, 0.0)), x(level)))
        return format_html(
            '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"></rect>'
            '<text x="{}" y="{}" font-size="11" fill="{}">{}</text>',
            start,
            y,
            max(round(end - start, 1), 1),
            tall,
            fill,
            round(end + 5, 1),
            y + tall - 2,
            INK,
            score_text(level),
        )

    legend = (
        '<rect x="{}" y="6" width="12" height="12" fill="{}"></rect>'
        '<text x="{}" y="16" font-size="11" fill="{}">{}</text>'
    )
    parts = [format_html(legend, PAIR_LABEL, BRAND, PAIR_LABEL + 17, INK, value_label)]
    if reference_label is not None:
        parts.append(
            format_html(legend, PAIR_LABEL + 170, REFERENCE, PAIR_LABEL + 187, INK, reference_label)
        )
    for tick in (bottom, (bottom + top) / 2, top):
        parts.append(
            format_html(
                '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}"></line>'
                '<text x="{}" y="{}" font-size="10" fill="{}" text-anchor="middle">{}</text>',
                x(tick),
                PAIR_TOP - 4,
                x(tick),
                height - 18,
                LINE,
                x(tick),
                height - 5,
                MUTED,
                _tick(round(tick)),
            )
        )
    for i, (label, value, reference) in enumerate(rows):
        y = PAIR_TOP + i * PAIR_ROW
        parts.append(
            format_html(
                '<text x="{}" y="{}" font-size="12" fill="{}" text-anchor="end">{}</text>{}{}',
                PAIR_LABEL - 8,
                y + 19,
                INK,
                label,
                bar(value, y + 2, 16, BRAND),
                bar(reference, y + 20, 11, REFERENCE) if reference_label is not None else "",
            )
        )
    return _svg(width, height, title, _join(parts), "index-chart index-pairs")


# --- Scores over the years -------------------------------------------------------------------

TREND_WIDTH, TREND_HEIGHT = 560, 230
TREND_LEFT, TREND_RIGHT, TREND_TOP, TREND_BOTTOM = 40, 24, 16, 34


def trend_line(points: Sequence[tuple[int, float | None]], *, title: str) -> SafeString:
    """Overall scores by year on 0-100; years are spaced by time, so a skipped year shows."""
    scored = [(year, value) for year, value in points if value is not None]
    top = max([100.0, *(v for _y, v in scored)])
    bottom = min([0.0, *(v for _y, v in scored)])
    plot_width = TREND_WIDTH - TREND_LEFT - TREND_RIGHT
    plot_height = TREND_HEIGHT - TREND_TOP - TREND_BOTTOM
    base = TREND_TOP + plot_height
    years = [year for year, _value in points]
    first, last = (min(years), max(years)) if years else (0, 0)

    def x(year: int) -> float:
        if last == first:
            return round(TREND_LEFT + plot_width / 2, 1)
        return round(TREND_LEFT + plot_width * (year - first) / (last - first), 1)

    def y(level: float) -> float:
        return round(base - plot_height * (level - bottom) / (top - bottom), 1)

    parts = []
    for tick in range(int(bottom), int(top) + 1, 20):
        parts.append(
            format_html(
                '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}"></line>'
                '<text x="{}" y="{}" font-size="10" fill="{}" text-anchor="end">{}</text>',
                TREND_LEFT,
                y(tick),
                TREND_LEFT + plot_width,
                y(tick),
                LINE,
                TREND_LEFT - 6,
                y(tick) + 4,
                MUTED,
                _tick(tick),
            )
        )
    if len(scored) > 1:
        line = " ".join(f"{x(year)},{y(value)}" for year, value in scored)
        parts.append(
            format_html(
                '<polyline points="{}" fill="none" stroke="{}" stroke-width="2.5"></polyline>',
                line,
                BRAND,
            )
        )
    for year, _value in points:
        parts.append(
            format_html(
                '<text x="{}" y="{}" font-size="11" fill="{}" text-anchor="middle">{}</text>',
                x(year),
                base + 20,
                INK,
                year,
            )
        )
    for year, value in scored:
        parts.append(
            format_html(
                '<circle cx="{}" cy="{}" r="4.5" fill="{}" stroke="#ffffff" stroke-width="1.5">'
                "<title>{}: {}</title></circle>"
                '<text x="{}" y="{}" font-size="11" font-weight="bold" fill="{}" '
                'text-anchor="middle">{}</text>',
                x(year),
                y(value),
                BRAND,
                year,
                score_text(value),
                x(year),
                y(value) - 9,
                INK,
                score_text(value),
            )
        )
    return _svg(TREND_WIDTH, TREND_HEIGHT, title, _join(parts), "index-chart index-trend")
