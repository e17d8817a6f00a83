"""Reading pages the way a browser would, to find anything executable or styling in them.

``page_problems(html)`` parses a whole page with the standard library's HTML parser and lists
what must never be there, whatever a user typed:

- a ``<script>`` other than the site's own (an empty element whose ``src`` is under
  ``/static/``), and none at all inside a user-content area;
- an attribute named ``on…`` (an event handler), a ``style`` or ``srcdoc`` attribute, a
  ``<style>`` element;
- a URL attribute (``href``, ``src``, ``action``, ``formaction``, ``xlink:href``, ``srcset``…)
  whose value, read as browsers read it (entities decoded, control characters and whitespace
  removed, any case), starts with ``javascript:``, ``data:`` or ``vbscript:``;
- ``<iframe>``, ``<object>``, ``<embed>``, ``<base>``, ``<svg>``, ``<math>`` and friends;
- a ``<form>`` that is not the site's own (its action must be empty or a path of this site,
  and it must not sit inside user content); ``<meta>`` and ``<link>`` outside the ``<head>``.

User-content areas are the containers the templates put user text in (article body, lead,
infobox, posts, search results, recent changes, diffs, the moderation queue, profiles); the checks
for them are stricter. ``fragment_problems`` checks HTML that is user content as a whole (a
feed entry's HTML, the editor's preview).
"""

from __future__ import annotations

import re
import unicodedata
from html.parser import HTMLParser
from urllib.parse import urlsplit
from xml.etree import ElementTree

NEVER = {
    "iframe", "frame", "frameset", "object", "embed", "applet", "base", "style", "svg", "math",
    "portal", "template", "noscript", "isindex", "bgsound", "xml", "xmp", "plaintext", "keygen",
    "marquee", "image", "dialog", "video", "audio", "source", "use", "animate", "set",
    "foreignobject",
}  # fmt: skip
FORM_CONTROLS = {"form", "input", "button", "select", "textarea", "option", "keygen"}
URL_ATTRIBUTES = {
    "href", "src", "action", "formaction", "xlink:href", "background", "dynsrc", "lowsrc",
    "data", "poster", "cite", "longdesc", "ping", "codebase", "archive", "manifest", "icon",
    "profile", "usemap", "srcset", "imagesrcset", "itemtype",
}  # fmt: skip
BAD_SCHEME = re.compile(r"^(?:javascript|data|vbscript|livescript|mocha):", re.IGNORECASE)
USER_CONTENT_CLASSES = {
    "article__body", "article__lead", "infobox", "post__body", "search-results", "changes",
    "diff", "diff-heads", "queue-preview", "flag-reasons", "bio", "thread-list",
    "thread-row__preview", "summary", "preview", "prose", "tags", "profile", "toc",
}  # fmt: skip
VOID = {
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
    "track", "wbr", "keygen", "param",
}  # fmt: skip
RAW_NEVER = re.compile(
    r"<\s*/?\s*(?:iframe|frame|object|embed|applet|base|style|svg|math|portal|template)\b",
    re.IGNORECASE,
)


def url_as_browsers_read_it(value: str) -> str:
    """The URL with what browsers ignore taken out (leading and trailing C0 controls and
    spaces, tabs and newlines anywhere), and, to err on the side of finding a problem, every
    other whitespace, control and format character (zero width, bidi) anywhere."""
    return "".join(c for c in value if not (c.isspace() or unicodedata.category(c) in ("Cc", "Cf")))


def is_bad_url(value: str) -> bool:
    return bool(BAD_SCHEME.match(url_as_browsers_read_it(value)))


def is_site_path(value: str) -> bool:
    """A path on this site: "/…" (not "//…" or "/\\…"), or empty (the page's own address)."""
    value = url_as_browsers_read_it(value)
    if value == "":
        return True
    if not value.startswith("/") or value.startswith(("//", "/\\")):
        return False
    parts = urlsplit(value)
    return not parts.scheme and not parts.netloc


def _resolves(path: str) -> bool:
    from django.urls import Resolver404, resolve

    try:
        resolve(urlsplit(path).path or "/")
    except Resolver404:
        return False
    return True


