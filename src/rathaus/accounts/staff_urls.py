"""Staff login; mounted at ``verwaltung/anmelden/`` before the back office's own URLs."""

from django.urls import path

from . import staff_views

app_name = "staffauth"

urlpatterns = [
    path("", staff_views.staff_login, name="login"),
    path("code/", staff_views.staff_verify, name="verify"),
    path("zwei-faktor/", staff_views.staff_enrol, name="enrol"),
    path("zwei-faktor/qr.svg", staff_views.staff_enrol_qr, name="enrol_qr"),
    path("einladung/<uidb64>/<token>/", staff_views.staff_invitation, name="invitation"),
]
