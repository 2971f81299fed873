"""Stub: replaced by the real pages."""

from django.http import Http404, HttpRequest, HttpResponse


def py(request: HttpRequest, *args, **kwargs) -> HttpResponse:
    raise Http404


def my_agenda_ics(request: HttpRequest, *args, **kwargs) -> HttpResponse:
    raise Http404


def session_pick(request: HttpRequest, *args, **kwargs) -> HttpResponse:
    raise Http404


def agenda(request: HttpRequest, *args, **kwargs) -> HttpResponse:
    raise Http404


def agenda_edit(request: HttpRequest, *args, **kwargs) -> HttpResponse:
    raise Http404
