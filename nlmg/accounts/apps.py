from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "nlmg.accounts"
    label = "accounts"
    verbose_name = "Members"

    def ready(self):
        from django.contrib.auth.models import Group, Permission
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from nlmg.moderation import registry

        from .backends import forget_member, forget_permissions

        User = self.get_model("User")
        registry.register(User, key="user")
        post_save.connect(forget_member, sender=User, dispatch_uid="member-save")
        post_delete.connect(forget_member, sender=User, dispatch_uid="member-delete")
        for through in (
            User.groups.through,
            User.user_permissions.through,
            Group.permissions.through,
        ):
            m2m_changed.connect(forget_permissions, sender=through, dispatch_uid=f"perms-{through}")
        for model in (Group, Permission):
            post_save.connect(forget_permissions, sender=model, dispatch_uid=f"perms-save-{model}")
            post_delete.connect(forget_permissions, sender=model, dispatch_uid=f"perms-del-{model}")
