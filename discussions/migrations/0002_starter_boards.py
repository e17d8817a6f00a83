"""The boards the site starts with."""

from django.db import migrations

BOARDS = [
    ("the-novel", "The Novel", "Ishiguro's book, chapter by chapter."),
    (
        "the-2010-film",
        "The 2010 Film",
        "Mark Romanek's film: performances, choices, the three sections.",
    ),
    ("the-tv-drama", "The TV Drama", "Watashi o Hanasanaide (TBS, 2016) and its Japanese setting."),
    ("book-vs-film", "Book vs Film", "What the adaptations kept, changed and left out."),
    (
        "themes-and-ethics",
        "Themes and Ethics",
        "Memory, mortality, care, and what the story asks of us.",
    ),
    ("site-talk", "Site Talk", "Questions, suggestions and announcements about nlmg itself."),
]


def create_boards(apps, schema_editor):
    Board = apps.get_model("discussions", "Board")
    for order, (slug, name, description) in enumerate(BOARDS):
        Board.objects.update_or_create(
            slug=slug, defaults={"name": name, "description": description, "order": order}
        )


def remove_boards(apps, schema_editor):
    apps.get_model("discussions", "Board").objects.filter(
        slug__in=[b[0] for b in BOARDS], thread_count=0
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("discussions", "0001_boards_threads_posts")]

    operations = [migrations.RunPython(create_boards, remove_boards)]
