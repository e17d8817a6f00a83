from .article import Article, ArticleKind, ArticleRedirect
from .links import ArticleLink
from .revision import Revision
from .search import SearchSegment

__all__ = [
    "Article",
    "ArticleKind",
    "ArticleLink",
    "ArticleRedirect",
    "Revision",
    "SearchSegment",
]
