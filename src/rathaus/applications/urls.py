from django.urls import path

from . import views

app_name = "applications"

urlpatterns = [
    path("", views.mine, name="mine"),
    path("neu/<slug:key>/", views.start, name="start"),
    path("fortsetzen/<str:token>/", views.resume_link, name="resume_link"),
    path("<uuid:public_id>/", views.resume, name="resume"),
    path("<uuid:public_id>/schritt/<slug:step_key>/", views.step, name="step"),
    path("<uuid:public_id>/zusammenfassung/", views.summary, name="summary"),
    path("<uuid:public_id>/absenden/", views.submit, name="submit"),
    path("<uuid:public_id>/eingereicht/", views.confirmation, name="confirmation"),
]
