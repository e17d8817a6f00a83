from django.urls import path

from . import feeds, views

app_name = "wiki"

urlpatterns = [
    path("", views.article_index, name="index"),
    path("new/", views.article_create, name="article-create"),
    path("recent/", views.recent_changes, name="recent"),
    path("feeds/recent/", feeds.RecentChangesFeed(), name="recent-feed"),
    path("kind/<slug:kind>/", views.kind_index, name="kind"),
    path("tag/<str:tag>/", views.tag_index, name="tag"),  # taggit slugs may be unicode
    path("<slug:slug>/", views.article_detail, name="article"),
    path("<slug:slug>/edit/", views.article_edit, name="article-edit"),
    path("<slug:slug>/history/", views.article_history, name="article-history"),
    path("<slug:slug>/diff/", views.article_diff, name="article-diff"),
    path("<slug:slug>/links/", views.article_links, name="article-links"),
    path("<slug:slug>/feed/", feeds.ArticleHistoryFeed(), name="article-feed"),
    path("<slug:slug>/protect/", views.article_protect, name="article-protect"),
    path("<slug:slug>/feature/", views.article_feature, name="article-feature"),
    path("<slug:slug>/delete/", views.article_delete, name="article-delete"),
    path("<slug:slug>/revisions/<int:number>/", views.revision_detail, name="revision"),
    path("<slug:slug>/revisions/<int:number>/undo/", views.revision_undo, name="revision-undo"),
    path(
        "<slug:slug>/revisions/<int:number>/revert/", views.revision_revert, name="revision-revert"
    ),
]
