from django.urls import path

from . import views

app_name = "wiki"

urlpatterns = [
    path("", views.article_index, name="index"),
]
