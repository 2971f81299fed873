from django.urls import path, re_path

from activator.index import views, views_assess

app_name = "index"

urlpatterns = [
    path("index/", views.home, name="home"),
    path("index/frameworks/import/", views_assess.framework_import_page, name="framework_import"),
    path("index/frameworks/<slug:slug>/<str:version>/", views.framework, name="framework"),
    path(
        "index/frameworks/<slug:slug>/<str:version>/framework.json",
        views.framework_json,
        name="framework_json",
    ),
    path("index/assessments/", views_assess.assessment_list, name="assessments"),
    path("index/assessments/new/", views_assess.assessment_new, name="assessment_new"),
    path("index/assessments/<int:pk>/", views_assess.assessment_detail, name="assessment"),
    path(
        "index/assessments/<int:pk>/section/<str:code>/",
        views_assess.assessment_section,
        name="assessment_section",
    ),
    path(
        "index/assessments/<int:pk>/submit/",
        views_assess.assessment_submit,
        name="assessment_submit",
    ),
    path(
        "index/assessments/<int:pk>/verify/",
        views_assess.assessment_verify,
        name="assessment_verify",
    ),
    path(
        "index/assessments/<int:pk>/reopen/",
        views_assess.assessment_reopen,
        name="assessment_reopen",
    ),
    path(
        "index/assessments/<int:pk>/experts/",
        views_assess.assessment_experts,
        name="assessment_experts",
    ),
    path(
        "index/assessments/<int:pk>/history/",
        views_assess.assessment_history,
        name="assessment_history",
    ),
    path("index/values/<int:pk>/evidence/", views_assess.evidence, name="evidence"),
    path("index/import/", views_assess.values_import_page, name="import"),
    path("index/reports/<int:pk>/", views.report, name="report"),
    path("index/reports/<int:pk>/report.pdf", views.report_pdf, name="report_pdf"),
    path("index/<slug:slug>/<str:version>/<int:year>/", views.ranking, name="ranking"),
    path(
        "index/<slug:slug>/<str:version>/<int:year>/status/",
        views.ranking_status,
        name="ranking_status",
    ),
    re_path(
        r"^index/(?P<slug>[-\w]+)/(?P<version>[^/]+)/(?P<year>\d{4})/results\.(?P<fmt>csv|xlsx)$",
        views.ranking_export,
        name="ranking_export",
    ),
    path(
        "index/<slug:slug>/<str:version>/<int:year>/compute/",
        views.results_compute_view,
        name="results_compute",
    ),
    path(
        "index/<slug:slug>/<str:version>/<int:year>/publish/",
        views.results_publish_view,
        name="results_publish",
    ),
]
