from django.urls import path

from activator.participation import views_moderation as views

urlpatterns = [
    path("flag/", views.flag, name="flag"),
    path("<slug:space>/moderation/", views.queue, name="moderation"),
    path("moderation/<str:kind>/<int:pk>/", views.moderate, name="moderate"),
    path("appeal/<str:kind>/<int:pk>/", views.appeal, name="appeal"),
]
