"""The portal's URLs plus the benchmark's floor: a minimal view behind the same middleware."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.urls import path

from longshan.urls import urlpatterns as portal_urlpatterns


@login_required
def minimal(request):
    """Return a few bytes to a signed-in user: what any page costs before its own work."""
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [*portal_urlpatterns, path("bench/minimal/", minimal, name="bench_minimal")]
