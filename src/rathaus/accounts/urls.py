from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("anmelden/", views.login_view, name="login"),
    path("abmelden/", views.logout_view, name="logout"),
    path("registrieren/", views.register, name="register"),
    path("registrieren/fertig/", views.register_done, name="register_done"),
    path("bestaetigen/<str:token>/", views.verify_email, name="verify_email"),
    path("bestaetigen-erneut/", views.verify_resend, name="verify_resend"),
    path("profil/", views.profile, name="profile"),
    path("e-mail/", views.email_change, name="email_change"),
    path(
        "e-mail/bestaetigen/<str:token>/", views.email_change_confirm, name="email_change_confirm"
    ),
    path("passwort/", views.password_change, name="password_change"),
    path("loeschen/", views.account_delete, name="delete"),
    path("passwort-vergessen/", views.password_reset, name="password_reset"),
    path("passwort-vergessen/gesendet/", views.password_reset_done, name="password_reset_done"),
    path(
        "passwort-neu/<uidb64>/<token>/",
        views.password_reset_confirm,
        name="password_reset_confirm",
    ),
    path("passwort-neu/fertig/", views.password_reset_complete, name="password_reset_complete"),
    path("extern/<slug:name>/", views.oidc_start, name="oidc_start"),
    path("extern/<slug:name>/zurueck/", views.oidc_callback, name="oidc_callback"),
]
