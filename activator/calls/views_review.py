"""Placeholder until the pages are written."""

from django.http import Http404


def advance(request, *args, **kwargs):
    raise Http404


def assign(request, *args, **kwargs):
    raise Http404


def assign_auto(request, *args, **kwargs):
    raise Http404


def bids(request, *args, **kwargs):
    raise Http404


def criterion_add(request, *args, **kwargs):
    raise Http404


def criterion_remove(request, *args, **kwargs):
    raise Http404


def my_reviews(request, *args, **kwargs):
    raise Http404


def my_reviews_export(request, *args, **kwargs):
    raise Http404


def pool_add(request, *args, **kwargs):
    raise Http404


def pool_remove(request, *args, **kwargs):
    raise Http404


def review(request, *args, **kwargs):
    raise Http404


def review_conflict(request, *args, **kwargs):
    raise Http404


def round_close(request, *args, **kwargs):
    raise Http404


def round_create(request, *args, **kwargs):
    raise Http404


def round_detail(request, *args, **kwargs):
    raise Http404


def round_edit(request, *args, **kwargs):
    raise Http404


def round_start(request, *args, **kwargs):
    raise Http404


def unassign(request, *args, **kwargs):
    raise Http404
