"""Where a form may send a person back to: a `next` path on this site, nothing else."""

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme


def local_next(request: HttpRequest, url: str | None) -> str | None:
    """`url` when it is a path on this site, else None.

    Only a path: a bare word would be read as a URL name by `redirect()`, and a NUL byte or
    another host must never be followed.
    """
    if not url or "\x00" in url or not url.startswith("/"):
        return None
    if url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return None
