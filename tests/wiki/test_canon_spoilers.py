"""The canon passes its own glossary: the same lint as load_canon over every file, a canon file
that would warn is refused, the glossary is loaded and kept as admins leave it, and every canon
page, read at each stage of each work, shows no revealing term before the reader reaches it."""

import re
import shutil
from urllib.parse import quote

import pytest

from discussions.canon import CANON_DIR as THREADS_DIR
from discussions.canon import lint_starter_threads, load_starter_threads
from discussions.models import Thread
from nlmg.spoilers.markup.lint import compile_glossary, forget_terms
from nlmg.spoilers.models import LintTerm
from nlmg.spoilers.scope import Catalogue
from wiki.canon import (
    CANON_DIR,
    CanonError,
    canon_resolver,
    lint_canon,
    load_canon,
    read_canon,
    read_glossary,
)
from wiki.models import Article, Revision

pytestmark = pytest.mark.django_db

GLOSSARY = read_glossary()
STAGES = {
    "nothing": {},
    "novel part one": {"novel": 9},
    "novel part two": {"novel": 17},
    "novel part three": {"novel": 23},
    "film hailsham": {"film": 1},
    "film cottages": {"film": 2},
    "film completion": {"film": 3},
}
THE_THREE = re.compile(r"\b(Kathy|Ruth|Tommy|the three|trio)\b")


@pytest.fixture
def canon(shared_canon, db):
    return shared_canon


def progress_post(stage):
    if stage == "everything":
        return {"everything": "1", "next": "/"}
    data = {"novel": "0", "film": "0", "drama": "0", "next": "/"}
    catalogue = Catalogue.current()
    for work, position in STAGES[stage].items():
        data[work] = catalogue.works[work].point(position).key
    return data


def reader(client, stage):
    """Set the client's progress as a reader does; returns that progress."""
    assert client.post("/progress/", progress_post(stage)).status_code == 302
    if stage == "everything":
        return Catalogue.current().everything()
    return STAGES[stage]


def unreached_terms(progress):
    """The glossary terms a reader at ``progress`` has not reached, compiled once."""
    catalogue = Catalogue.current()
    return compile_glossary(
        tuple(t for t in GLOSSARY if not catalogue.parse(t.scope).is_reached(progress))
    )


def leaked_terms(text, glossary):
    return [term.term for term, _forms in glossary.matches(text)]


def main_region(html):
    return html.split('<main id="main"', 1)[1].split("</main>", 1)[0]


BLOCK_END = re.compile(r"</(?:li|h[1-6]|p|td|th|dt|dd|caption|div|nav|summary)>")


def sentences(text):
    return [s for s in re.split(r"(?<=[.!?])\s+", text) if s.strip(" .")]


def test_the_whole_canon_passes_its_glossary():
    """The same lint load_canon runs: a later edit of a canon file cannot bring a leak back."""
    articles = read_canon()

    assert lint_canon(articles, GLOSSARY, canon_resolver(articles)) == []
    assert lint_starter_threads(terms=GLOSSARY) == []


def test_the_glossary_covers_every_work_and_the_late_reveals():
    assert len(GLOSSARY) >= 30
    terms = {t.term.lower(): t for t in GLOSSARY}
    for name in ("kingsfield", "dover", "littlehampton", "marie-claude", "morningdale", "clone"):
        assert name in terms, name
    assert set(terms["complete"].forms) == {"completes", "completed", "completing"}
    catalogue = Catalogue.current()
    for term in GLOSSARY:
        catalogue.parse(term.scope)
    works = {w for t in GLOSSARY for w, _ in catalogue.parse(t.scope).pairs}
    assert works == {"novel", "film", "drama"}


GOOD = """---
title: Good article
kind: concept
tags: [test]
lead: A spoiler-free lead.
infobox:
  also_called: Nothing else
---
Kathy drives across England.

Later on, Kathy drives to Littlehampton to find Madame.
"""


def copy_of_the_canon(tmp_path, extra=None):
    directory = tmp_path / "canon"
    shutil.copytree(CANON_DIR, directory)
    for name, text in (extra or {}).items():
        (directory / name).write_text(text)
    return directory


