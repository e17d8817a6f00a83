"""Authentication that reads the member from the shared cache on reading requests."""

from django.contrib import auth
from django.contrib.auth.middleware import AuthenticationMiddleware
from django.utils.functional import SimpleLazyObject

from .backends import reading_request

READING_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _member_for_reading(request):
    if not hasattr(request, "_cached_user"):
        token = reading_request.set(True)
        try:
            request._cached_user = auth.get_user(request)
        finally:
            reading_request.reset(token)
    return request._cached_user


class CachedMemberAuthenticationMiddleware(AuthenticationMiddleware):
    """Django's AuthenticationMiddleware; on GET and HEAD the member comes from the cache
    (CachedPermissionsBackend.get_user), on every other method from the database."""

    def process_request(self, request):
        super().process_request(request)
        if request.method in READING_METHODS:
            request.user = SimpleLazyObject(lambda: _member_for_reading(request))
