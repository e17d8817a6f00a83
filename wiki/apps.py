from django.apps import AppConfig


class WikiConfig(AppConfig):
    name = "wiki"

    def ready(self):
        from nlmg.spoilers.publishing import register_spoiler_source

        from .views import revision_spoilers

        register_spoiler_source("revision", revision_spoilers)
