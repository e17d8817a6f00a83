"""Wiki fixtures: moderators, extra clients, reading progress, and reading pages as a user would."""

import re
from html.parser import HTMLParser

import pytest
from django.test import Client

TEXT_ATTRIBUTES = {"content", "title", "alt", "aria-label", "value", "placeholder"}


@pytest.fixture(autouse=True)
def _fresh_cache():
    """The spoiler catalogue and lint glossary are cached; each test starts from the database."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def other_client(other_member):
    client = Client()
    client.force_login(other_member)
    return client


@pytest.fixture
def staff_client(admin_user):
    client = Client()
    client.force_login(admin_user)
    return client


class _FormReader(HTMLParser):
    """The values a browser would submit from the first form with class ``form_class``."""

    def __init__(self, form_class):
        super().__init__(convert_charrefs=True)
        self.form_class = form_class
        self.in_form = False
        self.done = False
        self.values = {}
        self.textarea = None
        self.select = None
        self.first_option = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and not self.done and self.form_class in (attrs.get("class") or ""):
            self.in_form = True
            return
        if not self.in_form:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    self.values[name] = attrs.get("value", "on")
            elif kind not in ("submit", "button"):
                self.values[name] = attrs.get("value") or ""
        elif tag == "textarea" and name:
            self.textarea = name
            self.values[name] = ""
        elif tag == "select" and name:
            self.select = name
            self.first_option = None
        elif tag == "option" and self.select:
            if self.first_option is None:
                self.first_option = attrs.get("value", "")
                self.values.setdefault(self.select, self.first_option)
            if "selected" in attrs:
                self.values[self.select] = attrs.get("value", "")

    def handle_endtag(self, tag):
        if tag == "form" and self.in_form:
            self.in_form, self.done = False, True
        elif tag == "textarea":
            self.textarea = None
        elif tag == "select":
            self.select = None

    def handle_data(self, data):
        if self.in_form and self.textarea:
            # Browsers drop the one newline that follows <textarea>.
            if not self.values[self.textarea] and data.startswith("\n"):
                data = data[1:]
            self.values[self.textarea] += data


@pytest.fixture
def form_values():
    """``form_values(response)``: the article form's fields as a browser would post them."""

    def read(response, form_class="article-form"):
        reader = _FormReader(form_class)
        reader.feed(response.content.decode())
        assert reader.done, f"no form with class {form_class!r} on the page"
        return reader.values

    return read


class _TextOutsideDetails(HTMLParser):
    """Text (and human-readable attributes) of a page, leaving out every <details> subtree."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.depth = 0
        self.skip = 0
        self.parts = []

    def handle_starttag(self, tag, attrs):
        if tag == "details":
            self.depth += 1
        if tag in ("script", "style"):
            self.skip += 1
        if self.depth == 0:
            self.parts.extend(v for k, v in attrs if k in TEXT_ATTRIBUTES and v)

    def handle_startendtag(self, tag, attrs):
        if self.depth == 0:
            self.parts.extend(v for k, v in attrs if k in TEXT_ATTRIBUTES and v)

    def handle_endtag(self, tag):
        if tag == "details" and self.depth:
            self.depth -= 1
        if tag in ("script", "style") and self.skip:
            self.skip -= 1

    def handle_data(self, data):
        if self.depth == 0 and not self.skip:
            self.parts.append(data)


@pytest.fixture
def text_outside_spoilers():
    """``text_outside_spoilers(html)``: what a reader sees without opening any <details>."""

    def read(html):
        parser = _TextOutsideDetails()
        parser.feed(html)
        parser.close()
        return " ".join(" ".join(parser.parts).split())

    return read


@pytest.fixture
def contains_words():
    """``contains_words(text, phrase)``: the phrase occurs as whole words, any case."""

    def contains(text, phrase):
        return re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", text, re.IGNORECASE) is not None

    return contains
