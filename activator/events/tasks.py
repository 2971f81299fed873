"""Background work of events: the reminder e-mails a day before an event."""

from django_tasks import task


@task()
def send_event_reminders(*, event_id: int | None = None) -> int:
    """Send the reminders that are due (of one event, or of all); returns how many were sent.

    Queued for a day before the event when a seat is confirmed, if the task backend can run work
    later; otherwise the `send_event_reminders` command, run by cron, sends them.
    """
    from activator.events.services_registration import send_due_reminders

    return send_due_reminders(event_id=event_id)
