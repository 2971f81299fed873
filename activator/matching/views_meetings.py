"""Stub: replaced by the module's owner."""

from django.http import HttpRequest, HttpResponse


def py(request: HttpRequest, *args, **kwargs) -> HttpResponse:
    return HttpResponse(status=501)


def event_meetings(request: HttpRequest, *args, **kwargs) -> HttpResponse:
    return HttpResponse(status=501)


def meetings_manage(request: HttpRequest, *args, **kwargs) -> HttpResponse:
    return HttpResponse(status=501)


def my_meetings(request: HttpRequest, *args, **kwargs) -> HttpResponse:
    return HttpResponse(status=501)


def my_meetings_ics(request: HttpRequest, *args, **kwargs) -> HttpResponse:
    return HttpResponse(status=501)


def meeting_request(request: HttpRequest, *args, **kwargs) -> HttpResponse:
    return HttpResponse(status=501)


def meeting_respond(request: HttpRequest, *args, **kwargs) -> HttpResponse:
    return HttpResponse(status=501)


def meeting_cancel(request: HttpRequest, *args, **kwargs) -> HttpResponse:
    return HttpResponse(status=501)
