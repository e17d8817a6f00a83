from django.apps import AppConfig


class SiteConfig(AppConfig):
    """The site itself: its tasks, and the glue between the site-wide apps."""

    name = "nlmg"
    verbose_name = "Site"

    def ready(self):
        from django.apps import apps

        from . import pagecache

        # Pages show the works and the glossary (the progress picker, spoiler labels): the
        # spoilers app stays below the page cache, so its models are registered from here.
        spoilers = apps.get_app_config("spoilers")
        pagecache.register(*(spoilers.get_model(name) for name in ("Work", "Point", "LintTerm")))
