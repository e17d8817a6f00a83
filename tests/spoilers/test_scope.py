import pytest
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from nlmg.spoilers.models import Point, Work
from nlmg.spoilers.scope import GENERIC_SCOPE, NO_SCOPE, Catalogue, Scope, ScopeError
from tests.spoilers.helpers import CATALOGUE, EVERYTHING


def scope(text: str) -> Scope:
    return CATALOGUE.parse(text)


# --- parsing and printing -----------------------------------------------------------------


def test_parse_reads_one_pair_per_token():
    assert scope("novel:19 film:completion").pairs == frozenset({("novel", 19), ("film", 3)})


@pytest.mark.parametrize(
    "text",
    ["novel:19 film:completion", "novel:7 film:hailsham drama:3", "drama:10", "film:cottages"],
)
def test_printing_a_parsed_scope_gives_the_same_text(text):
    assert scope(text).to_string(CATALOGUE) == text


def test_printing_lists_tokens_in_catalogue_order():
    assert scope("drama:2 film:completion novel:19").to_string(CATALOGUE) == (
        "novel:19 film:completion drama:2"
    )


def test_tokens_are_canonical_point_keys():
    assert scope("novel:part-3 film:cottages").tokens(CATALOGUE) == ["novel:23", "film:cottages"]


@pytest.mark.parametrize(("part", "chapter"), [("part-1", 9), ("part-2", 17), ("part-3", 23)])
def test_a_part_stands_for_its_last_chapter(part, chapter):
    assert scope(f"novel:{part}") == scope(f"novel:{chapter}")


def test_novel_part_two_is_chapter_seventeen():
    assert scope("novel:part-2") == Scope(frozenset({("novel", 17)}))


def test_commas_separate_tokens_like_spaces():
    assert scope("novel:19,film:completion") == scope("novel:19 film:completion")
    assert scope(" novel:19 ,  film:completion, ") == scope("novel:19 film:completion")


def test_work_and_point_keys_ignore_case():
    assert scope("NOVEL:Part-2 Film:COTTAGES") == scope("novel:17 film:cottages")


def test_repeated_tokens_collapse():
    assert scope("novel:3 novel:3 novel:part-1") == scope("novel:3 novel:9")
    assert scope("novel:3 novel:3").to_string(CATALOGUE) == "novel:3"


def test_empty_text_is_no_scope_and_spoils_nothing():
    assert scope("") == NO_SCOPE
    assert scope(" , ") == NO_SCOPE
    assert bool(NO_SCOPE) is False
    assert NO_SCOPE.is_reached({}) is True


def test_generic_scope_is_truthy_and_prints_as_a_star():
    assert bool(GENERIC_SCOPE) is True
    assert GENERIC_SCOPE.to_string(CATALOGUE) == "*"


# --- errors -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "bad_token", "hint"),
    [
        ("play:3", "play:3", "unknown work"),
        ("novel:3 play:3", "play:3", "unknown work"),
        ("novel:24", "novel:24", "1 to 23"),
        ("novel:0", "novel:0", "1 to 23"),
        ("drama:11", "drama:11", "1 to 10"),
        ("film:ending", "film:ending", "hailsham to completion"),
        ("novel:part-4", "novel:part-4", "1 to 23"),
        ("novel19", "novel19", "work:point"),
        ("novel:19 film", "film", "work:point"),
        ("novel:", "novel:", "1 to 23"),
        (":3", ":3", "unknown work"),
    ],
)
def test_a_bad_token_raises_scope_error_naming_it(text, bad_token, hint):
    with pytest.raises(ScopeError) as excinfo:
        scope(text)
    message = str(excinfo.value)
    assert f'"{bad_token}"' in message
    assert hint in message


def test_scope_error_names_only_the_bad_token():
    with pytest.raises(ScopeError) as excinfo:
        scope("novel:3 drama:11 film:cottages")
    assert "drama:11" in str(excinfo.value)
    assert "novel:3" not in str(excinfo.value)
    assert "film:cottages" not in str(excinfo.value)


def test_unknown_work_error_lists_the_known_works():
    with pytest.raises(ScopeError, match="known works: novel, film, drama"):
        scope("play:1")


def test_scope_error_is_a_value_error():
    assert issubclass(ScopeError, ValueError)


def test_parse_stored_turns_anything_unparseable_into_a_generic_scope():
    assert CATALOGUE.parse_stored("*") == GENERIC_SCOPE
    assert CATALOGUE.parse_stored("play:3") == GENERIC_SCOPE
    assert CATALOGUE.parse_stored("novel:99") == GENERIC_SCOPE
    assert CATALOGUE.parse_stored("novel:7 film:hailsham") == scope("novel:7 film:hailsham")


# --- the "reached" rule -----------------------------------------------------------------


