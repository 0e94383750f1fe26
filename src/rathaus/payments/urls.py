"""Mounted under ``/zahlung/``: choosing a provider, the return and notification endpoints."""

from django.urls import URLPattern, URLResolver, path

from . import views

app_name = "payments"

urlpatterns: list[URLPattern | URLResolver] = [
    path("<uuid:public_id>/", views.pay, name="pay"),
    path("<uuid:public_id>/zahlungsart/", views.choose, name="choose"),
    path("<uuid:public_id>/zurueck/", views.back, name="return"),
    path("<uuid:public_id>/benachrichtigung/", views.notify, name="notify"),
]
