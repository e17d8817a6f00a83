"""The Moderators group, with exactly the permissions moderators need (admins are
superusers; banning permanently stays with them)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP = "Moderators"
PERMISSIONS = [
    ("moderation", "moderate"),
    ("moderation", "view_moderationevent"),
    ("moderation", "view_flag"),
    ("moderation", "change_flag"),
    ("discussions", "moderate_discussions"),
    ("wiki", "edit_protected_article"),
    ("wiki", "protect_article"),
    ("wiki", "delete_article_page"),
]


def create_group(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP)
    for app_label, codename in PERMISSIONS:
        group.permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )


def remove_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("moderation", "0001_flags_events_suspensions"),
        ("wiki", "0002_article_kinds"),
        ("discussions", "0002_starter_boards"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(create_group, remove_group)]
