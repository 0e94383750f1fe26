"""Mounted under ``/verwaltung/empfaenger/``: the recipient directory and the deliveries per
recipient.
"""

from django.urls import URLPattern, URLResolver, path

from . import views

app_name = "xgewerbe_admin"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.recipient_list, name="recipients"),
    path("neu/", views.recipient_edit, name="recipient_add"),
    path("<int:pk>/", views.recipient_edit, name="recipient_edit"),
    path("vorgang/<int:case_pk>/", views.case_deliveries, name="case_deliveries"),
    path("zustellung/<int:pk>/", views.delivery_detail, name="delivery"),
]
