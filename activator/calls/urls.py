from django.urls import path

from activator.calls import views, views_manage, views_review

app_name = "calls"

calls = [
    # Public pages and applying
    ("calls/", views.call_list, "list"),
    ("calls/new/", views_manage.call_create, "create"),
    ("calls/<slug:slug>/", views.call_detail, "detail"),
    ("calls/<slug:slug>/apply/", views.apply, "apply"),
    ("calls/<slug:slug>/results/", views.results, "results"),
    ("applications/", views.my_applications, "my_applications"),
    ("applications/<int:pk>/", views.application_detail, "application"),
    ("applications/<int:pk>/edit/", views.application_edit, "application_edit"),
    ("applications/<int:pk>/submit/", views.application_submit, "application_submit"),
    ("applications/<int:pk>/withdraw/", views.application_withdraw, "application_withdraw"),
    ("applications/<int:pk>/files/<int:file_pk>/", views.application_file, "application_file"),
    # Staff: setting up and running a call
    ("calls/<slug:slug>/edit/", views_manage.call_edit, "edit"),
    ("calls/<slug:slug>/copy/", views_manage.call_copy, "copy"),
    ("calls/<slug:slug>/open/", views_manage.call_open, "open"),
    ("calls/<slug:slug>/close/", views_manage.call_close, "close"),
    ("calls/<slug:slug>/manage/", views_manage.manage, "manage"),
    ("calls/<slug:slug>/setup/", views_manage.setup, "setup"),
    ("calls/<slug:slug>/setup/<str:part>/new/", views_manage.part_edit, "part_add"),
    ("calls/<slug:slug>/setup/<str:part>/<int:pk>/", views_manage.part_edit, "part_edit"),
    (
        "calls/<slug:slug>/setup/<str:part>/<int:pk>/remove/",
        views_manage.part_remove,
        "part_remove",
    ),
    ("calls/<slug:slug>/decisions/", views_manage.decisions, "decisions"),
    ("calls/<slug:slug>/results/publish/", views_manage.results_publish, "results_publish"),
    ("calls/<slug:slug>/results/unpublish/", views_manage.results_unpublish, "results_unpublish"),
    ("calls/<slug:slug>/export.<str:fmt>", views_manage.export, "export"),
    ("calls/<slug:slug>/consultant/<int:pk>/", views_manage.consultant_call, "consultant_call"),
    ("calls/<slug:slug>/history/", views_manage.history, "history"),
    # Staff: review rounds
    ("calls/<slug:slug>/rounds/new/", views_review.round_create, "round_create"),
    ("calls/<slug:slug>/rounds/<int:number>/", views_review.round_detail, "round"),
    ("calls/<slug:slug>/rounds/<int:number>/edit/", views_review.round_edit, "round_edit"),
    (
        "calls/<slug:slug>/rounds/<int:number>/criteria/",
        views_review.criterion_add,
        "criterion_add",
    ),
    (
        "calls/<slug:slug>/rounds/<int:number>/criteria/<int:pk>/remove/",
        views_review.criterion_remove,
        "criterion_remove",
    ),
    ("calls/<slug:slug>/rounds/<int:number>/pool/", views_review.pool_add, "pool_add"),
    (
        "calls/<slug:slug>/rounds/<int:number>/pool/<int:pk>/remove/",
        views_review.pool_remove,
        "pool_remove",
    ),
    ("calls/<slug:slug>/rounds/<int:number>/start/", views_review.round_start, "round_start"),
    ("calls/<slug:slug>/rounds/<int:number>/close/", views_review.round_close, "round_close"),
    ("calls/<slug:slug>/rounds/<int:number>/assign/", views_review.assign, "assign"),
    ("calls/<slug:slug>/rounds/<int:number>/assign/auto/", views_review.assign_auto, "assign_auto"),
    ("calls/<slug:slug>/rounds/<int:number>/advance/", views_review.advance, "advance"),
    ("reviews/", views_review.my_reviews, "my_reviews"),
    ("reviews/export.csv", views_review.my_reviews_export, "my_reviews_export"),
    ("reviews/<int:pk>/", views_review.review, "review"),
    ("reviews/<int:pk>/conflict/", views_review.review_conflict, "review_conflict"),
    ("reviews/<int:pk>/unassign/", views_review.unassign, "unassign"),
    ("reviews/rounds/<int:pk>/bids/", views_review.bids, "bids"),
]

urlpatterns = [path(route, view, name=name) for route, view, name in calls]
