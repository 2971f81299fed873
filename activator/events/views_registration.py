"""Stub: replaced by the real pages."""

from django.http import Http404, HttpRequest, HttpResponse


def py(request: HttpRequest, *args, **kwargs) -> HttpResponse:
    raise Http404


def my_events(request: HttpRequest, *args, **kwargs) -> HttpResponse:
    raise Http404


def certificate_verify(request: HttpRequest, *args, **kwargs) -> HttpResponse:
    raise Http404


def certificate_pdf(request: HttpRequest, *args, **kwargs) -> HttpResponse:
    raise Http404


def register(request: HttpRequest, *args, **kwargs) -> HttpResponse:
    raise Http404


def cancel(request: HttpRequest, *args, **kwargs) -> HttpResponse:
    raise Http404


def questions(request: HttpRequest, *args, **kwargs) -> HttpResponse:
    raise Http404


def registrations(request: HttpRequest, *args, **kwargs) -> HttpResponse:
    raise Http404


def registration_action(request: HttpRequest, *args, **kwargs) -> HttpResponse:
    raise Http404


def check_in(request: HttpRequest, *args, **kwargs) -> HttpResponse:
    raise Http404


def certificates_issue(request: HttpRequest, *args, **kwargs) -> HttpResponse:
    raise Http404
