"""Background work shared by every module."""

from django.core.mail import send_mail
from django_tasks import task


@task()
def send_email(*, subject: str, body: str, to: list[str]) -> int:
    """Send one plain-text e-mail from the worker, so a slow mail server never slows a page."""
    return send_mail(subject=subject, message=body, from_email=None, recipient_list=to)
