"""Rich text that people write: a small set of HTML, cleaned when saved and again when shown.

Cleaning twice costs little and means a row written by an older version, an import or the admin
can never carry a script onto a page. Text without any tag is plain text: its paragraphs and line
breaks are kept.
"""

import html
import re

import nh3
from django.utils.html import escape, linebreaks
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = frozenset(
    {"p", "br", "strong", "b", "em", "i", "u", "ul", "ol", "li", "a", "blockquote", "h3", "h4"}
)
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
MAX_LENGTH = 20_000

_TAG = re.compile(r"<[a-zA-Z/!][^>]*>")


def clean_html(text: str) -> str:
    """The text with only the allowed tags and safe links left; plain text becomes paragraphs."""
    text = (text or "").replace("\x00", "").strip()
    if not text:
        return ""
    if not _TAG.search(text):
        text = linebreaks(escape(text))
    return nh3.clean(
        text,
        tags=set(ALLOWED_TAGS),
        attributes={k: set(v) for k, v in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel="nofollow noopener noreferrer ugc",
        strip_comments=True,
    ).strip()


def render_html(text: str) -> SafeString:
    """For templates: clean again on the way out, then mark safe."""
    return mark_safe(clean_html(text))  # noqa: S308  (cleaned just above)


def plain_text(text: str) -> str:
    """The words without any markup, for e-mails, titles and search."""
    return html.unescape(nh3.clean(text or "", tags=set())).strip()
