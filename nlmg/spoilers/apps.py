from django.apps import AppConfig


class SpoilersConfig(AppConfig):
    name = "nlmg.spoilers"
    label = "spoilers"
    verbose_name = "Spoilers"

    def ready(self):
        from nlmg import pagecache

        from . import signals  # noqa: F401  (connects the cache invalidation)

        pagecache.register(*(self.get_model(name) for name in ("Work", "Point", "LintTerm")))
