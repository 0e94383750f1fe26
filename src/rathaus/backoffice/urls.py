from django.urls import path

from . import views

app_name = "backoffice"

urlpatterns = [
    path("", views.inbox, name="home"),
    path("vorgaenge/", views.inbox, name="inbox"),
    path("vorgaenge/<int:pk>/", views.case_detail, name="case"),
    path("vorgaenge/<int:pk>/aktion/<slug:action>/", views.case_action, name="case_action"),
    path(
        "vorgaenge/<int:pk>/dokumente/<int:version_pk>/",
        views.document_download,
        name="document",
    ),
    path("schalter/", views.counter_start, name="counter"),
    path("bereiche/", views.areas, name="areas"),
]
