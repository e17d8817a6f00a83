"""What the browser tests and `make screenshots` share: launching Debian's chromium through
Playwright, logging in, the progress picker, axe-core, and a small spoiler-tagged article."""

from __future__ import annotations

from pathlib import Path

try:  # the dev extra installs playwright; without it the browser tests are skipped
    from playwright.sync_api import expect, sync_playwright
except ImportError:  # pragma: no cover
    expect = sync_playwright = None

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
PHONE = {"width": 375, "height": 740}
DESKTOP = {"width": 1280, "height": 860}

# Spoiler-tagged text for an article whose sections unlock at novel chapters 3, 12 and 22.
SPOILER_ARTICLE = {
    "title": "The Pavilion",
    "kind": "place",
    "scope": "",
    "lead": "The sports pavilion is where Kathy's friends gather to watch the boys play.",
    "body": (
        "The pavilion stands at the edge of the playing fields.\n\n"
        "## Early days\n\n"
        "::: spoiler novel:3\n"
        "Ruth and her friends watch the football from the pavilion windows.\n"
        ":::\n\n"
        "## Later years\n\n"
        "::: spoiler novel:12\n"
        "Kathy remembers the pavilion when she is far away from it.\n"
        ":::\n\n"
        "## Much later\n\n"
        "::: spoiler novel:22\n"
        "Kathy and Tommy talk about the pavilion at the very end.\n"
        ":::\n"
    ),
    "infobox": {},
    "tags": "hailsham",
}
REACHED_TEXTS = [
    "Ruth and her friends watch the football",
    "Kathy remembers the pavilion",
]
LATER_TEXT = "Kathy and Tommy talk about the pavilion"


def skip_reason() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    if sync_playwright is None:
        return "the playwright package is not installed (pip install -e '.[dev]')"
    if not CHROMIUM.exists():
        return f"chromium not found at {CHROMIUM} (apt-get install chromium to run them)"
    return None


def launch_browser(playwright):
    return playwright.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
    )


def save_article(content=None, *, featured=False):
    """An article through wiki.services.save_revision (its first revision)."""
    from wiki.models import Article
    from wiki.services import save_revision

    revision = save_revision(
        article=None,
        author=None,
        author_name="nlmg tests",
        content=dict(content or SPOILER_ARTICLE),
        summary="First version",
    )
    if featured:
        Article.objects.filter(pk=revision.article_id).update(is_featured=True)
    return Article.objects.get(pk=revision.article_id)


def make_moderator(username="miss-emily", **fields):
    from django.contrib.auth.models import Group

    from tests.factories import make_user

    user = make_user(username=username, **fields)
    user.groups.add(Group.objects.get(name="Moderators"))
    return user


def log_in(context, user, base_url: str) -> None:
    """Give a browser context the session cookie of ``user`` (a log-in without the form)."""
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": base_url}]
    )


def set_progress(page, choices: dict[str, str]) -> None:
    """Open the header's progress picker, choose a point per work and save."""
    picker = page.locator("details.progress-details")
    if picker.get_attribute("open") is None:
        picker.locator("summary").click()
    for work, point in choices.items():
        picker.locator(f"select#progress-{work}").select_option(point)
    with page.expect_navigation():
        picker.get_by_role("button", name="Save progress").click()


def type_in_editor(page, text: str, selector: str = "textarea#id_body") -> None:
    """Replace a markdownx textarea's text the way a person would (so its preview updates)."""
    box = page.locator(selector)
    box.click()
    box.press("Control+a")
    box.press("Delete")
    box.press_sequentially(text, delay=2)


def run_axe(page) -> list[dict]:
    """axe-core's violations on the current page (WCAG 2.x A/AA and best practices)."""
    if page.evaluate("typeof window.axe") == "undefined":
        page.add_script_tag(path=str(AXE_JS))
    return page.evaluate(
        """async () => {
            const results = await axe.run(document, {
                resultTypes: ["violations"],
                runOnly: {type: "tag", values: [
                    "wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]},
            });
            return results.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => ({target: n.target, summary: n.failureSummary})),
            }));
        }"""
    )


