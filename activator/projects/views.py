"""Placeholder until the pages land."""

from django.http import Http404


def file_add(request, *args, **kwargs):
    raise Http404


def file_download(request, *args, **kwargs):
    raise Http404


def file_remove(request, *args, **kwargs):
    raise Http404


def funding_add(request, *args, **kwargs):
    raise Http404


def funding_remove(request, *args, **kwargs):
    raise Http404


def kpi_add(request, *args, **kwargs):
    raise Http404


def kpi_edit(request, *args, **kwargs):
    raise Http404


def kpi_remove(request, *args, **kwargs):
    raise Http404


def kpi_value_add(request, *args, **kwargs):
    raise Http404


def link_add(request, *args, **kwargs):
    raise Http404


def link_remove(request, *args, **kwargs):
    raise Http404


def milestone_add(request, *args, **kwargs):
    raise Http404


def milestone_edit(request, *args, **kwargs):
    raise Http404


def milestone_remove(request, *args, **kwargs):
    raise Http404


def partner_add(request, *args, **kwargs):
    raise Http404


def partner_remove(request, *args, **kwargs):
    raise Http404


def project_create(request, *args, **kwargs):
    raise Http404


def project_delete(request, *args, **kwargs):
    raise Http404


def project_detail(request, *args, **kwargs):
    raise Http404


def project_edit(request, *args, **kwargs):
    raise Http404


def project_history(request, *args, **kwargs):
    raise Http404


def project_list(request, *args, **kwargs):
    raise Http404


def project_publish(request, *args, **kwargs):
    raise Http404


def project_unpublish(request, *args, **kwargs):
    raise Http404


def template_create(request, *args, **kwargs):
    raise Http404


def template_edit(request, *args, **kwargs):
    raise Http404


def template_list(request, *args, **kwargs):
    raise Http404
