from django.apps import AppConfig


class SpoilersConfig(AppConfig):
    name = "nlmg.spoilers"
    label = "spoilers"
    verbose_name = "Spoilers"

    def ready(self):
        from . import signals  # noqa: F401
