"""The scope field: one select per work, the typed syntax accepted too, and a typed scope that
does not parse given back as typed."""

import pytest
from django import forms

from nlmg.spoilers.forms import ScopeField

pytestmark = pytest.mark.django_db


class Form(forms.Form):
    scope = ScopeField(label="Spoilers up to")


def test_the_selects_make_a_scope():
    form = Form({"scope_novel": "12", "scope_film": "cottages", "scope_drama": ""})

    assert form.is_valid()
    assert form.cleaned_data["scope"] == "novel:12 film:cottages"


def test_nothing_chosen_is_no_scope():
    form = Form({"scope_novel": "", "scope_film": "", "scope_drama": ""})

    assert form.is_valid()
    assert form.cleaned_data["scope"] == ""


def test_the_typed_syntax_is_accepted_as_it_is():
    form = Form({"scope": "novel:part-2 film:cottages"})

    assert form.is_valid()
    assert form.cleaned_data["scope"] == "novel:part-2 film:cottages"


def test_the_widget_shows_one_select_per_work_with_the_scope_chosen():
    html = str(Form(initial={"scope": "novel:part-2 film:completion"})["scope"])

    assert html.count("<select") == 3
    assert '<option value="17" selected>' in html
    assert '<option value="completion" selected>' in html
    assert '<label for="id_scope_novel">Novel</label>' in html


def test_a_typed_scope_that_does_not_parse_is_given_back_as_typed():
    html = str(Form({"scope": "novel:99"})["scope"])

    assert '<input type="text" name="scope" id="id_scope_novel" value="novel:99"' in html
    assert "<select" not in html


def test_hostile_values_in_the_selects_come_back_escaped():
    form = Form({"scope_novel": '"><script>alert(1)</script>'})

    html = str(form["scope"])

    assert "<script>" not in html
    assert "&lt;script&gt;" in html
