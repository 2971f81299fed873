"""What every API router shares: authentication, the current user and JSON errors."""

from typing import Annotated, Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from ninja import Field, Schema
from ninja.pagination import PageNumberPagination
from ninja.security import APIKeyCookie, HttpBearer
from pydantic import AfterValidator

from activator.accounts.services import api_token_authenticate

# The largest id any database here stores; larger ones name nothing.
MAX_ID = 2**63 - 1


def storable(text: str) -> str:
    """Text a database column can hold: no NUL characters, nothing that is not Unicode."""
    if "\x00" in text:
        raise ValueError("Text may not contain NUL characters.")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("Text must be valid Unicode.") from None
    return text


Text = Annotated[str, AfterValidator(storable)]
Id = Annotated[int, Field(ge=1, le=MAX_ID)]


class BearerToken(HttpBearer):
    """`Authorization: Bearer <token>` with a token created on the API tokens page."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = api_token_authenticate(token)
        if user is not None:
            request.user = user
        return user


class SessionCookie(APIKeyCookie):
    """The browser's login session; CSRF-checked like any form post."""

    param_name = settings.SESSION_COOKIE_NAME

    def _get_key(self, request: HttpRequest) -> str | None:
        # Without a session there is nothing to protect: answer 401, not a CSRF failure.
        if self.param_name not in request.COOKIES:
            return None
        return super()._get_key(request)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        return request.user if request.user.is_authenticated else None


write_auth = [BearerToken(), SessionCookie()]


def current_user(request: HttpRequest) -> Any:
    """The person behind a request to a public endpoint: token, session, or anonymous."""
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        return api_token_authenticate(header[7:].strip()) or AnonymousUser()
    return request.user


class Pagination(PageNumberPagination):
    """`page` and `page_size` query parameters; `{"count": N, "items": [...]}` answers."""

    class Input(Schema):
        # Bounded, so no page number can overflow the database's OFFSET.
        page: int = Field(1, ge=1, le=1_000_000)
        page_size: int | None = Field(None, ge=1, le=200)

    def __init__(self, page_size: int = 25, max_page_size: int = 200, **kwargs: Any) -> None:
        super().__init__(page_size=page_size, max_page_size=max_page_size, **kwargs)


class ErrorItem(Schema):
    loc: list[str | int]
    msg: str
    type: str


class ErrorOut(Schema):
    detail: list[ErrorItem] | str


def validation_error_body(error: ValidationError, prefix: str = "body") -> dict[str, Any]:
    """A Django ValidationError as the same shape as the API's own 422 errors."""
    if hasattr(error, "error_dict"):
        items = [
            {"loc": [prefix, field], "msg": message, "type": "value_error"}
            for field, messages in error.message_dict.items()
            for message in messages
        ]
    else:
        items = [{"loc": [prefix], "msg": m, "type": "value_error"} for m in error.messages]
    return {"detail": items}


def register_error_handlers(api: Any) -> None:
    from activator.core.ratelimit import RateLimited

    @api.exception_handler(RateLimited)
    def on_rate_limited(request: HttpRequest, exc: RateLimited):
        response = api.create_response(request, validation_error_body(exc), status=429)
        response["Retry-After"] = str(exc.retry_after)
        return response

    @api.exception_handler(ValidationError)
    def on_validation_error(request: HttpRequest, exc: ValidationError):
        return api.create_response(request, validation_error_body(exc), status=422)

    @api.exception_handler(PermissionDenied)
    def on_permission_denied(request: HttpRequest, exc: PermissionDenied):
        return api.create_response(
            request, {"detail": "You do not have permission to do this."}, status=403
        )
