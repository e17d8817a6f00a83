"""The "moderate discussions" permission was never checked (moderators act with
moderation.moderate): its row goes, and the Moderators group with it."""

from django.db import migrations

CODENAME = "moderate_discussions"


def drop_permission(apps, schema_editor):
    apps.get_model("auth", "Permission").objects.filter(
        content_type__app_label="discussions", codename=CODENAME
    ).delete()


def restore_permission(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    content_type, _ = ContentType.objects.get_or_create(app_label="discussions", model="thread")
    permission, _ = Permission.objects.get_or_create(
        content_type=content_type, codename=CODENAME, defaults={"name": "Can moderate discussions"}
    )
    for group in Group.objects.filter(name="Moderators"):
        group.permissions.add(permission)


class Migration(migrations.Migration):
    dependencies = [
        ("discussions", "0005_thread_without_moderate_discussions"),
        ("moderation", "0002_moderators_group"),
    ]

    operations = [migrations.RunPython(drop_permission, restore_permission)]
