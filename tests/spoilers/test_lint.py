"""The glossary that is easy to keep: forms, match modes, lint_text, the admin's test view."""

import pytest
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.test import Client

from nlmg.spoilers.markup.gating import extract_segments
from nlmg.spoilers.markup.lint import (
    Term,
    active_terms,
    compile_glossary,
    forget_terms,
    lint_segments,
    lint_text,
)
from nlmg.spoilers.markup.render import render
from nlmg.spoilers.models import LintTerm
from tests.spoilers.helpers import CATALOGUE

COMPLETE = Term(
    "complete",
    "novel:19 film:completion",
    "the euphemism",
    forms=("completes", "completed", "completing"),
)
DEFERR = Term("deferr", "novel:13", "the rumour", match="phrase")
NO_DEFERRALS = Term("no deferrals", "novel:22 film:completion", "how it ends")


def lint(source, terms):
    html = render(source, catalogue=CATALOGUE).html
    return lint_segments(extract_segments(html), CATALOGUE, terms=terms)


def test_lint_warns_for_every_form_of_a_term_and_names_the_form_used():
    warnings = lint("Ruth completed. Tommy completes too. Completing is hard.", [COMPLETE])

    assert [w.term for w in warnings] == ["completed", "completes", "completing"]
    assert {w.scope for w in warnings} == {"novel:19 film:completion"}
    assert warnings[0].sentence == "Ruth completed."


def test_a_whole_word_term_does_not_match_inside_a_longer_word():
    assert lint("Her work is incomplete and uncompleted.", [COMPLETE]) == []


def test_a_phrase_term_matches_inside_longer_words():
    assert [w.term for w in lint("They hope for a deferral, or deferrals.", [DEFERR])] == ["deferr"]


def test_a_phrase_term_matches_across_spaces_line_breaks_and_hyphens():
    term = Term("spare parts", "novel:7", "", match="phrase")
    assert len(lint("They were spare\nparts.", [term])) == 1
    assert len(lint("A spare-parts life.", [term])) == 1


def test_a_whole_word_term_matches_across_any_whitespace():
    assert len(lint("There are no\n   deferrals.", [NO_DEFERRALS])) == 1


def test_terms_given_as_tuples_still_lint():
    (warning,) = lint("A deferral.", [("deferral", "novel:13", "the rumour")])
    assert warning.term == "deferral"
    assert warning.note == "the rumour"


def test_two_terms_in_one_sentence_both_warn():
    warnings = lint("There are no deferrals; Ruth completes.", [COMPLETE, NO_DEFERRALS])
    assert sorted(w.term for w in warnings) == ["completes", "no deferrals"]


def test_a_covering_spoiler_silences_every_form():
    assert lint(">![novel:20] Ruth completed and Tommy completes.!<", [COMPLETE]) == []


def test_lint_text_lints_a_plain_string_outside_any_spoiler():
    (warning,) = lint_text(
        "Why Ruth completes and the deferrals are not real", CATALOGUE, terms=[COMPLETE]
    )
    assert warning.term == "completes"
    assert warning.label == "Novel, Part Three, ch. 19 / Film: Completion (1994)"
    assert lint_text("", CATALOGUE, terms=[COMPLETE]) == []
    # Markup means nothing in a title: it is read as written.
    assert lint_text(">![novel:22] completes!<", CATALOGUE, terms=[COMPLETE]) != []


def test_the_glossary_is_compiled_once_per_term_list():
    terms = (COMPLETE, DEFERR)
    assert compile_glossary(terms) is compile_glossary(tuple(terms))


@pytest.mark.django_db
def test_active_terms_carry_forms_and_match_mode_and_skip_inactive_terms():
    LintTerm.objects.all().delete()
    LintTerm.objects.create(
        term="complete", forms="completes, completed\ncompleting", scope="novel:19"
    )
    LintTerm.objects.create(term="deferr", match="phrase", scope="novel:13")
    LintTerm.objects.create(term="retired", scope="novel:1", is_active=False)
    forget_terms()

    terms = {t.term: t for t in active_terms()}

    assert set(terms) == {"complete", "deferr"}
    assert terms["complete"].forms == ("completes", "completed", "completing")
    assert terms["deferr"].match == "phrase"
    warned = sorted(w.term for w in lint_text("Her deferrals, and she completed."))
    assert warned == ["completed", "deferr"]


@pytest.mark.django_db
def test_saving_a_term_is_seen_by_the_next_lint():
    assert lint_text("They speak of Wibbleton.") == []

    LintTerm.objects.create(term="Wibbleton", scope="novel:22")

    assert [w.term for w in lint_text("They speak of Wibbleton.")] == ["Wibbleton"]


@pytest.mark.django_db
def test_a_term_is_unique_in_any_case():
    LintTerm.objects.create(term="Wibbleton", scope="novel:22")
    with pytest.raises(IntegrityError), transaction.atomic():
        LintTerm.objects.create(term="wibbleton", scope="novel:1")


@pytest.fixture
def superuser_client(db):
    user = get_user_model().objects.create_superuser("boss", "boss@example.com", "pw-long-123")
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_the_admin_tests_a_sentence_and_shows_the_terms_and_suggestions(superuser_client):
    LintTerm.objects.create(
        term="complete", forms="completes, completed", scope="novel:19 film:completion"
    )

    response = superuser_client.get(
        "/admin/spoilers/lintterm/test/",
        {
            "text": "Ruth completes in Dover. >![novel:22] Tommy completed.!< "
            "Miss Emily lives in Littlehampton."
        },
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "<td>completes</td>" in page
    assert "Novel, Part Three, ch. 19 / Film: Completion (1994)" in page
    assert "&gt;![novel:19 film:completion] Ruth completes in Dover.!&lt;" in page
    assert "Tommy completed" not in page.split("would warn", 1)[1]  # covered by its spoiler
    assert "<td>Littlehampton</td>" in page  # the seeded glossary, migration 0003


@pytest.mark.django_db
def test_the_admin_test_says_when_nothing_warns(superuser_client):
    response = superuser_client.get("/admin/spoilers/lintterm/test/", {"text": "Kathy drives."})

    assert "No term would warn" in response.content.decode()


@pytest.mark.django_db
def test_the_admin_test_is_for_staff_only(client, member_client):
    assert client.get("/admin/spoilers/lintterm/test/").status_code == 302
    assert member_client.get("/admin/spoilers/lintterm/test/").status_code == 302


@pytest.mark.django_db
def test_the_changelist_links_to_the_test_and_lists_forms(superuser_client):
    LintTerm.objects.create(term="complete", forms="completes\ncompleted", scope="novel:19")

    page = superuser_client.get("/admin/spoilers/lintterm/").content.decode()

    assert 'href="/admin/spoilers/lintterm/test/"' in page
    assert "completes, completed" in page
    assert "Novel, Part Three, ch. 19" in page


@pytest.mark.django_db
def test_the_admin_form_refuses_a_malformed_scope(superuser_client):
    response = superuser_client.post(
        "/admin/spoilers/lintterm/add/",
        {"term": "Wibbleton", "forms": "", "match": "word", "scope": "novel:99", "note": ""},
    )

    assert response.status_code == 200
    assert "is not a point of novel" in response.content.decode()
    assert not LintTerm.objects.filter(term="Wibbleton").exists()
