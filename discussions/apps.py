from django.apps import AppConfig
from django.db.models import Q


class DiscussionsConfig(AppConfig):
    name = "discussions"

    def ready(self):
        from taggit.models import Tag, TaggedItem

        from nlmg import pagecache
        from nlmg.moderation import registry
        from nlmg.moderation.services import hide_content, restore_content, set_scope
        from nlmg.spoilers.publishing import register_spoiler_source

        from . import services
        from .models import Board, Like, Post, PostEdit, Thread
        from .views import post_spoilers, post_version_spoilers

        register_spoiler_source("post", post_spoilers)
        register_spoiler_source("post-version", post_version_spoilers)
        registry.register(
            Post,
            key="post",
            actions={
                "hide": hide_content,
                "restore": restore_content,
                "set_scope": set_scope,
                "wrap": services.wrap_post_spoiler,
            },
            written_by="author",
            standing=Q(is_hidden=False, is_deleted=False),
            hidden_by_flags=True,
            related=("thread__board",),
        )
        registry.register(
            Thread,
            key="thread",
            actions={
                "hide": hide_content,
                "restore": restore_content,
                "set_scope": set_scope,
                "lock": services.lock_thread,
                "unlock": services.unlock_thread,
                "pin": services.pin_thread,
                "unpin": services.unpin_thread,
                "move": services.move_thread,
                "retitle": services.retitle_thread,
            },
            hidden_by_flags=True,
            related=("board", "opening_post"),
        )
        pagecache.register(Board, Thread, Post, PostEdit, Like, Tag, TaggedItem)
