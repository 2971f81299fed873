"""Stub: replaced by the real pages."""

from django.http import Http404, HttpRequest, HttpResponse


def py(request: HttpRequest, *args, **kwargs) -> HttpResponse:
    raise Http404


def create(request: HttpRequest, *args, **kwargs) -> HttpResponse:
    raise Http404


def edit(request: HttpRequest, *args, **kwargs) -> HttpResponse:
    raise Http404


def change_status(request: HttpRequest, *args, **kwargs) -> HttpResponse:
    raise Http404


def documents(request: HttpRequest, *args, **kwargs) -> HttpResponse:
    raise Http404


def photos(request: HttpRequest, *args, **kwargs) -> HttpResponse:
    raise Http404
