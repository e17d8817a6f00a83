from django.urls import path

from . import views

app_name = "spoilers"

urlpatterns = [
    path("progress/", views.progress, name="progress"),
]
