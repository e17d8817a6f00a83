"""Many writers at once on real PostgreSQL, each thread with its own connection: nothing an
author saved vanishes, numbers and counters stay exact, and double clicks count once.

(tests/discussions/test_concurrency.py covers concurrent replies through the service and a
member's eight simultaneous likes; here: twenty editors of one article, fifty replies through
the HTTP view, and the other double clicks.)
"""

from __future__ import annotations

import html
import re
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection

from discussions.models import Follow, Like, Post, Thread, path_segment
from nlmg.moderation.models import Flag, ModerationEvent, Warning
from tests.factories import make_article, make_board_thread, make_thread_reply, make_user
from tests.security.conftest import logged_in
from wiki.models import Article, Revision
from wiki.services import EditConflict, save_revision

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

EDITORS = 20
REPLIERS = 50


@pytest.fixture(scope="module", autouse=True)
def _restore_migrated_rows(django_db_setup, django_db_blocker):
    """Each test here ends with a flush of every table; afterwards, put back the rows the data
    migrations made (works, kinds, boards, the Moderators group) for the tests that follow."""
    yield
    contents = getattr(connection, "_test_serialized_contents", None)
    if contents:
        with django_db_blocker.unblock():
            connection.creation.deserialize_db_from_string(contents)
            connection.close()


def run_together(work, count):
    """``work(n)`` for n in range(count), each in its own thread and database connection,
    all released at the same moment; the results in order (exceptions re-raised)."""
    barrier = threading.Barrier(count, timeout=60)

    def worker(n):
        try:
            barrier.wait()
            return work(n)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(worker, range(count)))


# --- twenty editors of one article ----------------------------------------------------------------

PARAGRAPHS = [f"Paragraph {n} about Hailsham, as first written." for n in range(EDITORS + 1)]
BODY = "\n\n".join(PARAGRAPHS) + "\n"


@pytest.fixture
def editors(db):
    return [make_user(username=f"editor{n}") for n in range(EDITORS)]


@pytest.fixture
def article(db):
    return make_article(title="Hailsham", body=BODY)


def body_with(line: int, text: str) -> str:
    paragraphs = list(PARAGRAPHS)
    paragraphs[line] = text
    return "\n\n".join(paragraphs) + "\n"


def save_from_base(article, base_id, author, body):
    """One editor's save, begun from revision ``base_id``: ("saved", number) or
    ("conflict", the number they conflicted with)."""
    content = {**Revision.objects.get(pk=base_id).content(), "body": body}
    try:
        revision = save_revision(
            article=Article.objects.get(pk=article.pk),
            author=author,
            content=content,
            summary=f"Edit by {author.username}",
            base_revision_id=base_id,
        )
    except EditConflict as conflict:
        return ("conflict", conflict.current.number)
    return ("saved", revision.number)


def assert_history_is_whole(article, saved: int):
    numbers = list(
        Revision.objects.filter(article=article).order_by("number").values_list("number", flat=True)
    )
    assert numbers == list(range(1, saved + 2))  # consecutive: no gap, no duplicate
    revisions = list(Revision.objects.filter(article=article).order_by("number"))
    for previous, revision in zip(revisions, revisions[1:], strict=False):
        assert revision.parent_id == previous.pk  # one line of history, nothing overwritten
    article.refresh_from_db()
    assert article.revision_count == saved + 1
    assert article.current_revision_id == revisions[-1].pk


def test_twenty_editors_of_different_paragraphs_all_end_as_revisions(article, editors):
    base = article.current_revision_id

    def edit(n):
        return save_from_base(
            article, base, editors[n], body_with(n + 1, f"Paragraph {n + 1}, rewritten by {n}.")
        )

    results = run_together(edit, EDITORS)

    assert [kind for kind, _ in results] == ["saved"] * EDITORS
    assert sorted(number for _, number in results) == list(range(2, EDITORS + 2))
    assert_history_is_whole(article, EDITORS)
    final = Article.objects.get(pk=article.pk).current_revision.body
    for n in range(EDITORS):
        assert f"Paragraph {n + 1}, rewritten by {n}." in final  # every edit kept
    actions = set(Revision.objects.filter(number__gt=1).values_list("action", flat=True))
    assert actions <= {Revision.Action.EDIT, Revision.Action.MERGE}


