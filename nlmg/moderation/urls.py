from django.urls import path

from . import views

app_name = "moderation"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("flag/", views.flag, name="flag"),
    path("act/", views.act, name="act"),
    path("log/", views.log, name="log"),
    path("log/<int:pk>/undo/", views.undo, name="undo"),
    path("members/<str:username>/", views.member, name="member"),
    path("warnings/<int:pk>/ack/", views.acknowledge_warning, name="warning-ack"),
]