def test_a_canon_file_with_an_unscoped_glossary_term_is_refused_naming_file_line_term_and_sentence(
    canon, tmp_path
):
    before = Article.objects.count(), Revision.objects.count(), LintTerm.objects.count()
    directory = copy_of_the_canon(tmp_path, {"good-article.md": GOOD})

    with pytest.raises(CanonError) as caught:
        load_canon(directory)

    message = str(caught.value)
    assert "good-article.md:11:" in message
    assert '"Littlehampton"' in message
    assert "Later on, Kathy drives to Littlehampton to find Madame." in message
    assert "Novel, Part Three, ch. 20" in message
    assert (Article.objects.count(), Revision.objects.count(), LintTerm.objects.count()) == before
    assert not Article.objects.filter(title="Good article").exists()


@pytest.mark.parametrize(
    ("where", "text", "line"),
    [
        ("lead", GOOD.replace("A spoiler-free lead.", "Ruth completes her story."), 5),
        ("infobox", GOOD.replace("Nothing else", "The stranded boat"), 7),
        ("tags", GOOD.replace("[test]", "[test, kingsfield]"), 4),
        ("title", GOOD.replace("Good article", "Good Kingsfield").replace("Littlehampton", "x"), 2),
        ("heading", GOOD.replace("Later on,", "## The deferral\n\nLater on,"), 11),
    ],
)
def test_every_part_a_reader_sees_first_is_linted(canon, tmp_path, where, text, line):
    title = re.search(r"title: (.*)", text).group(1)
    name = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-") + ".md"
    directory = copy_of_the_canon(tmp_path, {name: text})

    with pytest.raises(CanonError) as caught:
        load_canon(directory)

    assert f"{name}:{line}:" in str(caught.value), (where, str(caught.value))


def test_a_glossary_term_inside_a_covering_spoiler_loads(canon, tmp_path):
    text = GOOD.replace(
        "Later on, Kathy drives to Littlehampton to find Madame.",
        "::: spoiler novel:21 film:completion\nLater on, Kathy drives to Littlehampton.\n:::",
    )
    directory = copy_of_the_canon(tmp_path, {"good-article.md": text})

    report = load_canon(directory)

    assert report.created == ["Good article"]


def test_a_spoiler_that_does_not_cover_every_work_of_the_term_is_refused(canon, tmp_path):
    """novel:23 film:cottages does not cover a term first told at film:completion."""
    text = GOOD.replace(
        "Later on, Kathy drives to Littlehampton to find Madame.",
        "::: spoiler novel:23 film:cottages\nLater on, Kathy drives to Littlehampton.\n:::",
    )
    directory = copy_of_the_canon(tmp_path, {"good-article.md": text})

    with pytest.raises(CanonError, match="good-article.md:12:"):
        load_canon(directory)


THREAD = """---
board: the-novel
title: "Why Ruth completes"
tags: [first-read]
---
A body with nothing in it.
"""


def test_a_starter_thread_whose_title_uses_a_glossary_term_is_refused(canon, tmp_path):
    threads = tmp_path / "threads"
    shutil.copytree(THREADS_DIR, threads)
    (threads / "zz-title.md").write_text(THREAD)

    with pytest.raises(CanonError) as caught:
        load_starter_threads(threads)

    assert 'zz-title.md:3: "completes"' in str(caught.value)
    assert not Thread.objects.filter(title="Why Ruth completes").exists()


def test_a_thread_scope_covers_its_body_but_never_its_title(canon, tmp_path):
    threads = tmp_path / "threads"
    shutil.copytree(THREADS_DIR, threads)
    body_only = THREAD.replace('"Why Ruth completes"', '"What Ruth does"').replace(
        "tags: [first-read]", "scope: novel:23 film:completion\ntags: [first-read]"
    )
    (threads / "zz-body.md").write_text(body_only + "And then Ruth completes.\n")

    assert "What Ruth does" in [t.title for t in load_starter_threads(threads)]


# --- the glossary in the database ----------------------------------------------------------


