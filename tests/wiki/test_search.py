"""Search: ranking, stemming, type-ahead, "go", and snippets built only from what may be seen."""

import pytest

from tests.factories import make_article

pytestmark = pytest.mark.django_db


def results(response):
    """The titles of the hits on a search page, best first."""
    assert response.status_code == 200
    return [hit.title for hit in response.context["hits"]]


def results_html(response):
    html = response.content.decode()
    return html.split('<ol class="search-results">', 1)[1].split("</ol>", 1)[0]


@pytest.fixture
def emily(db):
    """An article whose one spoiler sentence holds words found nowhere else."""
    return make_article(
        title="Miss Emily",
        kind="character",
        lead="Miss Emily is the head guardian of a boarding school.",
        body=(
            "She gives stern talks in assembly about smoking.\n\n"
            ">![novel:7 film:hailsham] Her colleague speaks of vital organs in the pavilion.!<\n\n"
            ">![novel:22] She names the Morningdale affair as the end of the movement.!<\n"
        ),
    )


def test_title_match_ranks_above_body_match(client):
    make_article(
        title="Kathy H.",
        kind="character",
        lead="The narrator of the novel.",
        body="She grew up at Hailsham. Hailsham shaped her. She drives past Hailsham.\n",
    )
    make_article(title="Hailsham", lead="A school.", body="Ponds and pavilions.\n")

    titles = results(client.get("/search/", {"q": "hailsham"}))

    assert titles == ["Hailsham", "Kathy H."]


def test_lead_match_ranks_above_body_match(client):
    make_article(title="Tommy D.", kind="character", lead="A boy.", body="He likes football.\n")
    make_article(title="Ruth C.", kind="character", lead="A girl who loves football.", body="x\n")

    assert results(client.get("/search/", {"q": "football"})) == ["Ruth C.", "Tommy D."]


def test_search_stems_words(client):
    make_article(
        title="Donors",
        kind="concept",
        lead="People who give.",
        body="A donor waits for a donation notice.\n",
    )

    assert results(client.get("/search/", {"q": "donations"})) == ["Donors"]


def test_search_with_no_match_offers_to_create_the_article(client):
    make_article(title="Hailsham")

    response = client.get("/search/", {"q": "Littlehampton"})

    assert results(response) == []
    assert 'href="/wiki/new/?title=Littlehampton"' in response.content.decode()


def test_search_falls_back_to_prefix_matches(client):
    make_article(title="Hailsham")

    assert results(client.get("/search/", {"q": "hails"})) == ["Hailsham"]


def test_type_ahead_suggests_titles_from_a_prefix(client):
    make_article(title="Hailsham")
    make_article(title="The Cottages")

    response = client.get("/search/suggest/", {"q": "hail"})

    assert response.status_code == 200
    assert response.json() == {
        "results": [{"title": "Hailsham", "slug": "hailsham", "kind": "Place"}]
    }


def test_type_ahead_matches_later_words_of_a_title(client):
    make_article(title="The Cottages")

    titles = [r["title"] for r in client.get("/search/suggest/?q=cott").json()["results"]]

    assert titles == ["The Cottages"]


def test_type_ahead_leaves_out_scoped_articles_before_they_are_reached(client, set_progress):
    make_article(title="The Morningdale scandal", kind="event", scope="novel:22")

    before = client.get("/search/suggest/", {"q": "morn"}).json()
    set_progress(client, novel=22)
    after = client.get("/search/suggest/", {"q": "morn"}).json()

    assert before == {"results": []}
    assert [r["title"] for r in after["results"]] == ["The Morningdale scandal"]


def test_go_jumps_straight_to_an_exact_title(client):
    make_article(title="Hailsham")

    response = client.get("/search/", {"q": "Hailsham", "go": "1"})

    assert response.status_code == 302
    assert response["Location"] == "/wiki/hailsham/"


def test_go_without_an_exact_title_shows_results(client):
    make_article(title="Hailsham", body="The school.\n")

    response = client.get("/search/", {"q": "school", "go": "1"})

    assert results(response) == ["Hailsham"]


def test_go_does_not_jump_to_a_scoped_article_before_it_is_reached(client):
    make_article(title="The Morningdale scandal", kind="event", scope="novel:22")

    response = client.get("/search/", {"q": "The Morningdale scandal", "go": "1"})

    assert response.status_code == 200
    assert results(response) == []


def test_word_only_inside_a_spoiler_does_not_match_at_progress_zero(client, emily):
    response = client.get("/search/", {"q": "Morningdale"})

    assert results(response) == []


def test_word_only_inside_a_spoiler_does_not_match_before_its_point(client, emily, set_progress):
    set_progress(client, novel=21, film="completion")

    assert results(client.get("/search/", {"q": "Morningdale"})) == []


def test_word_inside_a_reached_spoiler_matches_with_a_highlighted_snippet(
    client, emily, set_progress
):
    set_progress(client, novel=22)

    response = client.get("/search/", {"q": "Morningdale"})

    assert results(response) == ["Miss Emily"]
    assert "<mark>Morningdale</mark> affair" in results_html(response)


