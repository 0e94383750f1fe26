from django.apps import AppConfig


class PostboxConfig(AppConfig):
    name = "rathaus.postbox"
    label = "postbox"
