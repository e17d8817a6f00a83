"""Store the rendered HTML of every kept post version, so the history page renders none."""

from django.db import migrations


def render_edits(apps, schema_editor):
    from nlmg.spoilers.markup.render import render
    from nlmg.spoilers.scope import Catalogue

    PostEdit = apps.get_model("discussions", "PostEdit")
    catalogue = Catalogue.from_database()
    for edit in PostEdit.objects.filter(body_html="").iterator():
        edit.body_html = render(edit.body, catalogue=catalogue).html
        edit.save(update_fields=["body_html"])


class Migration(migrations.Migration):
    dependencies = [
        ("discussions", "0003_postedit_body_html"),
        ("spoilers", "0002_canon_works"),
        ("wiki", "0001_articles_revisions_links_search"),
    ]

    operations = [migrations.RunPython(render_edits, migrations.RunPython.noop)]
