"""The citizen's postbox. Mount at ``/postfach/`` (``path("postfach/", include(...))``)."""

from django.urls import path

from . import views

app_name = "postbox"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("verfolgen/<str:token>/", views.track, name="track"),
    path("vorgang/<int:pk>/", views.case_detail, name="case"),
    path("vorgang/<int:pk>/antworten/", views.answer, name="answer"),
    path("vorgang/<int:pk>/zurueckziehen/", views.withdraw, name="withdraw"),
    path("vorgang/<int:pk>/dokumente/<int:version_pk>/", views.document, name="document"),
]
