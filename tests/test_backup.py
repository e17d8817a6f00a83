"""`make backup` / `make restore` on the real database: a restored database serves the same
pages."""

import pytest
from django.conf import settings
from django.db import connections

from nlmg import backup
from wiki.models import Article
from wiki.services import save_revision

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_a_restored_database_serves_the_same_pages(client, member, tmp_path):
    revision = save_revision(
        article=None,
        author=member,
        content={
            "title": "The Sales",
            "kind": "concept",
            "lead": "Monthly sales of odds and ends at Hailsham.",
            "body": "## Crates\n\nThe van brings crates. >![novel:4] Tommy buys a tape!<\n",
            "tags": "hailsham",
        },
    )
    url = revision.article.get_absolute_url()
    before = client.get(url).content
    dump_file = backup.dump(tmp_path / "site.dump", settings.DATABASES["default"])
    assert dump_file.stat().st_size > 0

    Article.objects.filter(pk=revision.article.pk).update(title="Vandalised", lead="Gone")
    assert b"Vandalised" in client.get(url).content

    connections.close_all()
    backup.restore(dump_file, settings.DATABASES["default"])
    after = client.get(url).content
    assert b"Vandalised" not in after
    assert after.replace(b"csrfmiddlewaretoken", b"").count(b"Monthly sales") == before.count(
        b"Monthly sales"
    )
    assert b"Tommy buys a tape" in client.get(url + "?spoiler=b-1").content


def test_restoring_a_missing_file_says_so(tmp_path):
    with pytest.raises(FileNotFoundError):
        backup.restore(tmp_path / "nope.dump", settings.DATABASES["default"])
