from django.apps import AppConfig


class ContentAppConfig(AppConfig):
    """Fan works: a kind of content nlmg does not ship, registered the way wiki and
    discussions register theirs."""

    name = "tests.contentapp"
    label = "contentapp"

    def ready(self):
        from nlmg.moderation import registry
        from nlmg.moderation.services import hide_content, restore_content

        from .models import Fanwork

        registry.register(
            Fanwork,
            key="fanwork",
            actions={"hide": hide_content, "restore": restore_content},
            written_by="author",
            hidden_by_flags=True,
        )
