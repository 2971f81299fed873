"""Limits on how often one person may post, counted from what they already posted.

Counting stored rows (a proposal, a comment, a service request) needs no shared cache, so the limit
holds across any number of app servers and restarts, and is exact. The limits are settings
(`RATE_LIMITS`: key -> (how many, per seconds)).
"""

import datetime
import math

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext


class RateLimited(ValidationError):
    """Too many posts in the window; `retry_after` says in how many seconds one more is allowed."""

    def __init__(self, key: str, retry_after: int) -> None:
        self.key = key
        self.retry_after = max(1, retry_after)
        minutes = math.ceil(self.retry_after / 60)
        super().__init__(
            ngettext(
                "You are posting too often; try again in %(minutes)d minute.",
                "You are posting too often; try again in %(minutes)d minutes.",
                minutes,
            )
            % {"minutes": minutes},
            code="rate_limited",
        )


def check_rate(key: str, recent: QuerySet, *, field: str = "created_at") -> None:
    """Raise RateLimited when `recent` (one person's rows of one kind) holds the limit already.

    Call it inside the transaction that writes the next row.
    """
    limit, seconds = settings.RATE_LIMITS[key]
    now = timezone.now()
    window = datetime.timedelta(seconds=seconds)
    times = list(
        recent.filter(**{f"{field}__gte": now - window})
        .order_by(f"-{field}")
        .values_list(field, flat=True)[:limit]
    )
    if len(times) >= limit:
        oldest = times[-1]
        raise RateLimited(key, math.ceil((oldest + window - now).total_seconds()))


def describe(key: str) -> str:
    limit, seconds = settings.RATE_LIMITS[key]
    return _("%(limit)d per %(minutes)d minutes") % {"limit": limit, "minutes": seconds // 60}
