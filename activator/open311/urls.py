from django.urls import path

from activator.open311 import views

app_name = "open311"

urlpatterns = [
    path("requests/", views.triage_list, name="list"),
    path("requests/<int:pk>/", views.triage_detail, name="detail"),
    path("track/<str:token>/", views.track, name="track"),
]
