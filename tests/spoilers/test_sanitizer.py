"""Hostile input: nothing executable or styling survives the render, the gate or the preview.

Payloads gathered from the OWASP XSS filter evasion cheat sheet, the html5sec.org vectors,
Markdown-specific tricks (reference links, autolinks, titles, fences) and our own markup
(spoilers, their scopes, wiki links). Raw HTML is shown as text by the renderer, so most of
them end up as harmless text; the test checks the parsed HTML, not the wording.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from nlmg.spoilers.markup.gating import gate
from nlmg.spoilers.markup.preview import markdownify_preview
from nlmg.spoilers.markup.render import render
from tests.spoilers.helpers import CATALOGUE, EVERYTHING, NOTHING, resolver

SCRIPTS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=http://xss.example/xss.js></SCRIPT>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    '<script/xss src="http://xss.example/x.js"></script>',
    '<<script>alert("XSS");//<</script>',
    "<script>alert(String.fromCharCode(88,83,83))</script>",
    '</TITLE><SCRIPT>alert("XSS");</SCRIPT>',
    "<svg><script>alert(1)</script></svg>",
    "<math><mtext><script>alert(1)</script></mtext></math>",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "<template><script>alert(1)</script></template>",
    '<script type="text/javascript">javascript:alert(1);</script>',
    "<script\x0c>alert(1)</script>",
    "<scr\u0131pt>alert(1)</scr\u0131pt>",
    "\uff1cscript\uff1ealert(1)\uff1c/script\uff1e",
]

EVENT_HANDLERS = [
    "<img src=x onerror=alert(1)>",
    '<IMG SRC=/ onerror="alert(String.fromCharCode(88,83,83))"></img>',
    "<body onload=alert(1)>",
    '<div onmouseover="alert(1)">hover</div>',
    '<a onclick="alert(1)">x</a>',
    "<input autofocus onfocus=alert(1)>",
    "<details open ontoggle=alert(1)>",
    '<video><source onerror="alert(1)">',
    "<marquee onstart=alert(1)>",
    '<img src="x" onerror  =  "alert(1)">',
    "<img/src/onerror=alert(1)>",
    "<summary onclick=alert(1)>x</summary>",
    "<frameset onload=alert(1)>",
]

SCHEMES = [
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](javascript&#58;alert(1))",
    "[click](&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1))",
    "[click](&#x6A;avascript:alert(1))",
    "[click](&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114&#0000105"
    "&#0000112&#0000116&#0000058alert(1))",
    "[click]( javascript:alert(1))",
    "[click](<javascript:alert(1)>)",
    "[click](java\tscript:alert(1))",
    "[click](<java\nscript:alert(1)>)",
    "[click](<java\rscript:alert(1)>)",
    "[click](<\tjavascript:alert(1)>)",
    "[click](jav&#x09;ascript:alert(1))",
    "[click](&Tab;javascript:alert(1))",
    "[click](javascript&colon;alert(1))",
    "[click](\x01javascript:alert(1))",
    "[click](\x0bjavascript:alert(1))",
    "[click](javascript://%0Aalert(1))",
    '[click](javascript:alert(1) "a title")',
    "[click](vbscript:msgbox(1))",
    "[click](VBScript:msgbox(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[click](DATA:text/html,<script>alert(1)</script>)",
    "[click](%6A%61%76%61%73%63%72%69%70%74:alert(1))",
    "[click](\\javascript:alert(1))",
    "[click](java\u00adscript:alert(1))",
    "[\u202eedoc](javascript:alert(1))",
    "![img](javascript:alert(1))",
    "![img](data:image/svg+xml;base64,PHN2Zz48c2NyaXB0PmFsZXJ0KDEpPC9zY3JpcHQ+PC9zdmc+)",
    "![img](vbscript:alert(1))",
    '![img](data:image/png;base64,iVBORw0KGgo= "data image")',
    "[a][r]\n\n[r]: javascript:alert(1)",
    "[a][r]\n\n[r]: data:text/html,hi",
    "![a][r]\n\n[r]: javascript:alert(1)",
    "[r]\n\n[r]: vbscript:x",
    "[r][]\n\n[r]: JAVASCRIPT:alert(1)",
    "<javascript:alert(1)>",
    "<JAVASCRIPT:alert(1)>",
    "<data:text/html,<script>alert(1)</script>>",
    "<vbscript:msgbox>",
    "<mailto:a@example.org?body=<script>alert(1)</script>>",
    "[![x](javascript:alert(1))](javascript:alert(1))",
    '[x](#" onclick="alert(1))',
]

RAW_ELEMENTS = [
    '<a href="&#106;avascript:alert(1)">x</a>',
    '<a href="jAvAsCrIpT:alert(1)">x</a>',
    '<iframe src="javascript:alert(1)"></iframe>',
    '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    '<object data="javascript:alert(1)"></object>',
    '<embed src="data:text/html,<script>alert(1)</script>">',
    '<form action="javascript:alert(1)"><input type=submit></form>',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<base href="javascript:alert(1)//">',
    "<style>body{background:url(javascript:alert(1))}</style>",
    '<link rel=stylesheet href="javascript:alert(1)">',
    "<svg onload=alert(1)>",
    '<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>',
    '<math href="javascript:alert(1)">CLICK</math>',
    '<button formaction="javascript:alert(1)">x</button>',
    "<isindex action=javascript:alert(1) type=image>",
    '<table background="javascript:alert(1)"><tr><td>x</td></tr></table>',
    '<img dynsrc="javascript:alert(1)"><img lowsrc="javascript:alert(1)">',
    '<bgsound src="javascript:alert(1)">',
    "<textarea autofocus onfocus=alert(1)>",
]

CSS = [
    '<div style="background:url(javascript:alert(1))">x</div>',
    '<span style="x:expression(alert(1))">x</span>',
    '<p style="behavior:url(x.htc)">x</p>',
    '<xss style="xss:expression(alert(1))">',
    "<style>@import 'http://evil.example/x.css';</style>",
    '<div style="position:fixed;top:0;left:0;width:100%;height:100%">overlay</div>',
    'Text {: style="color:red" }',
    '# Title {: onclick="alert(1)" style="color:red" }',
    '```{.python onclick="alert(1)" style="x"}\ncode\n```',
    '```python" onclick="alert(1)\ncode\n```',
    "```javascript:alert(1)\ncode\n```",
    '<font style="color:expression(alert(1))">x</font>',
]

ATTRIBUTE_BREAKING = [
    '[x](http://example.org/" onmouseover="alert(1))',
    "[x](http://example.org/'onmouseover='alert(1))",
    '![x" onerror="alert(1)](http://example.org/a.png)',
    '![x](http://example.org/a.png "title\\" onerror=\\"alert(1)")',
    '[x](http://example.org "a\\" onclick=\\"alert(1)")',
    "[x](http://example.org 'a\" onclick=\"alert(1)')",
    '[x](http://example.org (a" onclick="alert(1)))',
    '[x][r]\n\n[r]: http://example.org "a\\" onclick=\\"alert(1)"',
    '[x](http://example.org "><script>alert(1)</script>")',
    "![<img src=x onerror=alert(1)>](http://example.org/a.png)",
    '[[Title" onclick="alert(1)]]',
    '[[Hailsham|label" onclick="alert(1)]]',
    '[[Ruth#Section" onmouseover="alert(1)|x]]',
    "[[<script>alert(1)</script>]]",
    "[[javascript:alert(1)]]",
    "[[Hailsham|<img src=x onerror=alert(1)>]]",
    "[^<script>]: x\n\ny[^<script>]",
    '[^a" onclick="alert(1)]: x\n\ny[^a" onclick="alert(1)]',
    "## <img src=x onerror=alert(1)>",
    '## " onclick="alert(1)',
]

COMMENTS_AND_NESTING = [
    "<!-- --><script>alert(1)</script><!-- -->",
    "<!--[if gte IE 4]><script>alert(1)</script><![endif]-->",
    "<![CDATA[<script>alert(1)</script>]]>",
    '<?xml version="1.0"?><script>alert(1)</script>',
    "<!-- <img src=x onerror=alert(1)> -->",
    "[<img src=x onerror=alert(1)>](http://example.org)",
    "[x](http://example.org)<img src=x onerror=alert(1)>",
    "*<script>*alert(1)*</script>*",
    "`<script>alert(1)</script>`",
    "    <script>alert(1)</script>",
    "> <script>alert(1)</script>",
    "- <img src=x onerror=alert(1)>",
    "| <script>alert(1)</script> | x |\n|---|---|\n| <svg onload=alert(1)> | y |",
    "[x](http://example.org)[^1]\n\n[^1]: <script>alert(1)</script>",
    "```\n</code></pre><script>alert(1)</script>\n```",
    "~~~html\n<script>alert(1)</script>\n~~~",
    "**[x](javascript:alert(1))**",
    "<<img src=x onerror=alert(1)>>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "\\<script>alert(1)\\</script>",
]

UNICODE = [
    "[x](java\x00script:alert(1))",
    "[x](\u200bjavascript:alert(1))",
    "[x](\uff4a\uff41\uff56\uff41\uff53\uff43\uff52\uff49\uff50\uff54:alert(1))",
    "[x](javascript\u2028:alert(1))",
    "<\x00script>alert(1)</script>",
    "\ue020" + "0\ue021forged marker\ue022 and \ue010" + "0\ue011 block",
    "[x](\x7fjavascript:alert(1))",
    "[x](\u0085javascript:alert(1))",
]

SPOILERS = [
    "::: spoiler novel:3\n<script>alert(1)</script>\n\n[x](javascript:alert(1))\n:::",
    ">![novel:3] <img src=x onerror=alert(1)>!<",
    '>![novel:3" onclick="alert(1)] x!<',
    ">![<script>alert(1)</script>] x!<",
    '::: spoiler novel:3" onmouseover="alert(1)\nx\n:::',
    "::: spoiler <img src=x onerror=alert(1)>\nx\n:::",
    ">![novel:3] [x](javascript:alert(1))!<",
    ">!<svg onload=alert(1)>!<",
    ">![novel:3] [[Hailsham|<script>alert(1)</script>]]!<",
    "[[Deferrals|>![novel:1] <img src=x onerror=alert(1)>!<]]",
    ">![novel:3] x!< <details open ontoggle=alert(1)>",
    "</details><script>alert(1)</script>",
    "</span></div><img src=x onerror=alert(1)>",
    ">![novel:3] </span></details><script>alert(1)</script>!<",
    '[x](http://example.org ">![novel:3] <script>alert(1)</script>!<")',
    "![>![novel:3] <img src=x onerror=alert(1)>!<](javascript:alert(1))",
    "<http://example.org/>![novel:1]javascript:alert(1)!<>",
    "| a | b |\n|---|---|\n| >![novel:1] <script>x | y</script>!< | z |",
    "    >![novel:1] <script>alert(1)</script>!<",
    "`>![novel:1] <script>alert(1)</script>!<`",
    ">![novel:1] [a][r]!<\n\n[r]: javascript:alert(1)",
    "::: spoiler novel:1\n[r]: javascript:alert(1)\n:::\n\n[x][r]",
    ">![novel:1] javascript:alert(1) <javascript:alert(1)>!<",
    "::: spoiler novel:1\n::: spoiler drama:2\n<iframe src=javascript:alert(1)>\n:::\n:::",
]

PAYLOADS = (
    SCRIPTS
    + EVENT_HANDLERS
    + SCHEMES
    + RAW_ELEMENTS
    + CSS
    + ATTRIBUTE_BREAKING
    + COMMENTS_AND_NESTING
    + UNICODE
    + SPOILERS
)
IDS = [f"payload-{n:03d}" for n in range(len(PAYLOADS))]

FORBIDDEN_TAGS = {
    "script", "style", "iframe", "frame", "frameset", "object", "embed", "applet", "form",
    "input", "button", "textarea", "select", "option", "meta", "base", "link", "svg", "math",
    "template", "noscript", "isindex", "bgsound", "marquee", "xss", "font", "body", "html",
}  # fmt: skip
URL_ATTRIBUTES = {
    "href", "src", "action", "formaction", "xlink:href", "background", "dynsrc", "lowsrc",
    "data", "poster", "cite", "srcset", "longdesc", "ping",
}  # fmt: skip
BAD_SCHEME = re.compile(r"^(?:javascript|data|vbscript):", re.IGNORECASE)


def url_as_browsers_read_it(value: str) -> str:
    """The WHATWG URL parser strips leading and trailing C0 controls and spaces and removes
    tabs and newlines anywhere: "\tjava\nscript:" is a javascript: URL."""
    return re.sub(r"[\t\n\r]", "", value.strip("".join(map(chr, range(0x21)))))


class SafetyChecker(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in FORBIDDEN_TAGS:
            self.problems.append(f"<{tag}> element")
        for name, value in attrs:
            value = value or ""
            if name.startswith("on"):
                self.problems.append(f"{name} handler on <{tag}>")
            if name in ("style", "srcdoc"):
                self.problems.append(f"{name} attribute on <{tag}>")
            if name in URL_ATTRIBUTES and BAD_SCHEME.match(url_as_browsers_read_it(value)):
                self.problems.append(f"{name}={value!r} on <{tag}>")

    handle_startendtag = handle_starttag


def problems(html: str) -> list[str]:
    checker = SafetyChecker()
    checker.feed(html)
    checker.close()
    found = checker.problems
    if re.search(r"<\s*script", html, re.IGNORECASE):
        found.append("<script in the source")
    return found


def test_there_are_at_least_a_hundred_payloads():
    assert len(PAYLOADS) >= 100
    assert len(set(PAYLOADS)) == len(PAYLOADS)


def test_the_checker_reads_urls_as_browsers_do():
    assert url_as_browsers_read_it(" \x01java\tscr\nipt:x\x00 ") == "javascript:x"
    assert BAD_SCHEME.match(url_as_browsers_read_it("java    script:x")) is None


def test_the_checker_catches_what_it_looks_for():
    assert problems('<a href=" JaVa\tScRiPt:x">x</a>') == ["href=' JaVa\\tScRiPt:x' on <a>"]
    assert problems('<img src="data:x" onerror="y">') == [
        "src='data:x' on <img>",
        "onerror handler on <img>",
    ]
    assert problems('<p style="x">a</p><svg></svg>') == ["style attribute on <p>", "<svg> element"]
    assert problems("<SCRIPT>") == ["<script> element", "<script in the source"]
    assert problems('<p><a href="/wiki/x/">x</a></p>') == []


@pytest.mark.parametrize("payload", PAYLOADS, ids=IDS)
def test_render_and_gate_let_nothing_executable_through(payload):
    result = render(payload, catalogue=CATALOGUE, resolver=resolver)
    outputs = {
        "stored": result.html,
        "gated at the start": gate(result.html, NOTHING, catalogue=CATALOGUE),
        "gated at the end": gate(result.html, EVERYTHING, catalogue=CATALOGUE),
        "preview": gate(result.html, NOTHING, catalogue=CATALOGUE, preview=True),
    }
    for name, html in outputs.items():
        assert problems(html) == [], (name, html)


@pytest.mark.parametrize("payload", PAYLOADS, ids=IDS)
def test_payload_inside_a_spoiler_and_a_wiki_link_label_is_still_harmless(payload):
    for source in (
        f"::: spoiler novel:3\n{payload}\n:::\n",
        f"Before >![novel:3] {payload}!< after",
        f">!{payload}!<",
        f"[[Hailsham|{payload}]] and [[Deferrals|{payload}]]",
        f">![{payload}] x!<",
    ):
        html = render(source, catalogue=CATALOGUE, resolver=resolver).html
        for progress in (NOTHING, EVERYTHING):
            assert problems(gate(html, progress, catalogue=CATALOGUE)) == [], source


@pytest.mark.django_db
@pytest.mark.parametrize("payload", PAYLOADS, ids=IDS)
def test_markdownify_preview_lets_nothing_executable_through(payload):
    html = markdownify_preview(payload)
    assert problems(html) == [], html


@pytest.mark.django_db
def test_the_editor_preview_endpoint_lets_nothing_executable_through(member_client):
    url = reverse("markdownx_markdownify")
    for payload in PAYLOADS:
        response = member_client.post(url, {"content": payload})
        assert response.status_code == 200
        assert problems(response.content.decode()) == [], payload


@pytest.mark.django_db
def test_the_editor_preview_endpoint_shows_errors_escaped(member_client):
    response = member_client.post(
        reverse("markdownx_markdownify"),
        {"content": "::: spoiler <script>alert(1)</script>\nx\n:::"},
    )
    html = response.content.decode()
    assert 'class="preview-errors"' in html
    assert "&lt;script&gt;" in html
    assert problems(html) == []
