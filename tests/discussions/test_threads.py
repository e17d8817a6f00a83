"""Starting a thread: the form, tags, linked wiki articles, and failed posts."""

import pytest

from discussions.models import Follow, Post, Thread
from nlmg.spoilers.models import LintReport
from tests.factories import make_article

pytestmark = pytest.mark.django_db

NEW_THREAD = {
    "board": "the-novel",
    "title": "Kathy's tape",
    "body": "Which song was on the tape Kathy lost?",
    "scope": "",
    "tags": "",
    "articles": "",
}


def start(client, **changes):
    return client.post("/discussions/new/", {**NEW_THREAD, **changes})


def test_new_thread_form_says_titles_must_be_spoiler_free(member_client):
    response = member_client.get("/discussions/new/")

    assert response.status_code == 200
    assert "Keep the title spoiler-free" in response.content.decode()


def test_new_thread_form_preselects_the_board_it_was_opened_from(member_client):
    response = member_client.get("/discussions/new/?board=site-talk")

    assert '<option value="site-talk" selected>' in response.content.decode()


def test_member_starts_a_thread_and_lands_on_it(member_client, member):
    response = start(member_client)

    thread = Thread.objects.get()
    assert response.status_code == 302
    assert response["Location"] == thread.get_absolute_url()
    assert thread.title == "Kathy's tape"
    assert thread.author == member
    assert thread.board.slug == "the-novel"
    assert thread.opening_post.body == "Which song was on the tape Kathy lost?"
    page = member_client.get(response["Location"])
    assert "Which song was on the tape Kathy lost?" in page.content.decode()
    assert "Your thread is up." in page.content.decode()


def test_starting_a_thread_counts_on_its_board(member_client, board):
    start(member_client)

    board.refresh_from_db()
    assert board.thread_count == 1
    assert board.last_activity_at is not None


def test_thread_scope_is_stored_in_canonical_form(member_client):
    start(member_client, scope="novel:part-2 film:cottages")

    thread = Thread.objects.get()
    assert thread.scope == "novel:17 film:cottages"
    assert thread.opening_post.scope == "novel:17 film:cottages"


def test_thread_tags_are_stored_and_shown_on_the_thread(member_client):
    response = start(member_client, tags="Hailsham, Music ,memory")

    thread = Thread.objects.get()
    assert sorted(thread.tags.names()) == ["hailsham", "memory", "music"]
    page = member_client.get(response["Location"]).content.decode()
    assert '<span class="tag">music</span>' in page


def test_thread_about_a_wiki_article_is_listed_in_its_talk_section(member_client, client):
    article = make_article(title="Judy Bridgewater", body="A singer on a cassette.\n")

    start(member_client, title="Songs After Dark", articles="Judy Bridgewater")

    thread = Thread.objects.get()
    assert list(thread.articles.all()) == [article]
    page = client.get(article.get_absolute_url()).content.decode()
    talk = page[page.index('id="talk-title"') :]
    assert f'href="{thread.get_absolute_url()}">Songs After Dark</a>' in talk


def test_thread_about_an_unknown_article_is_refused_and_keeps_the_text(member_client):
    response = start(member_client, articles="No Such Article")

    assert response.status_code == 400
    assert "No wiki article called: No Such Article" in response.content.decode()
    assert "Which song was on the tape Kathy lost?" in response.content.decode()
    assert Thread.objects.count() == 0


def test_thread_with_a_point_out_of_range_keeps_the_text_and_shows_the_error(member_client):
    response = start(member_client, scope="novel:99")

    page = response.content.decode()
    assert response.status_code == 400
    assert "&quot;99&quot; is not a point of novel" in page
    assert "Which song was on the tape Kathy lost?" in page
    assert 'value="Kathy&#x27;s tape"' in page
    assert 'value="novel:99"' in page
    assert Thread.objects.count() == 0
    assert Post.objects.count() == 0


def test_thread_with_an_unclosed_spoiler_block_keeps_the_text_and_shows_the_line(member_client):
    body = "Kathy keeps the tape.\n\n::: spoiler novel:15\nTommy finds a copy in Norfolk.\n"

    response = start(member_client, body=body)

    page = response.content.decode()
    assert response.status_code == 400
    assert "Line 3: this spoiler block is never closed" in page
    assert "Tommy finds a copy in Norfolk." in page
    assert Thread.objects.count() == 0
    assert Post.objects.count() == 0


def test_thread_without_a_title_is_refused(member_client):
    response = start(member_client, title="")

    assert response.status_code == 400
    assert Thread.objects.count() == 0


def test_thread_using_a_revealing_term_asks_to_confirm_before_posting(member_client):
    response = start(member_client, body="So the donations are of vital organs.")

    assert response.status_code == 400
    assert "looks like a spoiler for Novel, Part One, ch. 7" in response.content.decode()
    assert "Post anyway" in response.content.decode()
    assert Thread.objects.count() == 0


def test_thread_posted_anyway_is_reported_for_its_revealing_term(member_client):
    response = start(
        member_client, body="So the donations are of vital organs.", lint_acknowledged="on"
    )

    assert response.status_code == 302
    thread = Thread.objects.get()
    report = LintReport.objects.get()
    assert report.object_id == thread.opening_post_id
    assert report.terms[0]["term"] in ("vital organs", "organs")


def test_starting_a_thread_follows_it(member_client, member):
    start(member_client)

    assert Follow.objects.filter(thread=Thread.objects.get(), user=member).exists() is True


def test_a_title_with_a_revealing_term_is_refused_naming_it_with_everything_kept(member_client):
    response = start(
        member_client,
        title="Why Ruth completes and the deferrals are not real",
        body="My long theory about the last chapters.",
        lint_acknowledged="on",  # there is no "publish anyway" for titles
    )

    page = response.content.decode()
    assert response.status_code == 400
    assert "“completes” in a title gives away Novel, Part Two, ch. 17" in page
    assert "“deferrals” in a title gives away" in page
    assert 'value="Why Ruth completes and the deferrals are not real"' in page
    assert "My long theory about the last chapters." in page
    assert Thread.objects.count() == 0


def test_a_scoped_thread_title_is_checked_too(member_client):
    response = start(member_client, title="Ruth completes", scope="novel:23")

    assert response.status_code == 400
    assert Thread.objects.count() == 0


def test_a_moderator_cannot_retitle_a_thread_with_a_revealing_term(moderator_client, thread):
    response = moderator_client.post(
        f"/discussions/t/{thread.pk}/moderate/",
        {"action": "retitle", "value": "When Ruth completes", "reason": "clearer"},
        follow=True,
    )

    thread.refresh_from_db()
    assert thread.title != "When Ruth completes"
    assert "“completes” in a title gives away" in response.content.decode()
    from nlmg.moderation.models import ModerationEvent

    assert not ModerationEvent.objects.filter(action="retitle").exists()