@pytest.mark.parametrize(
    "progress",
    [
        {"novel": 19},
        {"novel": 23},
        {"film": 3},
        {"novel": 1, "film": 3},
        {"novel": 19, "film": 0, "drama": 0},
    ],
)
def test_a_scope_is_reached_when_any_of_its_points_is_reached(progress):
    assert scope("novel:19 film:completion").is_reached(progress) is True


@pytest.mark.parametrize(
    "progress",
    [{}, {"novel": 18}, {"film": 2}, {"novel": 18, "film": 2}, {"drama": 10}, {"play": 99}],
)
def test_a_scope_is_not_reached_before_all_of_its_points(progress):
    assert scope("novel:19 film:completion").is_reached(progress) is False


def test_reaching_exactly_the_point_reaches_the_scope():
    assert scope("drama:7").is_reached({"drama": 7}) is True
    assert scope("drama:7").is_reached({"drama": 6}) is False


def test_a_generic_scope_is_never_reached():
    assert GENERIC_SCOPE.is_reached(EVERYTHING) is False
    assert GENERIC_SCOPE.is_reached({}) is False


def test_everything_reaches_every_scope():
    for text in ("novel:23", "film:completion", "drama:10", "novel:1 drama:1"):
        assert scope(text).is_reached(EVERYTHING) is True


# --- implies --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "second", "expected"),
    [
        ("novel:22", "novel:19", True),
        ("novel:19", "novel:22", False),
        ("novel:22", "novel:22", True),
        ("novel:22 film:completion", "novel:19 film:completion", True),
        ("novel:22 film:completion", "novel:22", False),
        ("novel:22", "novel:22 film:completion", True),
        ("film:cottages", "novel:part-2 film:cottages", True),
        ("novel:7", "film:hailsham", False),
        ("drama:3", "novel:1", False),
    ],
)
def test_implies_means_every_reader_of_the_first_has_reached_the_second(first, second, expected):
    assert scope(first).implies(scope(second)) is expected


def test_every_scope_implies_no_scope_and_no_scope_implies_none():
    assert scope("novel:1").implies(NO_SCOPE) is True
    assert NO_SCOPE.implies(NO_SCOPE) is True
    assert NO_SCOPE.implies(scope("novel:1")) is False


def test_generic_implies_only_generic():
    assert GENERIC_SCOPE.implies(GENERIC_SCOPE) is True
    assert GENERIC_SCOPE.implies(scope("novel:1")) is False
    assert scope("novel:23").implies(GENERIC_SCOPE) is False


pairs = st.sampled_from([(w.key, p.position) for w in CATALOGUE.works.values() for p in w.points])
scopes = st.frozensets(pairs, min_size=1, max_size=3).map(Scope)


@settings(max_examples=200, deadline=None)
@given(first=scopes, second=scopes)
def test_implies_agrees_with_the_reached_rule(first, second):
    """``a.implies(b)`` exactly when every reader who has just reached one of a's points has
    reached b (the least progress that reaches a reaches one of its points and nothing else)."""
    readers = [{work: position} for work, position in first.pairs]
    assert all(first.is_reached(r) for r in readers)
    assert first.implies(second) is all(second.is_reached(r) for r in readers)


# --- labels -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("novel:22 film:completion", "Novel, Part Three, ch. 22 / Film: Completion (1994)"),
        ("novel:part-2", "Novel, Part Two, ch. 17"),
        ("novel:7 film:hailsham", "Novel, Part One, ch. 7 / Film: Hailsham (1978)"),
        ("film:cottages", "Film: The Cottages (1985)"),
        ("drama:7", "Drama: episode 7"),
        ("drama:7 novel:12", "Novel, Part Two, ch. 12 / Drama: episode 7"),
    ],
)
def test_label_names_each_point_in_words(text, label):
    assert scope(text).label(CATALOGUE) == label


def test_generic_label_is_spoiler():
    assert GENERIC_SCOPE.label(CATALOGUE) == "spoiler"


# --- clamp and everything -----------------------------------------------------------------


def test_everything_is_the_last_point_of_every_work():
    assert CATALOGUE.everything() == {"novel": 23, "film": 3, "drama": 10}


def test_clamp_keeps_known_works_within_range():
    assert CATALOGUE.clamp({"novel": 99, "film": -2, "drama": 4, "play": 3}) == {
        "novel": 23,
        "film": 0,
        "drama": 4,
    }


def test_clamp_fills_missing_works_with_zero_and_reads_numeric_strings():
    assert CATALOGUE.clamp({"novel": "12"}) == {"novel": 12, "film": 0, "drama": 0}


@pytest.mark.parametrize(
    "junk", [None, "", "twelve", [3], {"a": 1}, float("nan"), float("inf"), "1e400"]
)
def test_clamp_turns_junk_into_not_started(junk):
    assert CATALOGUE.clamp({"novel": junk, "drama": 4}) == {"novel": 0, "film": 0, "drama": 4}


