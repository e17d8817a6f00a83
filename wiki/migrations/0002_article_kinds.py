"""The kinds of article the site starts with, and each kind's infobox fields."""

from django.db import migrations

KINDS = [
    ("character", "Character", "Characters", [
        ("full_name", "Full name"), ("school", "School"), ("role", "Role"),
        ("film_actor", "Played in the film by"), ("drama_name", "Name in the drama"),
        ("drama_actor", "Played in the drama by"), ("first_appearance", "First appearance"),
    ]),
    ("place", "Place", "Places", [
        ("location", "Location"), ("place_kind", "Kind of place"),
        ("when_it_matters", "When it matters"), ("drama_name", "Name in the drama"),
    ]),
    ("concept", "Concept", "Concepts", [
        ("also_called", "Also called"), ("first_mentioned", "First mentioned"),
        ("related", "Related"),
    ]),
    ("theme", "Theme", "Themes", [("explored_through", "Explored through"), ("related", "Related")]),
    ("adaptation", "Adaptation", "Adaptations and editions", [
        ("medium", "Medium"), ("released", "Released"), ("directed_by", "Directed by"),
        ("written_by", "Written by"), ("starring", "Starring"), ("setting", "Setting"),
        ("status", "Status"),
    ]),
    ("event", "Event", "Events", [("when", "When"), ("where", "Where"), ("revealed", "Revealed")]),
    ("person", "Person", "People", [("born", "Born"), ("known_for", "Known for"), ("related", "Related")]),
    ("guide", "Guide", "Guides", [("covers", "Covers")]),
]  # fmt: skip


def create_kinds(apps, schema_editor):
    ArticleKind = apps.get_model("wiki", "ArticleKind")
    for order, (key, name, plural, fields) in enumerate(KINDS):
        ArticleKind.objects.update_or_create(
            key=key,
            defaults={
                "name": name,
                "plural": plural,
                "order": order,
                "infobox_fields": [{"key": k, "label": label} for k, label in fields],
            },
        )


def remove_kinds(apps, schema_editor):
    apps.get_model("wiki", "ArticleKind").objects.filter(key__in=[k[0] for k in KINDS]).delete()


class Migration(migrations.Migration):
    dependencies = [("wiki", "0001_articles_revisions_links_search")]

    operations = [migrations.RunPython(create_kinds, remove_kinds)]
