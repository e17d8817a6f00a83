"""A first glossary of revealing terms for the spoiler lint (admins extend it)."""

from django.db import migrations

TERMS = [
    ("vital organs", "novel:7 film:hailsham", "what donations are"),
    ("organs", "novel:7 film:hailsham", "what donations are"),
    ("organ", "novel:7 film:hailsham", "what donations are"),
    ("clone", "novel:14 film:cottages", "what the students are"),
    ("clones", "novel:14 film:cottages", "what the students are"),
    ("cloned", "novel:14 film:cottages", "what the students are"),
    ("possibles", "novel:part-2 film:cottages", "the search for originals"),
    ("deferral", "novel:part-2 film:cottages", "the deferral rumour"),
    ("deferrals", "novel:part-2 film:cottages", "the deferral rumour"),
    ("no deferrals", "novel:22 film:completion", "the end of the deferral hope"),
    ("completed", "novel:part-2 film:cottages", "'complete' in its euphemistic sense"),
    ("completes", "novel:part-2 film:cottages", "'complete' in its euphemistic sense"),
    ("fourth donation", "novel:part-3 film:completion", "the last donation"),
    ("Morningdale", "novel:22", "the scandal Miss Emily tells of"),
    ("Marie-Claude", "novel:22", "Madame's name"),
    ("Littlehampton", "novel:22 film:completion", "where Madame lives"),
    ("closed down", "novel:part-3 film:completion", "Hailsham's closure"),
]


def seed_terms(apps, schema_editor):
    LintTerm = apps.get_model("spoilers", "LintTerm")
    for term, scope, note in TERMS:
        LintTerm.objects.get_or_create(term=term, defaults={"scope": scope, "note": note})


def remove_terms(apps, schema_editor):
    apps.get_model("spoilers", "LintTerm").objects.filter(
        term__in=[t for t, _, _ in TERMS]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("spoilers", "0002_canon_works")]

    operations = [migrations.RunPython(seed_terms, remove_terms)]
