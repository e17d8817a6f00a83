"""The allowlist sanitiser (nh3) that every piece of rendered markdown passes through."""

import re
import unicodedata

import nh3
from django.conf import settings

ALLOWED_TAGS = {
    "a", "abbr", "blockquote", "br", "code", "dd", "del", "div", "dl", "dt", "em", "h1", "h2",
    "h3", "h4", "h5", "h6", "hr", "img", "ins", "li", "ol", "p", "pre", "s", "span", "strong",
    "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
}  # fmt: skip

ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "data-scope", "rel", "id"},
    "abbr": {"title"},
    "div": {"data-scope", "id"},
    "span": {"data-scope"},
    "img": {"src", "alt", "title", "width", "height"},
    "h1": {"id"}, "h2": {"id"}, "h3": {"id"}, "h4": {"id"}, "h5": {"id"}, "h6": {"id"},
    "li": {"id"},
    "sup": {"id"},
    "ol": {"start"},
    "th": {"align"},
    "td": {"align"},
}  # fmt: skip

ALLOWED_CLASSES = {
    "a": {"wikilink", "redlink", "footnote-ref", "footnote-backref", "external"},
    "div": {"spoiler", "para", "footnote", "codehilite"},
    "span": {"spoiler"},
    "code": {f"language-{lang}" for lang in ("python", "text", "markdown", "html", "json")},
}

URL_SCHEMES = {"http", "https", "mailto"}
SCOPE_VALUE = re.compile(r"^(\*|[a-z0-9-]+:[a-z0-9-]+( [a-z0-9-]+:[a-z0-9-]+)*)$")
SAFE_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_:.-]{0,120}$")
SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")


def _squeezed(value: str) -> str:
    """The value without any whitespace, control or format character (zero width, bidi)."""
    return "".join(c for c in value if not (c.isspace() or unicodedata.category(c) in ("Cc", "Cf")))


def _safe_url(value: str) -> str | None:
    """Defence in depth on top of nh3's scheme check: a URL that would name another scheme
    once invisible characters are taken out ("java\u2028script:", "\u200bjavascript:") is
    dropped, whatever a browser would make of it."""
    m = SCHEME.match(_squeezed(value))
    if m and m.group(1).lower() not in URL_SCHEMES:
        return None
    return value


def leads_off_site(url: str) -> bool:
    """Whether a browser following this address leaves the site: it names a scheme, or, read
    as browsers read it (tabs and newlines dropped, controls and spaces trimmed, backslashes
    as slashes), it starts with "//", as "//host", "/\\host" and "\\\\host" do."""
    read = re.sub(r"[\t\n\r]", "", url).strip("".join(map(chr, range(0x21))))
    read = read.replace("\\", "/")
    return bool(SCHEME.match(read)) or read.startswith("//")


# What the upload endpoint names its files (uploads/2026/12/<hex>.png), after MEDIA_URL: no
# "..", no query, nothing a browser would read as another address of the site.
UPLOAD_PATH = re.compile(r"[A-Za-z0-9_-]+(?:/[A-Za-z0-9_-]+)*\.[A-Za-z0-9]{1,5}")


def is_upload_url(url: str) -> bool:
    """Whether this is the address of an uploaded file (under MEDIA_URL): the only images the
    site shows, so that no image makes a reader's browser call another server, or this one's
    pages."""

    media = settings.MEDIA_URL
    return url.startswith(media) and UPLOAD_PATH.fullmatch(url[len(media) :]) is not None


def _filter_attribute(tag: str, attribute: str, value: str) -> str | None:
    if tag == "img" and attribute == "src":
        return value if is_upload_url(value) else None
    if attribute in {"href", "src"}:
        return _safe_url(value)
    if attribute == "data-scope":
        return value if SCOPE_VALUE.match(value) else "*"
    if attribute == "id":
        return value if SAFE_ID.match(value) else None
    if attribute in {"alt", "title"}:
        return value.replace("<", "").replace(">", "")
    if attribute in {"width", "height", "start"}:
        return value if value.isdigit() and len(value) <= 5 else None
    if attribute == "align":
        return value if value in {"left", "right", "center"} else None
    if attribute == "rel":
        allowed = {"nofollow", "noopener", "noreferrer", "ugc"}
        words = [w for w in value.split() if w in allowed]
        return " ".join(words) or None
    return value


def sanitize(html: str) -> str:
    """Keep only our tags, attributes, classes and URL schemes (http, https, mailto, relative)."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        allowed_classes=ALLOWED_CLASSES,
        url_schemes=URL_SCHEMES,
        link_rel=None,
        strip_comments=True,
        attribute_filter=_filter_attribute,
        clean_content_tags={"script", "style"},
    )