def test_load_canon_puts_the_glossary_in_the_database_with_forms_and_match(canon):
    rows = {t.term: t for t in LintTerm.objects.all()}

    assert set(rows) == {t.term for t in GLOSSARY}
    assert rows["complete"].form_list == ["completes", "completed", "completing"]
    assert rows["complete"].scope == "novel:1 film:completion drama:1"
    assert all(row.canon_digest and not row.is_changed_from_canon for row in rows.values())
    # The migration's separate rows for inflections are gone: they are forms now.
    assert not LintTerm.objects.filter(term__in=["completes", "organs", "clones"]).exists()


def test_a_term_an_admin_changed_is_kept_and_reported(canon):
    term = LintTerm.objects.get(term="Kingsfield")
    term.scope = "novel:19"
    term.save()

    report = load_canon()

    assert report.kept_admin_terms == ["Kingsfield"]
    term.refresh_from_db()
    assert term.scope == "novel:19"
    assert term.is_changed_from_canon is True


def test_a_term_an_admin_deactivated_stays_inactive(canon):
    LintTerm.objects.filter(term="Cromer").update(is_active=False)

    report = load_canon()

    assert "Cromer" in report.kept_admin_terms
    assert LintTerm.objects.get(term="Cromer").is_active is False


def test_a_term_the_loader_still_owns_is_updated_when_the_file_changes(canon, tmp_path):
    directory = copy_of_the_canon(tmp_path)
    path = directory / "glossary.yaml"
    path.write_text(path.read_text().replace("note: Madame's name.", "note: Her first name."))

    report = load_canon(directory)

    assert report.terms_updated == ["Marie-Claude"]
    assert LintTerm.objects.get(term="Marie-Claude").note == "Her first name."


def test_an_admin_added_term_is_left_alone(canon):
    LintTerm.objects.create(term="Wibbleton", scope="novel:22")

    report = load_canon()

    assert report.terms_removed == [] and report.kept_admin_terms == []
    assert LintTerm.objects.filter(term="Wibbleton").exists()


def test_the_editor_lint_uses_the_loaded_glossary(canon):
    from nlmg.spoilers.markup.lint import lint_text

    forget_terms()

    assert [w.term for w in lint_text("They drove to Kingsfield.")] == ["Kingsfield"]
    assert [w.term for w in lint_text("Tommy completed.")] == ["completed"]


# --- reading the canon at every stage --------------------------------------------------------


def canon_pages():
    titles = [c.title for c in read_canon()]
    return [a.get_absolute_url() for a in Article.objects.filter(title__in=titles)]


@pytest.mark.parametrize("stage", [*STAGES, "everything"])
def test_no_canon_page_shows_a_glossary_term_before_the_reader_reaches_it(
    canon, client, text_outside_spoilers, stage
):
    glossary = unreached_terms(reader(client, stage))
    visible_leaks, html_leaks = [], []
    for url in canon_pages():
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        visible_leaks += [(url, t) for t in leaked_terms(text_outside_spoilers(html), glossary)]
        # The whole response: unreached spoilers are withheld from it. The page names its own
        # address (the reader asked for it), as in forms and links back.
        raw = html.replace(url, "").replace(quote(url, safe=""), "")
        html_leaks += [(url, t) for t in leaked_terms(raw, glossary)]

    assert visible_leaks == []
    assert html_leaks == [], html_leaks


def sentences_telling_the_move(client, text_outside_spoilers):
    told = []
    for url in canon_pages():
        # A full stop after each block, so a heading or list item is a sentence of its own.
        html = main_region(client.get(url).content.decode())
        text = text_outside_spoilers(BLOCK_END.sub(lambda m: m.group(0) + " . ", html))
        told += [(url, s) for s in sentences(text) if "Cottages" in s and THE_THREE.search(s)]
    return told


@pytest.mark.parametrize("stage", ["nothing", "novel part one"])
def test_the_move_to_the_cottages_is_not_told_before_chapter_ten(
    canon, client, text_outside_spoilers, stage
):
    reader(client, stage)

    told = sentences_telling_the_move(client, text_outside_spoilers)

    assert told == [], "\n".join(f"{u}: {s}" for u, s in told)


def test_the_move_to_the_cottages_is_told_from_chapter_ten(canon, client, text_outside_spoilers):
    """The check above would catch the move: from Part Two on, the canon tells it."""
    reader(client, "novel part two")

    told = sentences_telling_the_move(client, text_outside_spoilers)

    assert "/wiki/the-cottages/" in {url for url, _ in told}
