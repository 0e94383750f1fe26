from django.apps import AppConfig


class TradeConfig(AppConfig):
    name = "rathaus.trade"
    label = "trade"
