from django.shortcuts import render


def board_index(request):
    return render(request, "discussions/board_list.html")
