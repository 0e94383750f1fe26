from django.urls import path

from . import views

app_name = "catalog_admin"

urlpatterns = [
    path("", views.service_list, name="list"),
    path("import/", views.service_import, name="import"),
    path("<int:pk>/", views.service_edit, name="edit"),
    path("<int:pk>/schalten/", views.service_toggle, name="toggle"),
    path("<int:pk>/export/", views.service_download, name="export"),
]