def test_twenty_editors_some_of_the_same_paragraph_each_get_a_revision_or_a_conflict(
    article, editors
):
    base = article.current_revision_id

    def edit(n):
        if n < EDITORS // 2:  # the first half each rewrite their own paragraph
            return save_from_base(article, base, editors[n], body_with(n + 1, f"Own {n}."))
        return save_from_base(article, base, editors[n], body_with(0, f"Contested by {n}."))

    results = run_together(edit, EDITORS)

    saved = [n for n, (kind, _) in enumerate(results) if kind == "saved"]
    conflicts = [n for n, (kind, _) in enumerate(results) if kind == "conflict"]
    assert len(saved) + len(conflicts) == EDITORS  # each answered one way or the other
    assert set(range(EDITORS // 2)) <= set(saved)  # no overlap, no conflict
    contested_winners = [n for n in saved if n >= EDITORS // 2]
    assert len(contested_winners) == 1
    assert len(conflicts) == EDITORS // 2 - 1
    assert_history_is_whole(article, len(saved))
    final = Article.objects.get(pk=article.pk).current_revision.body
    for n in saved:  # nothing a saver was told was saved has vanished
        assert (f"Own {n}." if n < EDITORS // 2 else f"Contested by {n}.") in final
    for n in conflicts:
        assert f"Contested by {n}." not in final


def test_twenty_editors_through_the_form_each_see_a_save_or_their_text_kept(article, editors):
    """The same race through the edit form: a redirect to the article, or a 409 page that
    keeps the member's own text in the form and shows the other version."""
    base = article.current_revision_id
    clients = [logged_in(user) for user in editors]

    def edit(n):
        text = f"Own {n}." if n % 2 else f"Contested by {n}."
        body = body_with(n + 1 if n % 2 else 0, text)
        response = clients[n].post(
            "/wiki/hailsham/edit/",
            {"title": "Hailsham", "kind": "place", "lead": "Hailsham is part of the story.",
             "body": body, "summary": f"By {n}", "base_revision": str(base), "save": "1"},
        )  # fmt: skip
        return n, text, response.status_code, response.content.decode()

    results = run_together(edit, EDITORS)

    statuses = sorted({status for _, _, status, _ in results})
    assert set(statuses) <= {302, 409}, statuses
    saved = [n for n, _, status, _ in results if status == 302]
    for _, text, status, page in results:
        if status == 409:
            form = re.search(r'<textarea name="body"[^>]*>(.*?)</textarea>', page, re.S)
            assert text in html.unescape(form.group(1))  # their own text, kept
            assert "Edit conflict: nothing was lost" in page
    assert len([n for n in saved if n % 2 == 0]) == 1
    assert {n for n in range(EDITORS) if n % 2} <= set(saved)
    assert_history_is_whole(article, len(saved))


# --- fifty replies at once ----------------------------------------------------------------------


def test_fifty_replies_at_once_through_the_reply_form_all_count(db):
    starter = make_user(username="starter")
    thread = make_board_thread(author=starter, title="Everyone at once")
    clients = [logged_in(make_user(username=f"replier{n}")) for n in range(REPLIERS)]

    def reply(n):
        response = clients[n].post(f"/discussions/t/{thread.pk}/reply/", {"body": f"Reply {n}."})
        return response.status_code

    statuses = run_together(reply, REPLIERS)

    assert statuses == [302] * REPLIERS
    posts = list(Post.objects.filter(thread=thread, is_opening=False))
    assert sorted(p.body for p in posts) == sorted(f"Reply {n}." for n in range(REPLIERS))
    assert sorted(p.path for p in posts) == [path_segment(n) for n in range(1, REPLIERS + 1)]
    thread = Thread.objects.get(pk=thread.pk)
    assert thread.reply_count == thread.top_level_count == REPLIERS
    assert Follow.objects.filter(thread=thread).count() == REPLIERS + 1
    page = logged_in(starter).get(thread.get_absolute_url() + "?page=2")
    assert page.status_code == 200


# --- double clicks ----------------------------------------------------------------------------


@pytest.fixture
def scene(db):
    starter = make_user(username="starter")
    thread = make_board_thread(author=starter, title="Double clicks")
    post = make_thread_reply(thread, author=starter, body="Click me twice.\n")
    return thread, post


@pytest.mark.parametrize("clicks", [2, 6])
def test_a_double_clicked_flag_makes_one_flag(scene, clicks):
    _, post = scene
    client = logged_in(make_user(username="clicker"))

    statuses = run_together(
        lambda n: client.post(f"/moderation/flag/?post={post.pk}", {"reason": "spam"}).status_code,
        clicks,
    )

    assert statuses == [302] * clicks
    assert Flag.objects.filter(object_id=post.pk).count() == 1


def test_a_double_clicked_like_counts_once_and_an_unlike_once(scene):
    _, post = scene
    client = logged_in(make_user(username="clicker"))
    url = f"/discussions/post/{post.pk}/like/"

    assert run_together(lambda n: client.post(url, {"like": "1"}).status_code, 2) == [302, 302]
    post.refresh_from_db()
    assert post.like_count == Like.objects.filter(post=post).count() == 1

    assert run_together(lambda n: client.post(url, {"like": "0"}).status_code, 2) == [302, 302]
    post.refresh_from_db()
    assert post.like_count == Like.objects.filter(post=post).count() == 0


def test_a_like_and_an_unlike_at_once_leave_the_count_true(scene):
    _, post = scene
    client = logged_in(make_user(username="clicker"))
    url = f"/discussions/post/{post.pk}/like/"
    for _ in range(3):
        run_together(lambda n: client.post(url, {"like": str(n % 2)}).status_code, 2)
        post.refresh_from_db()
        assert post.like_count == Like.objects.filter(post=post).count() in (0, 1)


def test_a_double_clicked_follow_follows_once(scene):
    thread, _ = scene
    user = make_user(username="clicker")
    client = logged_in(user)

    statuses = run_together(
        lambda n: client.post(f"/discussions/t/{thread.pk}/follow/", {"follow": "1"}).status_code,
        2,
    )

    assert statuses == [302, 302]
    assert Follow.objects.filter(thread=thread, user=user).count() == 1


def test_a_double_clicked_hide_and_warn_hides_once_and_warns_once(scene):
    """A moderator's double click: one hide in the audit log, one warning to the author."""
    from django.contrib.auth.models import Group

    _, post = scene
    moderator = make_user(username="lucy")
    moderator.groups.add(Group.objects.get(name="Moderators"))
    client = logged_in(moderator)
    data = {
        "content_type": ContentType.objects.get_for_model(Post).pk,
        "object_id": post.pk,
        "action": "hide_warn",
        "reason": "Spam.",
    }

    statuses = run_together(lambda n: client.post("/moderation/act/", data).status_code, 2)

    assert statuses == [302, 302]
    assert Post.objects.get(pk=post.pk).is_hidden
    hides = ModerationEvent.objects.filter(action=ModerationEvent.Action.HIDE, object_id=post.pk)
    assert hides.count() == 1
    assert Warning.objects.filter(user=post.author).count() == 1


# --- articles that link to each other, saved at the same moment -------------------------------

ROUNDS = 20


def linked_articles(count: int) -> list[Article]:
    """``count`` articles, each linking to every other one."""
    titles = [f"Linked {chr(65 + n)}" for n in range(count)]
    articles = [make_article(title=t, body="No links yet.\n") for t in titles]
    for article in articles:
        links = " ".join(f"[[{t}]]" for t in titles if t != article.title)
        save_revision(
            article=Article.objects.get(pk=article.pk),
            author=None,
            author_name="factory",
            content={**article.current_revision.content(), "body": f"See {links}.\n"},
        )
    return [Article.objects.select_related("current_revision").get(pk=a.pk) for a in articles]


def post_edit(client, article, round_number, n, **changes):
    content = {**article.current_revision.content(), **changes}
    response = client.post(
        f"/wiki/{article.slug}/edit/",
        {"title": content["title"], "kind": content["kind"], "lead": content["lead"],
         "body": content["body"] + f"\nRound {round_number} by {n}.\n",
         "summary": f"Round {round_number}", "base_revision": str(article.current_revision_id),
         "save": "1"},
    )  # fmt: skip
    return response.status_code


@pytest.mark.parametrize("count", [2, 3])
def test_simultaneous_saves_of_articles_linking_to_each_other_are_all_saved(count, caplog):
    """Each save locks its own article; the link rows it writes must not wait for the other
    articles' saves (PostgreSQL found a deadlock in every round: one save answered 503). No
    save needs the retry either: the locks never form a cycle."""
    articles = linked_articles(count)
    clients = [logged_in(make_user(username=f"linker{n}")) for n in range(count)]
    for round_number in range(ROUNDS):
        current = [
            Article.objects.select_related("current_revision").get(pk=a.pk) for a in articles
        ]

        def edit(n, current=current, round_number=round_number):
            return post_edit(clients[n], current[n], round_number, n)

        statuses = run_together(edit, count)

        assert statuses == [302] * count, (round_number, statuses)
        for n, article in enumerate(articles):
            fresh = Article.objects.select_related("current_revision").get(pk=article.pk)
            assert fresh.revision_count == round_number + 3
            assert f"Round {round_number} by {n}." in fresh.current_revision.body
    assert "trying again" not in caplog.text


def test_a_rename_and_an_edit_of_an_article_linking_to_it_at_once_are_both_saved(caplog):
    """A rename re-renders the articles linking to the article; it locks them before its own
    title changes, so an edit of one of them (which writes a link to the renamed article)
    never waits for it in a cycle."""
    renamed, linking = linked_articles(2)
    clients = [logged_in(make_user(username=f"linker{n}")) for n in range(2)]
    for round_number in range(ROUNDS):
        current = [
            Article.objects.select_related("current_revision").get(pk=a.pk)
            for a in (renamed, linking)
        ]
        title = f"Linked A, take {round_number}"

        def edit(n, current=current, round_number=round_number, title=title):
            changes = {"title": title} if n == 0 else {}
            return post_edit(clients[n], current[n], round_number, n, **changes)

        statuses = run_together(edit, 2)

        assert statuses == [302, 302], (round_number, statuses)
        assert Article.objects.get(pk=renamed.pk).title == title
        body = (
            Article.objects.select_related("current_revision").get(pk=linking.pk).current_revision
        )
        assert f"Round {round_number} by 1." in body.body
        assert f'href="/wiki/{Article.objects.get(pk=renamed.pk).slug}/"' in body.body_html
    assert "trying again" not in caplog.text


# --- the retry helper -------------------------------------------------------------------------


def raise_sqlstate(code: str) -> None:
    """Make PostgreSQL itself abort the statement with this SQLSTATE."""
    with connection.cursor() as cursor:
        cursor.execute(f"DO $$ BEGIN RAISE EXCEPTION 'test' USING ERRCODE = '{code}'; END $$")


@pytest.mark.parametrize("code", ["40P01", "40001"])
def test_a_transaction_aborted_by_a_deadlock_or_serialization_failure_is_run_again(code):
    from django.db import transaction

    from nlmg.retry import retry_on_conflict

    calls = []

    @retry_on_conflict
    @transaction.atomic
    def service():
        calls.append(1)
        make_user(username=f"attempt{len(calls)}")
        if len(calls) == 1:
            raise_sqlstate(code)
        return len(calls)

    assert service() == 2
    from django.contrib.auth import get_user_model

    usernames = set(get_user_model().objects.values_list("username", flat=True))
    assert "attempt2" in usernames and "attempt1" not in usernames  # the first rolled back


def test_the_retry_gives_up_after_three_attempts_and_lets_other_errors_through():
    from django.db import DataError, OperationalError, transaction

    from nlmg.retry import retry_on_conflict

    calls = []

    @retry_on_conflict
    @transaction.atomic
    def always_deadlocked():
        calls.append(1)
        raise_sqlstate("40P01")

    with pytest.raises(OperationalError):
        always_deadlocked()
    assert len(calls) == 3

    @retry_on_conflict
    @transaction.atomic
    def divides_by_zero():
        calls.append(1)
        raise_sqlstate("22012")

    calls.clear()
    with pytest.raises(DataError):
        divides_by_zero()
    assert len(calls) == 1


def test_the_retry_runs_once_inside_an_outer_transaction():
    """Only the outermost transaction can be started again: the error goes up to it."""
    from django.db import OperationalError, transaction

    from nlmg.retry import retry_on_conflict

    calls = []

    @retry_on_conflict
    @transaction.atomic
    def service():
        calls.append(1)
        raise_sqlstate("40P01")

    with pytest.raises(OperationalError), transaction.atomic():
        service()
    assert len(calls) == 1
