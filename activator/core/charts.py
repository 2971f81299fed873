"""Server-rendered SVG charts: no JavaScript, readable in print and PDF, data table beside them."""

import datetime
from collections.abc import Sequence
from decimal import Decimal

from django.utils.formats import date_format, number_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

ROW_HEIGHT = 26
LABEL_WIDTH = 170
BAR_WIDTH = 300


def horizontal_bars(rows: list[tuple[str, int]], *, title: str) -> SafeString:
    """A horizontal bar chart of (label, value) rows, scaled to the largest value."""
    largest = max((value for _label, value in rows), default=0) or 1
    height = ROW_HEIGHT * len(rows) + 4
    width = LABEL_WIDTH + BAR_WIDTH + 60
    bars = format_html_join(
        "",
        '<g transform="translate(0,{})">'
        '<text class="bar-label" x="{}" y="17" text-anchor="end">{}</text>'
        '<rect class="bar" x="{}" y="4" width="{}" height="18" rx="2"></rect>'
        '<text class="bar-value" x="{}" y="17">{}</text></g>',
        (
            (
                i * ROW_HEIGHT,
                LABEL_WIDTH - 8,
                label,
                LABEL_WIDTH,
                round(BAR_WIDTH * value / largest, 1),
                LABEL_WIDTH + round(BAR_WIDTH * value / largest, 1) + 6,
                value,
            )
            for i, (label, value) in enumerate(rows)
        ),
    )
    return format_html(
        '<svg viewBox="0 0 {} {}" role="img" aria-label="{}" xmlns="http://www.w3.org/2000/svg">'
        "<title>{}</title>{}</svg>",
        width,
        height,
        title,
        title,
        bars,
    )


KPI_WIDTH, KPI_HEIGHT = 520, 230
KPI_LEFT, KPI_RIGHT, KPI_TOP, KPI_BOTTOM = 70, 120, 16, 40


def progress_share(
    value: Decimal | None, baseline: Decimal | None, target: Decimal | None
) -> Decimal | None:
    """How far `value` has come from `baseline` towards `target`: 0 at the baseline, 1 on target.

    A target below the baseline (less waste, fewer accidents) counts a fall as progress.
    """
    if value is None or baseline is None or target is None or target == baseline:
        return None
    return (Decimal(value) - baseline) / (target - baseline)


def _number(value: Decimal) -> str:
    value = Decimal(value)
    value = value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()
    return number_format(value, use_l10n=True, force_grouping=True)


def kpi_progress(
    values: Sequence[tuple[datetime.date, Decimal]],
    baseline: Decimal | None,
    target: Decimal | None,
    title: str,
) -> SafeString:
    """A KPI's measured values over time, drawn against its baseline and target lines.

    `values` are (date, value) pairs, oldest first. Dates are spaced by time, so a gap in
    measuring shows as a gap.
    """
    values = sorted(values, key=lambda item: item[0])
    levels = [Decimal(v) for _day, v in values]
    levels += [Decimal(v) for v in (baseline, target) if v is not None]
    low, high = (min(levels), max(levels)) if levels else (Decimal(0), Decimal(1))
    if low == high:
        pad = abs(low) / 10 or Decimal(1)
        low, high = low - pad, high + pad
    plot_width = KPI_WIDTH - KPI_LEFT - KPI_RIGHT
    plot_height = KPI_HEIGHT - KPI_TOP - KPI_BOTTOM
    bottom = KPI_TOP + plot_height

    def y(level: Decimal) -> float:
        return round(bottom - float((Decimal(level) - low) / (high - low)) * plot_height, 1)

    first_day = values[0][0] if values else None
    span = (values[-1][0] - first_day).days if values else 0

    def x(day: datetime.date) -> float:
        if not span:
            return round(KPI_LEFT + plot_width / 2, 1)
        return round(KPI_LEFT + plot_width * (day - first_day).days / span, 1)

    parts = [
        format_html(
            '<line class="kpi-axis" x1="{}" y1="{}" x2="{}" y2="{}"></line>'
            '<line class="kpi-axis" x1="{}" y1="{}" x2="{}" y2="{}"></line>'
            '<text class="kpi-tick" x="{}" y="{}" text-anchor="end">{}</text>'
            '<text class="kpi-tick" x="{}" y="{}" text-anchor="end">{}</text>',
            KPI_LEFT,
            KPI_TOP,
            KPI_LEFT,
            bottom,
            KPI_LEFT,
            bottom,
            KPI_LEFT + plot_width,
            bottom,
            KPI_LEFT - 6,
            y(high) + 4,
            _number(high),
            KPI_LEFT - 6,
            y(low) + 4,
            _number(low),
        )
    ]
    for level, css, label in (
        (baseline, "kpi-baseline", _("Baseline")),
        (target, "kpi-target", _("Target")),
    ):
        if level is not None:
            parts.append(
                format_html(
                    '<line class="{}" x1="{}" y1="{}" x2="{}" y2="{}"></line>'
                    '<text class="kpi-level-label {}" x="{}" y="{}">{} {}</text>',
                    css,
                    KPI_LEFT,
                    y(level),
                    KPI_LEFT + plot_width,
                    y(level),
                    css,
                    KPI_LEFT + plot_width + 6,
                    y(level) + 4,
                    label,
                    _number(level),
                )
            )
    if values:
        points = " ".join(f"{x(day)},{y(value)}" for day, value in values)
        parts.append(format_html('<polyline class="kpi-line" points="{}"></polyline>', points))
        parts.append(
            format_html_join(
                "",
                '<circle class="kpi-point" cx="{}" cy="{}" r="4"><title>{}: {}</title></circle>',
                (
                    (x(day), y(value), date_format(day, "SHORT_DATE_FORMAT"), _number(value))
                    for day, value in values
                ),
            )
        )
        days = [values[0][0]] if not span else [values[0][0], values[-1][0]]
        anchors = ["middle"] if not span else ["start", "end"]
        parts.append(
            format_html_join(
                "",
                '<text class="kpi-tick" x="{}" y="{}" text-anchor="{}">{}</text>',
                (
                    (x(day), bottom + 18, anchor, date_format(day, "SHORT_DATE_FORMAT"))
                    for day, anchor in zip(days, anchors, strict=True)
                ),
            )
        )
    else:
        parts.append(
            format_html(
                '<text class="kpi-empty" x="{}" y="{}" text-anchor="middle">{}</text>',
                KPI_LEFT + plot_width / 2,
                KPI_TOP + plot_height / 2,
                _("No values recorded yet"),
            )
        )
    return format_html(
        '<svg class="kpi-chart" viewBox="0 0 {} {}" role="img" aria-label="{}" '
        'xmlns="http://www.w3.org/2000/svg"><title>{}</title>{}</svg>',
        KPI_WIDTH,
        KPI_HEIGHT,
        title,
        title,
        format_html_join("", "{}", ((part,) for part in parts)),
    )
