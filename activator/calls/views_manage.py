"""Placeholder until the pages are written."""

from django.http import Http404


def call_close(request, *args, **kwargs):
    raise Http404


def call_copy(request, *args, **kwargs):
    raise Http404


def call_create(request, *args, **kwargs):
    raise Http404


def call_edit(request, *args, **kwargs):
    raise Http404


def call_open(request, *args, **kwargs):
    raise Http404


def consultant_call(request, *args, **kwargs):
    raise Http404


def decisions(request, *args, **kwargs):
    raise Http404


def export(request, *args, **kwargs):
    raise Http404


def history(request, *args, **kwargs):
    raise Http404


def manage(request, *args, **kwargs):
    raise Http404


def part_edit(request, *args, **kwargs):
    raise Http404


def part_remove(request, *args, **kwargs):
    raise Http404


def results_publish(request, *args, **kwargs):
    raise Http404


def results_unpublish(request, *args, **kwargs):
    raise Http404


def setup(request, *args, **kwargs):
    raise Http404
