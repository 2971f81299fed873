"""Server-rendered SVG charts: no JavaScript, readable in print and PDF, data table beside them."""

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

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
