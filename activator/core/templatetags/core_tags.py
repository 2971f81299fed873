from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def query_replace(context, **changes) -> str:
    """The current query string with some parameters replaced (for shareable list URLs)."""
    query = context["request"].GET.copy()
    for key, value in changes.items():
        if value in (None, ""):
            query.pop(key, None)
        else:
            query[key] = value
    return query.urlencode()


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None


@register.simple_tag
def bar_chart(rows, title: str = ""):
    """Render (key, label, value) rows as an SVG bar chart."""
    from activator.core.charts import horizontal_bars

    return horizontal_bars([(label, value) for _key, label, value in rows], title=title)


@register.filter
def rich(text):
    """Rich text a person wrote, sanitised on output too (activator.core.richtext)."""
    from activator.core.richtext import render_html

    return render_html(text)
