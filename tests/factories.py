"""Small builders for test objects."""

from itertools import count

from django.contrib.auth import get_user_model

_numbers = count(1)


def make_user(*, username=None, password="a-long-test-passphrase-42", **fields):
    username = username or f"member{next(_numbers)}"
    fields.setdefault("email", f"{username}@example.org")
    user = get_user_model().objects.create_user(username=username, password=password, **fields)
    return user


def grant_perms(user, *perm_names):
    """Give ``user`` permissions named "app_label.codename" and return it fresh from the DB."""
    from django.contrib.auth.models import Permission

    for name in perm_names:
        app_label, codename = name.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    return get_user_model().objects.get(pk=user.pk)


def make_article(
    *,
    title="Hailsham",
    body="Hailsham is a school in the English countryside.\n",
    author=None,
    kind="place",
    lead=None,
    scope="",
    infobox=None,
    tags="",
    summary="First version",
):
    """A wiki article saved through wiki.services.save_revision (its first revision)."""
    from wiki.services import save_revision

    revision = save_revision(
        article=None,
        author=author,
        author_name="" if author else "factory",
        content={
            "title": title,
            "kind": kind,
            "scope": scope,
            "lead": lead if lead is not None else f"{title} is part of the story.",
            "body": body,
            "infobox": infobox or {},
            "tags": tags,
        },
        summary=summary,
    )
    article = revision.article
    article.refresh_from_db()
    return article


def edit_article(article, *, author=None, summary="An edit", **changes):
    """A new revision of ``article`` with ``changes`` applied to its current content."""
    from wiki.models import Article
    from wiki.services import save_revision

    article = Article.objects.select_related("current_revision").get(pk=article.pk)
    content = {**article.current_revision.content(), **changes}
    revision = save_revision(
        article=article,
        author=author,
        author_name="" if author else "factory",
        content=content,
        summary=summary,
    )
    article.refresh_from_db()
    return revision


def make_board(*, slug=None, name=None, description="A board for tests.", order=100):
    from discussions.models import Board

    number = next(_numbers)
    slug = slug or f"board-{number}"
    return Board.objects.create(
        slug=slug, name=name or f"Board {number}", description=description, order=order
    )


def make_thread(
    *,
    board=None,
    author=None,
    title=None,
    body="What did you make of the opening chapters?",
    scope="",
    tags=None,
    articles=(),
):
    """A thread started through discussions.services.start_thread."""
    from discussions.models import Board
    from discussions.services import start_thread

    return start_thread(
        board=board or Board.objects.get(slug="the-novel"),
        author=author or make_user(),
        title=title or f"Thread {next(_numbers)}",
        body=body,
        scope=scope,
        tags=tags,
        articles=articles,
    )


def make_post(*, thread, author=None, body=None, parent=None, scope=""):
    """A reply through discussions.services.reply_to_thread (to ``parent`` when given)."""
    from discussions.services import reply_to_thread

    return reply_to_thread(
        thread=thread,
        author=author or make_user(),
        body=body or f"Reply number {next(_numbers)}.",
        parent=parent,
        scope=scope,
    )


def add_revisions(article, count, *, author=None):
    """``count`` more revisions of ``article`` in a few queries (bulk), each an edit summary on
    the same content, numbered and parented in order; the article points at the last one."""
    from django.db.models import F

    from wiki.models import Article, Revision

    article = Article.objects.select_related("current_revision").get(pk=article.pk)
    current = article.current_revision
    fields = {
        f.attname: getattr(current, f.attname)
        for f in Revision._meta.concrete_fields
        if f.attname not in ("id", "number", "parent_id", "summary", "summary_html", "created_at")
    }
    fields.update(author_id=author.pk if author else None, size_change=0)
    if author:
        fields["author_name"] = author.username
    revisions = Revision.objects.bulk_create(
        [
            Revision(
                **fields,
                number=current.number + i,
                summary=f"Copy-edit {current.number + i}",
                summary_html=f"Copy-edit {current.number + i}",
            )
            for i in range(1, count + 1)
        ]
    )
    previous = current
    for revision in revisions:
        revision.parent_id = previous.pk
        previous = revision
    Revision.objects.bulk_update(revisions, ["parent_id"], batch_size=500)
    Article.objects.filter(pk=article.pk).update(
        current_revision=revisions[-1], revision_count=F("revision_count") + count
    )
    article.refresh_from_db()
    return article


def add_backlinks(article, count, *, kind="character"):
    """``count`` new articles whose text links to ``article``, built in bulk from one article
    saved normally (so their revisions, links and search text are as save_revision makes them)."""
    from django.db import connection

    from wiki.models import Article, ArticleLink, Revision, SearchSegment
    from wiki.models.article import article_slug

    template = make_article(
        title=f"Linker to {article.title}",
        kind=kind,
        body=f"This article links to [[{article.title}]].\n",
    )
    revision = template.current_revision
    titles = [f"Linker {n} to {article.title}" for n in range(2, count + 1)]
    sources = Article.objects.bulk_create(
        [
            Article(title=t, slug=article_slug(t), kind=template.kind, lead=template.lead)
            for t in titles
        ]
    )
    keep = {f.attname: getattr(revision, f.attname) for f in Revision._meta.concrete_fields}
    for name in ("id", "article_id", "title", "created_at"):
        keep.pop(name)
    revisions = Revision.objects.bulk_create(
        [Revision(**keep, article=s, title=s.title) for s in sources]
    )
    for source, source_revision in zip(sources, revisions, strict=True):
        source.current_revision = source_revision
        source.revision_count = 1
    Article.objects.bulk_update(sources, ["current_revision", "revision_count"])
    ArticleLink.objects.bulk_create(
        [ArticleLink(source=s, target=article, target_title=article.title) for s in sources]
    )
    segments = list(SearchSegment.objects.filter(article=template).exclude(weight="A"))
    SearchSegment.objects.bulk_create(
        [SearchSegment(article=s, position=0, weight="A", text=s.title) for s in sources]
        + [
            SearchSegment(
                article=s,
                position=seg.position,
                weight=seg.weight,
                text=seg.text,
                scope1=seg.scope1,
                scope2=seg.scope2,
                scope3=seg.scope3,
            )
            for s in sources
            for seg in segments
        ]
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE wiki_searchsegment SET vector = setweight(to_tsvector('english', text), "
            'weight::"char") WHERE article_id = ANY(%s)',
            [[s.pk for s in sources]],
        )
    return [template, *sources]


def make_board_thread(
    *,
    author,
    board="the-novel",
    title="Kathy and the tape",
    body="The scene with the cassette in the dormitory.\n",
    scope="",
):
    """A discussion thread with its opening post, through discussions.services.start_thread."""
    from discussions.models import Board
    from discussions.services import start_thread

    return start_thread(
        board=Board.objects.get(slug=board),
        author=author,
        title=title,
        body=body,
        scope=scope,
        lint_acknowledged=True,
    )


def make_thread_reply(thread, *, author, body="A reply.\n", parent=None, scope=""):
    """A reply in ``thread`` (to ``parent`` when given), through reply_to_thread."""
    from discussions.services import reply_to_thread

    return reply_to_thread(
        thread=thread, author=author, body=body, parent=parent, scope=scope, lint_acknowledged=True
    )
