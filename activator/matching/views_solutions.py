"""Stub: replaced by the module's owner."""

from django.http import HttpRequest, HttpResponse


def py(request: HttpRequest, *args, **kwargs) -> HttpResponse:
    return HttpResponse(status=501)


def solution_list(request: HttpRequest, *args, **kwargs) -> HttpResponse:
    return HttpResponse(status=501)


def solution_create(request: HttpRequest, *args, **kwargs) -> HttpResponse:
    return HttpResponse(status=501)


def solution_detail(request: HttpRequest, *args, **kwargs) -> HttpResponse:
    return HttpResponse(status=501)


def solution_edit(request: HttpRequest, *args, **kwargs) -> HttpResponse:
    return HttpResponse(status=501)


def solution_matches(request: HttpRequest, *args, **kwargs) -> HttpResponse:
    return HttpResponse(status=501)


def challenge_list(request: HttpRequest, *args, **kwargs) -> HttpResponse:
    return HttpResponse(status=501)


def challenge_create(request: HttpRequest, *args, **kwargs) -> HttpResponse:
    return HttpResponse(status=501)


def challenge_detail(request: HttpRequest, *args, **kwargs) -> HttpResponse:
    return HttpResponse(status=501)


def challenge_edit(request: HttpRequest, *args, **kwargs) -> HttpResponse:
    return HttpResponse(status=501)


def challenge_matches(request: HttpRequest, *args, **kwargs) -> HttpResponse:
    return HttpResponse(status=501)


def match_decide(request: HttpRequest, *args, **kwargs) -> HttpResponse:
    return HttpResponse(status=501)


def conversation_list(request: HttpRequest, *args, **kwargs) -> HttpResponse:
    return HttpResponse(status=501)


def conversation_start(request: HttpRequest, *args, **kwargs) -> HttpResponse:
    return HttpResponse(status=501)


def conversation_detail(request: HttpRequest, *args, **kwargs) -> HttpResponse:
    return HttpResponse(status=501)
