"""Mounted under ``/parkausweis/``: the holder's permits, renewal, visitor passes and the public
verification page.
"""

from django.urls import URLPattern, URLResolver, path

from . import views

app_name = "parking"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.mine, name="mine"),
    path("schluessel", views.keys, name="keys"),
    path("pruefen/<str:token>", views.verify, name="verify"),
    path("besuch/<uuid:public_id>/pdf/", views.visitor_pass_pdf, name="visitor_pdf"),
    path("<str:number>/pdf/", views.permit_pdf, name="pdf"),
    path("<str:number>/verlaengern/", views.renew, name="renew"),
    path("<str:number>/fahrzeugwechsel/", views.change_vehicle, name="change_vehicle"),
    path("<str:number>/rueckgabe/", views.give_back, name="give_back"),
    path("<str:number>/besuch/", views.visitor_pass, name="visitor"),
]
