from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "nlmg.accounts"
    label = "accounts"
    verbose_name = "Members"
