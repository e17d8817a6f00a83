"""The ceiling for `make bench`: the least a Django page can do on this machine (a small
template, no database). Mounted only when NLMG_BENCH_VIEWS is set."""

from django.shortcuts import render


def ceiling(request):
    return render(request, "bench/ceiling.html", {"items": range(10)})
