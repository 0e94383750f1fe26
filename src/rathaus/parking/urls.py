"""Mounted under ``/parkausweis/``: the holder's permits, renewal, visitor passes and the public
verification page.
"""

from django.urls import URLPattern, URLResolver

app_name = "parking"

urlpatterns: list[URLPattern | URLResolver] = []
