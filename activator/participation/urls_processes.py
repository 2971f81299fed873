"""Process and proposal pages under /participate/<space>/processes/."""

from django.urls import path

from activator.participation import views_processes as views

PROCESS = "<slug:space>/processes/<slug:process>/"
PROPOSAL = PROCESS + "proposals/<int:pk>/"

urlpatterns = [
    path("<slug:space>/processes/new/", views.process_new, name="process_new"),
    path(PROCESS, views.process_detail, name="process"),
    path(PROCESS + "edit/", views.process_edit, name="process_edit"),
    path(PROCESS + "proposals/new/", views.proposal_new, name="proposal_new"),
    path(PROPOSAL, views.proposal_detail, name="proposal"),
    path(PROPOSAL + "edit/", views.proposal_edit, name="proposal_edit"),
    path(PROPOSAL + "withdraw/", views.proposal_withdraw, name="proposal_withdraw"),
    path(PROPOSAL + "support/", views.proposal_support, name="proposal_support"),
    path(PROPOSAL + "answer/", views.proposal_answer, name="proposal_answer"),
    path(PROPOSAL + "project/", views.proposal_project, name="proposal_project"),
]
