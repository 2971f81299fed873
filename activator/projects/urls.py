from django.urls import path

from activator.projects import views, views_catalog

app_name = "projects"

workspace = [
    ("", views.project_list, "list"),
    ("new/", views.project_create, "create"),
    ("templates/", views.template_list, "templates"),
    ("templates/new/", views.template_create, "template_create"),
    ("templates/<slug:slug>/", views.template_edit, "template_edit"),
    ("<slug:slug>/", views.project_detail, "detail"),
    ("<slug:slug>/edit/", views.project_edit, "edit"),
    ("<slug:slug>/publish/", views.project_publish, "publish"),
    ("<slug:slug>/unpublish/", views.project_unpublish, "unpublish"),
    ("<slug:slug>/delete/", views.project_delete, "delete"),
    ("<slug:slug>/history/", views.project_history, "history"),
    ("<slug:slug>/partners/", views.partner_add, "partner_add"),
    ("<slug:slug>/partners/<int:pk>/remove/", views.partner_remove, "partner_remove"),
    ("<slug:slug>/funding/", views.funding_add, "funding_add"),
    ("<slug:slug>/funding/<int:pk>/remove/", views.funding_remove, "funding_remove"),
    ("<slug:slug>/milestones/", views.milestone_add, "milestone_add"),
    ("<slug:slug>/milestones/<int:pk>/", views.milestone_edit, "milestone_edit"),
    ("<slug:slug>/milestones/<int:pk>/remove/", views.milestone_remove, "milestone_remove"),
    ("<slug:slug>/kpis/", views.kpi_add, "kpi_add"),
    ("<slug:slug>/kpis/<int:pk>/", views.kpi_edit, "kpi_edit"),
    ("<slug:slug>/kpis/<int:pk>/remove/", views.kpi_remove, "kpi_remove"),
    ("<slug:slug>/kpis/<int:pk>/values/", views.kpi_value_add, "kpi_value_add"),
    ("<slug:slug>/files/", views.file_add, "file_add"),
    ("<slug:slug>/files/<int:pk>/", views.file_download, "file_download"),
    ("<slug:slug>/files/<int:pk>/remove/", views.file_remove, "file_remove"),
    ("<slug:slug>/links/", views.link_add, "link_add"),
    ("<slug:slug>/links/<int:pk>/remove/", views.link_remove, "link_remove"),
]
catalog = [
    ("", views_catalog.catalog, "catalog"),
    ("export.csv", views_catalog.catalog_export, "catalog_export"),
    ("compare/", views_catalog.compare, "compare"),
    ("<slug:slug>/", views_catalog.case_study, "case_study"),
]

urlpatterns = [path(f"projects/{route}", view, name=name) for route, view, name in workspace] + [
    path(f"catalog/{route}", view, name=name) for route, view, name in catalog
]
