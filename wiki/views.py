from django.shortcuts import render


def article_index(request):
    return render(request, "wiki/article_index.html")
