"""The canon works and their points: the novel's 23 chapters in three parts, the film's three
sections, the drama's ten episodes."""

from django.db import migrations

PARTS = {1: ("part-1", "Part One"), 2: ("part-2", "Part Two"), 3: ("part-3", "Part Three")}


def novel_points():
    for chapter in range(1, 24):
        part = 1 if chapter <= 9 else 2 if chapter <= 17 else 3
        part_key, part_name = PARTS[part]
        yield {
            "position": chapter,
            "key": str(chapter),
            "label": f"{part_name}, ch. {chapter}",
            "short_label": f"ch. {chapter}",
            "part_key": part_key,
        }


WORKS = [
    {
        "key": "novel",
        "title": "Never Let Me Go (novel, 2005)",
        "short_title": "novel",
        "order": 1,
        "description": "Kazuo Ishiguro's novel: 23 chapters in three parts.",
        "points": list(novel_points()),
    },
    {
        "key": "film",
        "title": "Never Let Me Go (film, 2010)",
        "short_title": "film",
        "order": 2,
        "description": "Mark Romanek's film, told in three sections.",
        "points": [
            {
                "position": 1,
                "key": "hailsham",
                "label": "Film: Hailsham (1978)",
                "short_label": "Hailsham",
            },
            {
                "position": 2,
                "key": "cottages",
                "label": "Film: The Cottages (1985)",
                "short_label": "The Cottages",
            },
            {
                "position": 3,
                "key": "completion",
                "label": "Film: Completion (1994)",
                "short_label": "Completion",
            },
        ],
    },
    {
        "key": "drama",
        "title": "Watashi o Hanasanaide (TV drama, 2016)",
        "short_title": "drama",
        "order": 3,
        "description": "The TBS drama, ten episodes.",
        "points": [
            {
                "position": n,
                "key": str(n),
                "label": f"Drama: episode {n}",
                "short_label": f"ep. {n}",
            }
            for n in range(1, 11)
        ],
    },
]


def create_works(apps, schema_editor):
    Work = apps.get_model("spoilers", "Work")
    Point = apps.get_model("spoilers", "Point")
    for spec in WORKS:
        points = spec["points"]
        fields = {k: v for k, v in spec.items() if k != "points"}
        work, _ = Work.objects.update_or_create(key=fields.pop("key"), defaults=fields)
        for point in points:
            Point.objects.update_or_create(
                work=work,
                position=point["position"],
                defaults={k: v for k, v in point.items() if k != "position"},
            )


def remove_works(apps, schema_editor):
    apps.get_model("spoilers", "Work").objects.filter(
        key__in=[spec["key"] for spec in WORKS]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("spoilers", "0001_works_points_lint_terms")]

    operations = [migrations.RunPython(create_works, remove_works)]
