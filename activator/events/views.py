"""Stub: replaced by the real pages."""

from django.http import Http404, HttpRequest, HttpResponse


def py(request: HttpRequest, *args, **kwargs) -> HttpResponse:
    raise Http404


def event_list(request: HttpRequest, *args, **kwargs) -> HttpResponse:
    raise Http404


def month(request: HttpRequest, *args, **kwargs) -> HttpResponse:
    raise Http404


def statistics(request: HttpRequest, *args, **kwargs) -> HttpResponse:
    raise Http404


def feed(request: HttpRequest, *args, **kwargs) -> HttpResponse:
    raise Http404


def document(request: HttpRequest, *args, **kwargs) -> HttpResponse:
    raise Http404


def detail(request: HttpRequest, *args, **kwargs) -> HttpResponse:
    raise Http404


def event_ics(request: HttpRequest, *args, **kwargs) -> HttpResponse:
    raise Http404
