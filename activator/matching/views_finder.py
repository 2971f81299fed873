"""Stub: replaced by the module's owner."""

from django.http import HttpRequest, HttpResponse


def py(request: HttpRequest, *args, **kwargs) -> HttpResponse:
    return HttpResponse(status=501)


def finder_home(request: HttpRequest, *args, **kwargs) -> HttpResponse:
    return HttpResponse(status=501)


def request_list(request: HttpRequest, *args, **kwargs) -> HttpResponse:
    return HttpResponse(status=501)


def request_detail(request: HttpRequest, *args, **kwargs) -> HttpResponse:
    return HttpResponse(status=501)
