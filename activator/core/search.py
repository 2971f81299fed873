"""One full-text search interface: SQLite FTS5 on the embedded default, PostgreSQL at scale.

Modules index a record's text with `search_index(kind, id, title, body)` and then filter with
`search_match_sql`, order a page with `search_rank_page` and mark matched words with
`search_highlights`. Both databases see the same words: lower-cased, accents folded, English
stems ("parking" finds "park"), and every word must match.
"""

import re
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from activator.core.models import SearchEntry

# Highlight markers from Unicode's private use area: never in real text, escaped around safely.
MARK_START, MARK_END = "\ue000", "\ue001"
WORD = re.compile(r"\w+", re.UNICODE)
MAX_WORDS = 12


def normalize(text: str) -> str:
    """Lower-case text without accents: 'Beyoglu' finds 'Beyoğlu', 'sao paulo' finds 'São Paulo'."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    folded = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(folded.casefold().split())


def search_words(query: str) -> list[str]:
    """The words of a query as the index sees them; punctuation and operators are dropped."""
    return WORD.findall(normalize(query))[:MAX_WORDS]


def _clean(text: str) -> str:
    return (text or "").replace(MARK_START, "").replace(MARK_END, "")


def search_index(*, kind: str, object_id: int, title: str, body: str) -> None:
    """Create or refresh the searchable text of one record."""
    title, body = _clean(title), _clean(body)
    SearchEntry.objects.update_or_create(
        kind=kind,
        object_id=object_id,
        defaults={
            "title": title,
            "body": body,
            "folded_title": normalize(title),
            "folded_body": normalize(body),
        },
    )


def search_remove(*, kind: str, object_id: int) -> None:
    SearchEntry.objects.filter(kind=kind, object_id=object_id).delete()


def _fts_query(words: Sequence[str]) -> str:
    # Each word quoted, so nothing a person types is read as an FTS5 operator.
    return " ".join(f'"{word}"' for word in words)


def _pg_query(words: Sequence[str]) -> str:
    return " ".join(words)


def search_match_sql(kind: str, query: str) -> tuple[str, list[Any]]:
    """SQL selecting the ids of `kind` records matching every word of `query`."""
    words = search_words(query)
    if not words:
        return "SELECT object_id FROM core_searchentry WHERE 1 = 0", []
    if connection.vendor == "postgresql":
        return (
            "SELECT object_id FROM core_searchentry WHERE kind = %s "
            "AND search_vector @@ plainto_tsquery('english', %s)",
            [kind, _pg_query(words)],
        )
    # CROSS JOIN keeps the full-text match as SQLite's outer loop: one index lookup, not one
    # per indexed record.
    return (
        "SELECT e.object_id FROM core_searchentry_fts f "
        "CROSS JOIN core_searchentry e ON e.id = f.rowid "
        "WHERE core_searchentry_fts MATCH %s AND e.kind = %s",
        [_fts_query(words), kind],
    )


def search_rank_page(
    kind: str,
    query: str,
    *,
    within: tuple[str, Sequence[Any]],
    limit: int,
    offset: int = 0,
) -> list[int]:
    """Ids of the best-matching records among `within` (SQL selecting ids), best first."""
    words = search_words(query)
    if not words:
        return []
    within_sql, within_params = within
    if connection.vendor == "postgresql":
        sql = (
            "SELECT object_id FROM core_searchentry, plainto_tsquery('english', %s) query "  # noqa: S608 - only ORM-built SQL and placeholders are interpolated
            "WHERE kind = %s AND search_vector @@ query "
            f"AND object_id IN ({within_sql}) "
            "ORDER BY ts_rank(search_vector, query) DESC, object_id LIMIT %s OFFSET %s"
        )
        params = [_pg_query(words), kind, *within_params, limit, offset]
    else:
        # Title words weigh five times body words, as on PostgreSQL (weights A and B).
        sql = (
            "SELECT e.object_id FROM core_searchentry_fts f "  # noqa: S608 - only ORM-built SQL and placeholders are interpolated
            "CROSS JOIN core_searchentry e ON e.id = f.rowid "
            "WHERE core_searchentry_fts MATCH %s AND e.kind = %s "
            f"AND e.object_id IN ({within_sql}) "
            "ORDER BY bm25(core_searchentry_fts, 5.0, 1.0), e.object_id LIMIT %s OFFSET %s"
        )
        params = [_fts_query(words), kind, *within_params, limit, offset]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


def _marked_html(text: str) -> SafeString:
    """Escape text, then turn the markers into <mark> elements."""
    escaped = escape(text)
    marked = escaped.replace(MARK_START, "<mark>").replace(MARK_END, "</mark>")
    return mark_safe(marked)  # noqa: S308 - escaped above; only our markers become tags


def search_highlights(
    kind: str, query: str, object_ids: Iterable[int]
) -> dict[int, dict[str, SafeString]]:
    """For each id, its title and a short excerpt of its text with the matched words marked."""
    words = search_words(query)
    ids = list(object_ids)
    if not words or not ids:
        return {}
    placeholders = ", ".join(["%s"] * len(ids))
    if connection.vendor == "postgresql":
        options = f"StartSel={MARK_START}, StopSel={MARK_END}, MaxWords=30, MinWords=12"
        sql = (
            "SELECT object_id, "  # noqa: S608 - only ORM-built SQL and placeholders are interpolated
            "ts_headline('english', title, plainto_tsquery('english', %s), %s), "
            "ts_headline('english', body, plainto_tsquery('english', %s), %s) "
            "FROM core_searchentry WHERE kind = %s "
            f"AND object_id IN ({placeholders})"
        )
        params = [_pg_query(words), options, _pg_query(words), options, kind, *ids]
    else:
        sql = (
            "SELECT e.object_id, "  # noqa: S608 - only ORM-built SQL and placeholders are interpolated
            "highlight(core_searchentry_fts, 0, %s, %s), "
            "snippet(core_searchentry_fts, 1, %s, %s, '…', 24) "
            "FROM core_searchentry_fts f CROSS JOIN core_searchentry e ON e.id = f.rowid "
            "WHERE core_searchentry_fts MATCH %s AND e.kind = %s "
            f"AND e.object_id IN ({placeholders})"
        )
        params = [MARK_START, MARK_END, MARK_START, MARK_END, _fts_query(words), kind, *ids]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return {
        object_id: {"title": _marked_html(title), "excerpt": _marked_html(excerpt)}
        for object_id, title, excerpt in rows
    }