def serious(violations: list[dict]) -> list[dict]:
    return [v for v in violations if v["impact"] in ("serious", "critical")]


def describe(violations: list[dict]) -> str:
    """One line per offending element: rule, impact, selector and axe's reason."""
    lines = []
    for v in violations:
        lines.append(f"  {v['id']} ({v['impact']}): {v['help']}")
        for node in v["nodes"][:8]:
            reason = " ".join(node["summary"].split())[:300]
            lines.append(f"    {' '.join(map(str, node['target']))}: {reason}")
    return "\n".join(lines)


CANON_SAMPLE = ("hailsham.md", "kathy-h.md", "ruth-c.md", "tommy-d.md", "the-sales.md")


def load_canon_sample(names=CANON_SAMPLE):
    """A few canon articles (wiki/canon/) saved with wiki.services.save_revision, featured as
    in the canon; their links to the articles left out are red links."""
    from wiki.canon import CANON_DIR, parse_file
    from wiki.models import Article
    from wiki.services import save_revision

    articles = []
    for name in names:
        canon = parse_file(CANON_DIR / name)
        revision = save_revision(
            article=None,
            author=None,
            author_name="nlmg canon",
            content=canon.content(),
            summary="Canon article loaded from wiki/canon/",
            record_lint=False,
        )
        Article.objects.filter(pk=revision.article_id).update(is_featured=canon.featured)
        articles.append(revision.article)
    return articles


def build_site(*, whole_canon=False):
    """The content the page checks and screenshots look at: canon articles, a threaded
    discussion with a nested reply, and a flagged post waiting in the moderation queue.
    Returns the people and objects by name."""
    from discussions.models import Board
    from discussions.services import reply_to_thread, start_thread
    from nlmg.moderation.services import flag_content
    from tests.factories import make_user
    from wiki.canon import load_canon
    from wiki.models import Article

    if whole_canon:
        load_canon()
    else:
        load_canon_sample()
    kathy = make_user(username="kathy", display_name="Kathy H.")
    ruth = make_user(username="ruth", display_name="Ruth C.")
    tommy = make_user(username="tommy", display_name="Tommy D.")
    moderator = make_moderator(display_name="Miss Emily")
    hailsham = Article.objects.get(title="Hailsham")
    thread = start_thread(
        board=Board.objects.get(slug="the-novel"),
        author=kathy,
        title="The Sales and what we hoped to find",
        body=(
            "Does anyone else remember how much the [[Hailsham]] Sales meant to Kathy?\n\n"
            "What I hoped for most was a new pencil case. >![novel:6] Kathy finds her tape "
            "at a Sale!<\n"
        ),
        tags=["hailsham", "sales"],
        articles=[hailsham],
        lint_acknowledged=True,
    )
    first = reply_to_thread(
        thread=thread,
        author=ruth,
        body="The Sales were everything. We spent weeks planning what to buy.\n",
        lint_acknowledged=True,
    )
    nested = reply_to_thread(
        thread=thread,
        author=tommy,
        parent=first,
        body="I never found anything good, but I liked the queue.\n",
        lint_acknowledged=True,
    )
    spam = reply_to_thread(
        thread=thread,
        author=make_user(username="keffers"),
        body="Cheap cassettes, call now, best prices in Norfolk.\n",
        lint_acknowledged=True,
    )
    flag_content(target=spam, reporter=kathy, reason="spam", note="An advert, not a post.")
    return {
        "kathy": kathy,
        "ruth": ruth,
        "tommy": tommy,
        "moderator": moderator,
        "article": hailsham,
        "thread": thread,
        "reply": first,
        "nested": nested,
        "spam": spam,
    }