@pytest.mark.parametrize(
    ("progress", "shown", "hidden"),
    [
        ({}, ["talks"], ["organs", "vital", "Morningdale", "affair"]),
        ({"novel": 7}, ["talks", "organs"], ["Morningdale", "affair"]),
        ({"film": "hailsham"}, ["talks", "organs"], ["Morningdale", "affair"]),
        ({"novel": 22}, ["talks", "organs", "Morningdale"], []),
    ],
)
def test_snippets_hold_only_sentences_the_reader_has_reached(
    client, emily, set_progress, progress, shown, hidden
):
    if progress:
        set_progress(client, **progress)

    response = client.get("/search/", {"q": "talks OR organs OR Morningdale"})

    assert results(response) == ["Miss Emily"]
    listing = results_html(response)
    for word in shown:
        assert f"<mark>{word}</mark>" in listing
    for word in hidden:
        assert word.lower() not in listing.lower()


def test_a_hidden_sentence_never_appears_in_a_snippet_of_a_visible_match(client, emily):
    """A visible sentence and a hidden one both match; only the visible one is quoted."""
    response = client.get("/search/", {"q": "pavilion talks"})
    response_or = client.get("/search/", {"q": "pavilion OR talks"})

    assert results(response) == []
    assert results(response_or) == ["Miss Emily"]
    listing = results_html(response_or)
    assert "<mark>talks</mark>" in listing
    assert "pavilion" not in listing
    assert "vital" not in listing


def test_search_never_shows_a_scoped_article_before_it_is_reached(client, set_progress):
    make_article(
        title="The Morningdale scandal",
        kind="event",
        scope="novel:22",
        lead="A scandal in the news.",
        body="A scientist went too far.\n",
    )

    before = client.get("/search/", {"q": "scientist"})
    set_progress(client, novel=22)
    after = client.get("/search/", {"q": "scientist"})

    assert results(before) == []
    assert "orningdale" not in before.content.decode()
    assert results(after) == ["The Morningdale scandal"]
    assert "<mark>scientist</mark>" in results_html(after)


def test_search_leaves_out_deleted_articles(client):
    from wiki.services import set_deleted

    article = make_article(title="Hailsham")
    set_deleted(article=article, deleted=True)

    assert results(client.get("/search/", {"q": "Hailsham"})) == []


def test_an_article_deleted_after_a_search_is_gone_from_the_next_one(client):
    from wiki.services import set_deleted

    article = make_article(title="Hailsham")
    assert results(client.get("/search/", {"q": "Hailsham"})) == ["Hailsham"]
    set_deleted(article=article, deleted=True)
    assert results(client.get("/search/", {"q": "Hailsham"})) == []


def test_a_hidden_article_never_shows_even_if_the_cached_list_of_hidden_ones_is_stale(client):
    """The cached list of hidden articles only speeds the search up; the final check is on
    the article itself."""
    from django.core.cache import cache

    from wiki.models import Article
    from wiki.search import hidden_articles, reached_tokens

    make_article(title="Hailsham")
    hidden_articles(reached_tokens({}))  # cached: nothing hidden
    Article.objects.filter(title="Hailsham").update(is_deleted=True)  # no signal, no new generation
    assert any(key for key in cache._cache if "search-hidden" in key)
    assert results(client.get("/search/", {"q": "Hailsham"})) == []


def test_a_title_only_match_shows_the_lead_without_naming_articles_beyond_progress(client):
    make_article(title="The Morningdale scandal", kind="event", scope="novel:22")
    make_article(
        title="Miss Emily",
        kind="character",
        lead="The head guardian, who remembers [[The Morningdale scandal]].",
    )

    response = client.get("/search/", {"q": "Emily"})

    assert results(response) == ["Miss Emily"]
    listing = results_html(response)
    assert "The head guardian, who remembers" in listing
    assert "orningdale" not in listing
    assert "[[" not in listing


def test_each_hit_links_to_its_article(client, emily):
    response = client.get("/search/", {"q": "guardian"})

    assert f'<a href="{emily.get_absolute_url()}">Miss Emily</a>' in results_html(response)


@pytest.fixture
def boathouse(db):
    """Eight paragraphs naming the boathouse, kept apart as segments by spoilers between them
    (segments are runs of text under the same spoilers)."""
    paragraphs = []
    for n in range(1, 9):
        paragraphs.append(f"Paragraph {n} mentions the boathouse and nothing else.")
        paragraphs.append(f">![novel:3] A spoiler between, number {n}.!<")
    return make_article(
        title="Boathouse", kind="place", lead="A lead.", body="\n\n".join(paragraphs)
    )


def test_a_snippet_quotes_the_first_segment_holding_every_word(client, boathouse):
    """ts_headline costs about 0.3 ms per matching segment, so it reads only what it needs."""
    listing = results_html(client.get("/search/", {"q": "boathouse paragraph"}))

    assert "<mark>Paragraph</mark> 1 mentions the <mark>boathouse</mark>" in listing
    assert " 2 mentions" not in listing


def test_a_snippet_of_an_or_query_quotes_at_most_three_matching_segments(client, boathouse):
    listing = results_html(client.get("/search/", {"q": "boathouse or tape"}))

    assert "Paragraph 1 " in listing
    assert "Paragraph 4 " not in listing
    assert "Paragraph 8 " not in listing


@pytest.mark.parametrize("page", ["99999999999999999999999", "-4", "two", "9" * 5000])
def test_any_page_number_gets_a_page_not_an_error(client, emily, page):
    response = client.get("/search/", {"q": "guardian", "page": page})

    assert response.status_code == 200
