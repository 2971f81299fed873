"""Following and notifications: who hears of what, at once or in the daily digest.

Every notification is a row (the inbox at /participate/notifications/). Whether it is also
e-mailed follows the person's choice for the space (`Participant.notifications`): at once, in the
daily digest (`manage.py send_participation_digest`, when the space's plan has it) or not at all.
People who are not participants of the space (city staff answering, moderators) get e-mails at
once. `emailed_at` is set before an e-mail is queued, by a conditional UPDATE on a row whose
`emailed_at` is still empty, so no notification is ever e-mailed twice, even when the digest runs
twice or at the same time as the immediate sending.
"""

import logging
from collections.abc import Callable, Iterable
from functools import partial
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from activator.core.tasks import send_email
from activator.participation.enums import Feature, NotificationMode
from activator.participation.models import Follow, Notification, Participant, Space

logger = logging.getLogger(__name__)


def follow(user: Any, target: models.Model) -> Follow:
    """Follow a process, proposal or debate (idempotent)."""
    follow_row, _created = Follow.objects.get_or_create(
        user=user,
        content_type=ContentType.objects.get_for_model(target),
        object_id=target.pk,
    )
    return follow_row


def unfollow(user: Any, target: models.Model) -> None:
    Follow.objects.filter(
        user=user, content_type=ContentType.objects.get_for_model(target), object_id=target.pk
    ).delete()


def is_following(user: Any, target: models.Model) -> bool:
    if not user.is_authenticated:
        return False
    return Follow.objects.filter(
        user=user, content_type=ContentType.objects.get_for_model(target), object_id=target.pk
    ).exists()


def followers(targets: Iterable[models.Model]) -> models.QuerySet:
    """The people following any of `targets`."""
    from activator.accounts.models import User

    query = models.Q(pk__in=[])
    for target in targets:
        query |= models.Q(
            participation_follows__content_type=ContentType.objects.get_for_model(target),
            participation_follows__object_id=target.pk,
        )
    return User.objects.filter(query, is_active=True).distinct()


def notify(
    *,
    space: Space,
    verb: str,
    text: str,
    url: str,
    targets: Iterable[models.Model] = (),
    recipients: Iterable[Any] = (),
    actor: Any = None,
    exclude: Iterable[Any] = (),
) -> list[Notification]:
    """Tell the followers of `targets` and the `recipients` (never the actor, nor the people in
    `exclude`) what happened.

    Each notification is e-mailed at once or kept for the digest, as the person chose for the
    space; the e-mails leave once the caller's transaction is committed.
    """
    targets = list(targets)
    people = {u.pk: u for u in followers(targets)} if targets else {}
    people.update({u.pk: u for u in recipients if u is not None and u.is_active})
    for person in [actor, *exclude]:
        if person is not None:
            people.pop(person.pk, None)
    if not people:
        return []
    rows = Notification.objects.bulk_create(
        Notification(user=u, space=space, verb=verb[:40], text=text[:500], url=url[:500])
        for u in people.values()
    )
    ids = [n.pk for n in rows if n.pk]
    if ids:
        transaction.on_commit(lambda: send_immediate(ids))
    return rows


# --- E-mail -----------------------------------------------------------------------------------


def modes_for(pairs: Iterable[tuple[int, int]]) -> dict[tuple[int, int], str]:
    """The e-mail mode of each (user id, space id): a participant's choice, else at once."""
    pairs = set(pairs)
    if not pairs:
        return {}
    users = {u for u, _s in pairs}
    spaces = {s for _u, s in pairs}
    chosen = {
        (u, s): mode
        for u, s, mode in Participant.objects.filter(
            user_id__in=users, space_id__in=spaces
        ).values_list("user_id", "space_id", "notifications")
    }
    return {pair: chosen.get(pair, NotificationMode.IMMEDIATE) for pair in pairs}


def effective_mode(mode: str, space: Space) -> str:
    """A digest needs the plan's daily digest; without it the person hears at once."""
    if mode == NotificationMode.DIGEST and not space.has_feature(Feature.DIGEST):
        return NotificationMode.IMMEDIATE
    return mode


def claim(notification_id: int, now: Any = None) -> bool:
    """Mark one notification as e-mailed if nobody did yet; True when this call did."""
    return bool(
        Notification.objects.filter(pk=notification_id, emailed_at__isnull=True).update(
            emailed_at=now or timezone.now()
        )
    )


def _absolute(url: str) -> str:
    return f"{settings.SITE_URL}{url}" if url.startswith("/") else url


def _settings_url() -> str:
    return _absolute(reverse("participation:notifications"))


