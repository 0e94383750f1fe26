from django.urls import path

from . import people_views, views

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
    path("mitarbeitende/", people_views.staff_list, name="staff"),
    path("mitarbeitende/<int:pk>/", people_views.staff_detail, name="staff_member"),
    path(
        "mitarbeitende/<int:pk>/einladung/",
        people_views.staff_invitation_resend,
        name="staff_invitation",
    ),
    path(
        "mitarbeitende/<int:pk>/zwei-faktor/",
        people_views.staff_second_factor_reset,
        name="staff_second_factor",
    ),
    path("mitarbeitende/<int:pk>/entfernen/", people_views.staff_remove, name="staff_remove"),
    path("teams/", people_views.team_list, name="teams"),
    path("teams/<int:pk>/", people_views.team_detail, name="team"),
    path("teams/<int:pk>/loeschen/", people_views.team_delete, name="team_delete"),
]