class PageChecker(HTMLParser):
    def __init__(self, *, fragment: bool = False):
        super().__init__(convert_charrefs=True)
        self.fragment = fragment
        self.problems: list[str] = []
        self.stack: list[tuple[str, bool]] = []  # (tag, opens a user-content area)
        self.in_head = False
        self.in_script = False
        self.counts = {"script": 0, "meta": 0, "form": 0, "link": 0}

    @property
    def in_user_content(self) -> bool:
        return self.fragment or any(user for _, user in self.stack)

    def _problem(self, text: str) -> None:
        where = "user content" if self.in_user_content else "page"
        self.problems.append(f"{text} (in {where})")

    def handle_starttag(self, tag, attrs):
        self._check(tag, attrs)
        if tag == "head":
            self.in_head = True
        if tag not in VOID:
            classes = set((dict(attrs).get("class") or "").split())
            self.stack.append((tag, bool(classes & USER_CONTENT_CLASSES)))
        if tag == "script":
            self.in_script = True

    def handle_startendtag(self, tag, attrs):
        self._check(tag, attrs)

    def handle_endtag(self, tag):
        if tag == "head":
            self.in_head = False
        if tag == "script":
            self.in_script = False
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break

    def handle_data(self, data):
        if self.in_script and data.strip():
            self._problem(f"inline script text {data[:60]!r}")

    def _check(self, tag, attrs):
        values = {name: value or "" for name, value in attrs}
        for name, value in attrs:
            value = value or ""
            if name.startswith("on"):
                self._problem(f"event handler {name}={value[:40]!r} on <{tag}>")
            if name in ("style", "srcdoc"):
                self._problem(f"{name} attribute on <{tag}>")
            if name in URL_ATTRIBUTES:
                candidates = value.split(",") if name.endswith("srcset") else [value]
                for candidate in candidates:
                    candidate = candidate.strip().split(" ")[0] if "srcset" in name else candidate
                    if is_bad_url(candidate):
                        self._problem(f"{name}={value[:60]!r} on <{tag}>")
            if name == "formaction" and not is_site_path(value):
                self._problem(f"formaction={value[:60]!r} on <{tag}>")
        if tag in NEVER:
            self._problem(f"<{tag}> element")
        if tag == "script":
            self.counts["script"] += 1
            src = values.get("src", "")
            if self.in_user_content or not url_as_browsers_read_it(src).startswith("/static/"):
                self._problem(f"<script src={src[:60]!r}>")
        elif tag == "meta":
            self.counts["meta"] += 1
            if not self.in_head or self.in_user_content:
                self._problem("<meta> outside the head")
            if "http-equiv" in values and values["http-equiv"].lower() != "content-type":
                self._problem(f"<meta http-equiv={values['http-equiv']!r}>")
        elif tag == "link":
            self.counts["link"] += 1
            if not self.in_head or self.in_user_content:
                self._problem("<link> outside the head")
            elif not is_site_path(values.get("href", "")):
                self._problem(f"<link href={values.get('href', '')[:60]!r}>")
        elif tag == "form":
            self.counts["form"] += 1
            action = values.get("action", "")
            if self.in_user_content:
                self._problem("<form> inside user content")
            elif not is_site_path(action) or (action and not _resolves(action)):
                self._problem(f"<form action={action[:60]!r}> is not one of the site's forms")
        elif tag in FORM_CONTROLS and self.in_user_content:
            self._problem(f"<{tag}> inside user content")


def _raw_problems(html: str, checker: PageChecker) -> list[str]:
    """Belt and braces: tags the parser might have read differently from a browser."""
    found = [f"raw {m.group(0)!r} in the source" for m in RAW_NEVER.finditer(html)]
    for tag, seen in checker.counts.items():
        raw = len(re.findall(rf"<\s*{tag}\b", html, re.IGNORECASE))
        if raw != seen:
            found.append(f"{raw} <{tag} in the source but {seen} parsed")
    return found


def page_problems(html: str) -> list[str]:
    """Everything wrong with a whole page (see the module's docstring)."""
    checker = PageChecker()
    checker.feed(html)
    checker.close()
    return checker.problems + _raw_problems(html, checker)


def fragment_problems(html: str) -> list[str]:
    """Everything wrong with HTML that is user content as a whole."""
    checker = PageChecker(fragment=True)
    checker.feed(html)
    checker.close()
    return checker.problems + _raw_problems(html, checker)


ATOM = "{http://www.w3.org/2005/Atom}"


def feed_problems(xml: bytes) -> list[str]:
    """An Atom feed: every text construct a feed reader renders as HTML is checked as user
    content, and every link's address as a URL."""
    root = ElementTree.fromstring(xml)
    problems = []
    for element in root.iter():
        kind = element.get("type")
        if kind == "html" and element.text:
            problems += [f"{element.tag}: {p}" for p in fragment_problems(element.text)]
        elif kind == "xhtml":
            inner = "".join(ElementTree.tostring(child, encoding="unicode") for child in element)
            problems += [f"{element.tag}: {p}" for p in fragment_problems(inner)]
        if element.tag == f"{ATOM}link" and is_bad_url(element.get("href", "")):
            problems.append(f"link href={element.get('href')!r}")
        if element.tag in (f"{ATOM}id", f"{ATOM}uri") and is_bad_url(element.text or ""):
            problems.append(f"{element.tag} {element.text!r}")
    return problems


REDIRECT_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*):")
C0_AND_SPACE = "".join(map(chr, range(0x21)))


def stays_on_the_site(location: str) -> bool:
    """Whether a browser told ``Location: location`` on an http page of testserver stays on
    testserver. Read as browsers read it: tabs and newlines dropped, controls and spaces
    trimmed, backslashes as slashes, any number of slashes before a host."""
    read = re.sub(r"[\t\n\r]", "", location).strip(C0_AND_SPACE).replace("\\", "/")
    if m := REDIRECT_SCHEME.match(read):
        scheme, rest = m.group(1).lower(), read[m.end() :]
        if scheme not in ("http", "https"):
            return False  # javascript:, data:... not a page of the site
        if scheme == "http" and not rest.startswith("/"):
            return True  # "http:page" is a path relative to this page
        authority = rest.lstrip("/")
    elif read.startswith("//"):
        authority = read.lstrip("/")
    else:
        return True  # a path on this site
    host = re.split(r"[/?#]", authority, maxsplit=1)[0].rsplit("@", 1)[-1].split(":")[0]
    return host.lower() == "testserver"


class _Text(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.skip += 1
        self.parts.extend(v for k, v in attrs if k in ("value", "title", "content") and v)

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self.skip:
            self.skip -= 1

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)


def comparable(text: str) -> str:
    """Text with control and format characters dropped and whitespace collapsed."""
    kept = "".join(c for c in text if unicodedata.category(c) not in ("Cc", "Cf") or c.isspace())
    return " ".join(kept.split())


def visible_text(html: str) -> str:
    """The page's text and human-readable attribute values, as a reader would see them."""
    parser = _Text()
    parser.feed(html)
    parser.close()
    return comparable(" ".join(parser.parts))
