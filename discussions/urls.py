from django.urls import path

from . import views

app_name = "discussions"

urlpatterns = [
    path("", views.board_index, name="index"),
    path("new/", views.thread_create, name="thread-create"),
    path("t/<int:pk>-<slug:slug>/", views.thread_detail, name="thread"),
    path("t/<int:pk>-<slug:slug>/p/<int:post_pk>/", views.thread_subtree, name="subtree"),
    path("t/<int:pk>/reply/", views.reply, name="reply"),
    path("t/<int:pk>/follow/", views.thread_follow, name="thread-follow"),
    path("t/<int:pk>/moderate/", views.thread_moderate, name="thread-moderate"),
    path("post/<int:pk>/moderate/", views.post_moderate, name="post-moderate"),
    path("post/<int:pk>/", views.post_permalink, name="post"),
    path("post/<int:pk>/edit/", views.post_edit, name="post-edit"),
    path("post/<int:pk>/history/", views.post_history, name="post-history"),
    path("post/<int:pk>/delete/", views.post_delete, name="post-delete"),
    path("post/<int:pk>/like/", views.post_like, name="post-like"),
    path("<slug:board>/", views.board_detail, name="board"),
]
