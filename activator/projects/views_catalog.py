"""Placeholder until the pages land."""

from django.http import Http404


def case_study(request, *args, **kwargs):
    raise Http404


def catalog(request, *args, **kwargs):
    raise Http404


def catalog_export(request, *args, **kwargs):
    raise Http404


def compare(request, *args, **kwargs):
    raise Http404
