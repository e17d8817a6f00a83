"""Uploaded images served by the site itself, when they are kept on the file system (the
default; any number of app servers may share MEDIA_ROOT over a network file system). With S3
storage (AWS_STORAGE_BUCKET_NAME) their addresses point at the bucket instead, and this view is
not routed.

Only the names the editor gives (uploads/YYYY/MM/<32 hex>.<png|jpg|webp|gif>) are served, with a
content type from that checked extension, ``nosniff``, ``Content-Disposition: inline`` with the
file's name, a sandboxing Content-Security-Policy, and a year's cache lifetime (a name is never
reused)."""

from __future__ import annotations

import re

from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.views.decorators.http import require_safe

UPLOAD_NAME = re.compile(r"uploads/\d{4}/\d{2}/[0-9a-f]{32}\.(png|jpg|webp|gif)")
CONTENT_TYPES = {"png": "image/png", "jpg": "image/jpeg", "webp": "image/webp", "gif": "image/gif"}


@require_safe
def serve_upload(request, name: str):
    match = UPLOAD_NAME.fullmatch(name)
    if match is None:
        raise Http404("No such upload.")
    try:
        handle = default_storage.open(name, "rb")
    except (OSError, SuspiciousFileOperation):
        raise Http404("No such upload.") from None
    response = FileResponse(handle, content_type=CONTENT_TYPES[match.group(1)])
    response["Content-Disposition"] = f'inline; filename="{name.rsplit("/", 1)[-1]}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    return response