def test_clamp_of_nothing_is_not_started_everywhere():
    assert CATALOGUE.clamp({}) == {"novel": 0, "film": 0, "drama": 0}


# --- the catalogue in the database ----------------------------------------------------------


@pytest.mark.django_db
def test_migration_seeds_the_canon_works():
    catalogue = Catalogue.from_database()
    assert list(catalogue.works) == ["novel", "film", "drama"]
    assert [p.key for p in catalogue.works["novel"].points] == [str(n) for n in range(1, 24)]
    assert [p.key for p in catalogue.works["film"].points] == ["hailsham", "cottages", "completion"]
    assert [p.key for p in catalogue.works["drama"].points] == [str(n) for n in range(1, 11)]
    assert catalogue.to_spec() == CATALOGUE.to_spec()


@pytest.mark.django_db
def test_current_catalogue_is_cached_after_the_first_call(django_assert_num_queries):
    first = Catalogue.current()
    with django_assert_num_queries(0):
        second = Catalogue.current()
    assert second.to_spec() == first.to_spec()
    assert second.parse("novel:part-2 film:cottages") == CATALOGUE.parse("novel:17 film:cottages")


def add_play() -> Work:
    play = Work.objects.create(key="play", title="Never Let Me Go (stage play)", short_title="play")
    for position, (key, label) in enumerate([("act-1", "Act One"), ("act-2", "Act Two")], 1):
        Point.objects.create(work=play, position=position, key=key, label=label, short_label=key)
    return play


@pytest.mark.django_db
def test_adding_a_work_with_points_reaches_the_cached_catalogue():
    assert "play" not in Catalogue.current().works
    add_play()
    catalogue = Catalogue.current()
    assert [p.key for p in catalogue.works["play"].points] == ["act-1", "act-2"]
    assert catalogue.parse("play:act-2").label(catalogue) == "Play, Act Two"
    assert catalogue.everything()["play"] == 2


@pytest.mark.django_db
def test_editing_a_point_relabels_scopes():
    Catalogue.current()
    Point.objects.filter(work__key="drama", position=7).update(label="unused")  # no signal
    point = Point.objects.get(work__key="drama", position=7)
    point.label = "Drama: episode 7 (the gallery)"
    point.save()
    assert CATALOGUE.parse("drama:7").label(Catalogue.current()) == (
        "Drama: episode 7 (the gallery)"
    )


@pytest.mark.django_db
def test_deleting_a_work_removes_it_from_the_catalogue():
    add_play()
    assert "play" in Catalogue.current().works
    Work.objects.get(key="play").delete()
    assert "play" not in Catalogue.current().works
    with pytest.raises(ScopeError, match="unknown work"):
        Catalogue.current().parse("play:act-1")


@pytest.mark.django_db
def test_catalogue_cache_is_cleared_again_when_the_edit_commits(
    django_capture_on_commit_callbacks,
):
    """A request that reads the catalogue while an admin's edit is still uncommitted caches the
    old works; the commit must clear that cache again."""
    with django_capture_on_commit_callbacks(execute=True):
        add_play()
        Catalogue.invalidate()
        Catalogue.current()  # what a concurrent request would cache before the commit
        from django.core.cache import cache

        from nlmg.spoilers.scope import CATALOGUE_CACHE_KEY

        cache.set(CATALOGUE_CACHE_KEY, CATALOGUE.to_spec())  # the pre-commit view, no play
    assert "play" in Catalogue.current().works


@pytest.mark.django_db
def test_admin_adding_a_work_with_points_makes_it_a_scope(client, admin_user):
    client.force_login(admin_user)
    assert "play" not in Catalogue.current().works
    response = client.post(
        reverse("admin:spoilers_work_add"),
        {
            "key": "play",
            "title": "Never Let Me Go (stage play, 2024)",
            "short_title": "play",
            "order": "4",
            "description": "",
            "points-TOTAL_FORMS": "2",
            "points-INITIAL_FORMS": "0",
            "points-MIN_NUM_FORMS": "0",
            "points-MAX_NUM_FORMS": "1000",
            "points-0-position": "1",
            "points-0-key": "act-1",
            "points-0-label": "Play: Act One",
            "points-0-short_label": "Act One",
            "points-0-part_key": "",
            "points-1-position": "2",
            "points-1-key": "act-2",
            "points-1-label": "Play: Act Two",
            "points-1-short_label": "Act Two",
            "points-1-part_key": "",
        },
    )
    assert response.status_code == 302
    catalogue = Catalogue.current()
    assert list(catalogue.works) == ["novel", "film", "drama", "play"]
    assert catalogue.parse("play:act-2 novel:3").to_string(catalogue) == "novel:3 play:act-2"
    assert catalogue.parse("play:act-1").label(catalogue) == "Play: Act One"
