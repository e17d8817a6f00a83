"""No page sends a spoiler the reader has not reached, for generated documents (hypothesis):
each is saved as an article and read through the HTTP stack at the progress points of
test_withholding_pages.py. Apart from the canon, whose articles these documents' links would
otherwise resolve to."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import make_article
from tests.spoilers.test_properties import documents
from tests.spoilers.test_withholding_pages import PROGRESSES, reader
from wiki.models import Article

pytestmark = pytest.mark.django_db

GENERATED = itertools.count()


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(doc=documents(), name=st.sampled_from(list(PROGRESSES)))
def test_no_generated_document_sends_a_spoiler_past_the_reader(db, client, set_progress, doc, name):
    progress = reader(client, PROGRESSES[name], set_progress)
    if not Article.objects.filter(title="Deferrals").exists():
        make_article(title="Deferrals", kind="concept", scope="novel:22", body="A rumour.\n")
    article = make_article(title=f"Generated {next(GENERATED)}", body=doc.source)
    html = client.get(article.get_absolute_url()).content.decode().lower()

    for marker, scopes in doc.markers:
        if not all(scope.is_reached(progress) for scope in scopes):
            at = html.find(marker.lower())
            assert at < 0, (marker, doc.source, html[max(0, at - 200) : at + 50])
