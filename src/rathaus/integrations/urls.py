"""Mounted under ``/verwaltung/zustellungen/`` by the project URLconf."""

from django.urls import path

from . import views

app_name = "integrations"

urlpatterns = [
    path("", views.deliveries, name="deliveries"),
    path("<int:pk>/erneut-senden/", views.replay, name="replay"),
]
