"""Tilskot's URLs plus the ceiling: a trivial view that does nothing but answer.

``bench/ping/`` comes first: ``tilskot.urls`` ends with ``<slug:community>/``, and the
community middleware resolves the path before the view runs. A path that matches no community
pattern never reaches the community lookup, so the ping costs no query.
"""

from django.http import HttpResponse
from django.urls import include, path


def ping(request):
    return HttpResponse(b"pong", content_type="text/plain")


urlpatterns = [
    path("bench/ping/", ping, name="bench_ping"),
    path("", include("tilskot.urls")),
]
