from django.apps import AppConfig


class SpoilersConfig(AppConfig):
    name = "nlmg.spoilers"
    label = "spoilers"
    verbose_name = "Spoilers"

    def ready(self):
        from . import scope, signals  # noqa: F401  (signals connects the cache invalidation)

        Work = self.get_model("Work")
        scope.use_database(lambda: Work.objects.catalogue_spec())