def send_immediate(notification_ids: list[int]) -> int:
    """E-mail the notifications of people who want each at once; returns how many were sent.

    Those of people who want no e-mail are marked as sent; digest ones are left for the digest.
    """
    notifications = list(
        Notification.objects.filter(pk__in=notification_ids, emailed_at__isnull=True)
        .select_related("user", "space")
        .order_by("pk")
    )
    modes = modes_for((n.user_id, n.space_id) for n in notifications)
    sent = 0
    for notification in notifications:
        mode = effective_mode(
            modes[(notification.user_id, notification.space_id)], notification.space
        )
        if mode == NotificationMode.DIGEST:
            continue
        if not claim(notification.pk):
            continue
        if mode == NotificationMode.NONE or not notification.user.email:
            continue
        _send_one(notification)
        sent += 1
    return sent


def _send_one(notification: Notification) -> None:
    user = notification.user
    with translation.override(user.language or settings.LANGUAGE_CODE):
        # One line: a header with a line break is refused by the mail library.
        subject = " ".join(f"[{notification.space.title}] {notification.text}".split())[:200]
        body = render_to_string(
            "participation/discussion/email/notification.txt",
            {
                "notification": notification,
                "space": notification.space,
                "url": _absolute(notification.url) if notification.url else "",
                "settings_url": _settings_url(),
                "site_name": settings.SITE_NAME,
            },
        )
    send_email.enqueue(subject=subject, body=body, to=[user.email])


def send_digests(
    *, before: Any = None, progress: Callable[[int, int, Any, int], None] | None = None
) -> int:
    """One e-mail per person listing, by space, what they were notified of and not yet e-mailed;
    returns how many e-mails were sent.

    Every unsent notification created before `before` (now by default) is taken: those kept for
    the digest, and any that should have left at once but did not (the worker was down). Those of
    people who want no e-mail are marked as sent. Each row is claimed with a conditional UPDATE
    before the e-mail is queued, so a second run, or one at the same time, sends nothing twice.
    """
    before = before or timezone.now()
    unsent = Notification.objects.filter(emailed_at__isnull=True, created_at__lte=before)
    user_ids = list(unsent.order_by("user_id").values_list("user_id", flat=True).distinct())
    total = len(user_ids)
    sent = 0
    for n, user_id in enumerate(user_ids, start=1):
        # One transaction per person: a run at the same time waits on the first row claimed here
        # and then finds them all claimed, so a person gets one digest, not two halves.
        with transaction.atomic():
            claimed = _claim_for_digest(unsent.filter(user_id=user_id))
            if claimed:
                transaction.on_commit(partial(_send_digest, claimed))
                sent += 1
        if progress is not None:
            progress(n, total, user_id, len(claimed))
    return sent


def _claim_for_digest(notifications: models.QuerySet) -> list[Notification]:
    rows = list(notifications.select_related("user", "space").order_by("pk"))
    modes = modes_for((n.user_id, n.space_id) for n in rows)
    now = timezone.now()
    claimed = []
    for notification in rows:
        if not claim(notification.pk, now):
            continue
        mode = modes[(notification.user_id, notification.space_id)]
        if mode != NotificationMode.NONE and notification.user.email:
            claimed.append(notification)
    return claimed


def _send_digest(notifications: list[Notification]) -> None:
    user = notifications[0].user
    sections: dict[int, dict[str, Any]] = {}
    for n in notifications:
        section = sections.setdefault(n.space_id, {"space": n.space, "items": []})
        section["items"].append(
            {
                "text": n.text,
                "url": _absolute(n.url) if n.url else "",
                "created_at": timezone.localtime(n.created_at),
            }
        )
    with translation.override(user.language or settings.LANGUAGE_CODE):
        count = len(notifications)
        subject = ngettext(
            "%(count)d update from the participation spaces",
            "%(count)d updates from the participation spaces",
            count,
        ) % {"count": count}
        body = render_to_string(
            "participation/discussion/email/digest.txt",
            {
                "sections": sorted(sections.values(), key=lambda s: s["space"].title),
                "settings_url": _settings_url(),
                "site_name": settings.SITE_NAME,
                "user": user,
            },
        )
    send_email.enqueue(subject=subject, body=body, to=[user.email])


# --- Inbox and settings -----------------------------------------------------------------------


def mark_read(user: Any, ids: Iterable[int] | None = None) -> int:
    """Mark the person's notifications (all, or those of `ids`) read; returns how many."""
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=list(ids))
    return unread.update(read_at=timezone.now())


def set_mode(user: Any, space: Space, mode: str) -> Participant:
    """How a participant of `space` hears of what they follow there."""
    from django.core.exceptions import ValidationError

    if mode not in NotificationMode.values:
        raise ValidationError({"mode": _("Choose how to be told.")})
    if mode == NotificationMode.DIGEST and not space.has_feature(Feature.DIGEST):
        raise ValidationError({"mode": _("This space's plan has no daily digest.")})
    participant = Participant.objects.filter(space=space, user=user).first()
    if participant is None:
        raise ValidationError(_("You have not joined this space."))
    if participant.notifications != mode:
        Participant.objects.filter(pk=participant.pk).update(notifications=mode)
        participant.notifications = mode
    return participant
