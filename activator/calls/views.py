"""Placeholder until the pages are written."""

from django.http import Http404


def application_detail(request, *args, **kwargs):
    raise Http404


def application_edit(request, *args, **kwargs):
    raise Http404


def application_file(request, *args, **kwargs):
    raise Http404


def application_submit(request, *args, **kwargs):
    raise Http404


def application_withdraw(request, *args, **kwargs):
    raise Http404


def apply(request, *args, **kwargs):
    raise Http404


def call_detail(request, *args, **kwargs):
    raise Http404


def call_list(request, *args, **kwargs):
    raise Http404


def my_applications(request, *args, **kwargs):
    raise Http404


def results(request, *args, **kwargs):
    raise Http404
