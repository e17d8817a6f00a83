from django.apps import AppConfig


class DiscussionsConfig(AppConfig):
    name = "discussions"

    def ready(self):
        from nlmg.spoilers.publishing import register_spoiler_source

        from .views import post_spoilers, post_version_spoilers

        register_spoiler_source("post", post_spoilers)
        register_spoiler_source("post-version", post_version_spoilers)
