from django.urls import path

from . import views

app_name = "applications"

urlpatterns = [
    path("", views.mine, name="mine"),
    path("neu/<slug:key>/", views.start, name="start"),
]
