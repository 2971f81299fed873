"""Stub: replaced by the real pages."""

from django.http import Http404, HttpRequest, HttpResponse


def py(request: HttpRequest, *args, **kwargs) -> HttpResponse:
    raise Http404


def governance(request: HttpRequest, *args, **kwargs) -> HttpResponse:
    raise Http404


def motion(request: HttpRequest, *args, **kwargs) -> HttpResponse:
    raise Http404


def vote(request: HttpRequest, *args, **kwargs) -> HttpResponse:
    raise Http404


def motion_action(request: HttpRequest, *args, **kwargs) -> HttpResponse:
    raise Http404


def meeting(request: HttpRequest, *args, **kwargs) -> HttpResponse:
    raise Http404


def meeting_edit(request: HttpRequest, *args, **kwargs) -> HttpResponse:
    raise Http404
