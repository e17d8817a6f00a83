from django.apps import AppConfig


class ModerationConfig(AppConfig):
    name = "nlmg.moderation"
    label = "moderation"
    verbose_name = "Moderation"
