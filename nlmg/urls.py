from django.conf import settings
from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path

from discussions import views as discussions_views
from wiki import views as wiki_views
from wiki.sitemaps import ArticleSitemap

from . import editor, views

handler400 = "nlmg.errors.bad_request"
handler500 = "nlmg.errors.server_error"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("", include("nlmg.accounts.urls")),
    path("", include("nlmg.spoilers.urls")),
    path("wiki/", include("wiki.urls")),
    path("search/", wiki_views.search, name="search"),
    path("search/suggest/", wiki_views.suggest, name="search-suggest"),
    path(
        "sitemap.xml",
        sitemap,
        {"sitemaps": {"articles": ArticleSitemap}},
        name="django.contrib.sitemaps.views.sitemap",
    ),
    path("discussions/", include("discussions.urls")),
    path("notifications/", discussions_views.notifications, name="notifications"),
    path("notifications/read/", discussions_views.notifications_read, name="notifications-read"),
    path("moderation/", include("nlmg.moderation.urls")),
    path("markdownx/markdownify/", editor.preview, name="markdownx_markdownify"),
    path("markdownx/upload/", editor.upload, name="markdownx_upload"),
    path("markdownx/wrap/", editor.wrap, name="editor-wrap"),
    path("admin/", admin.site.urls),
]

if settings.NLMG_BENCH_VIEWS:
    from . import bench_views

    urlpatterns.append(path("bench/ceiling/", bench_views.ceiling, name="bench-ceiling"))

if settings.STORAGES["default"]["BACKEND"] == "django.core.files.storage.FileSystemStorage":
    # Uploads on the file system are served by the site in every mode (nlmg/media.py).
    from . import media

    urlpatterns.append(
        path(f"{settings.MEDIA_URL.strip('/')}/<path:name>", media.serve_upload, name="media")
    )
