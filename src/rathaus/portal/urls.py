from django.urls import path

from . import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("leistungen/", views.catalog, name="catalog"),
    path("leistungen/<slug:key>/", views.service_detail, name="service_detail"),
    path("logo.svg", views.logo, name="logo"),
    path("impressum/", views.imprint, name="imprint"),
    path("datenschutz/", views.privacy, name="privacy"),
    path("barrierefreiheit/", views.accessibility, name="accessibility"),
]
