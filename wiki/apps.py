from django.apps import AppConfig


class WikiConfig(AppConfig):
    name = "wiki"

    def ready(self):
        from nlmg import pagecache
        from nlmg.moderation import registry
        from nlmg.spoilers.publishing import register_spoiler_source

        from . import services
        from .models import Article, ArticleKind, ArticleRedirect, Revision
        from .views import revision_spoilers

        register_spoiler_source("revision", revision_spoilers)
        registry.register(
            Revision,
            key="revision",
            actions={
                "hide": services.hide_revision,
                "restore": services.restore_revision,
                "wrap": services.wrap_revision_spoiler,
            },
            written_by="author",
            related=("article",),
        )
        registry.register(
            Article,
            key="article",
            actions={
                "protect": services.protect_article,
                "unprotect": services.unprotect_article,
                "feature": services.feature_article,
                "unfeature": services.unfeature_article,
                "delete": services.delete_article,
                "undelete": services.undelete_article,
            },
            flaggable=False,
        )
        pagecache.register(Article, ArticleKind, ArticleRedirect, Revision)
