from django.urls import path

from activator.members import views, views_import

app_name = "members"
urlpatterns = [
    path("", views.directory, name="directory"),
    path("numbers/", views.stats, name="stats"),
    path("join/", views.join, name="join"),
    path("join/thanks/", views.join_thanks, name="join_thanks"),
    path("new/", views.create, name="create"),
    path("export.<str:file_format>", views_import.export, name="export"),
    path("import/", views_import.import_upload, name="import"),
    path("import/confirm/", views_import.import_confirm, name="import_confirm"),
    path("staff/applications/", views.applications, name="applications"),
    path("staff/applications/<int:pk>/", views.application_review, name="application_review"),
    path("staff/audit/", views.audit_trail, name="audit_trail"),
    path("<slug:slug>/", views.detail, name="detail"),
    path("<slug:slug>/edit/", views.edit, name="edit"),
    path("<slug:slug>/invite/", views.invite, name="invite"),
    path("<slug:slug>/governance/", views.governance_add, name="governance_add"),
    path("<slug:slug>/governance/<int:pk>/end/", views.governance_end, name="governance_end"),
    path(
        "<slug:slug>/membership/<str:action>/",
        views.membership_action,
        name="membership_action",
    ),
]
