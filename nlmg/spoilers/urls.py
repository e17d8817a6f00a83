from django.urls import path

from . import views

app_name = "spoilers"

urlpatterns = [
    path("progress/", views.progress, name="progress"),
    path("spoilers/<slug:source>/<int:pk>/<slug:field>/<int:n>/", views.spoiler, name="spoiler"),
]
