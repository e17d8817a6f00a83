"""The editor's endpoints (mounted where django-markdownx expects them): the live preview,
and image uploads that accept raster images only, checked by content and re-encoded."""

from __future__ import annotations

import io
import uuid
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.http import require_POST
from PIL import Image, UnidentifiedImageError

from nlmg.moderation.models import UploadRecord
from nlmg.moderation.permissions import can_contribute
from nlmg.spoilers.markup import markdownify_preview
from nlmg.spoilers.markup.wrap import wrap_in_spoiler
from nlmg.spoilers.scope import Catalogue, ScopeError

MAX_PREVIEW_CHARS = 200_000
FORMATS = {"PNG": "png", "JPEG": "jpg", "WEBP": "webp", "GIF": "gif"}
MAX_PIXELS = 40_000_000


@login_required
@require_POST
def preview(request):
    """The markdownx live preview: the site's one pipeline, spoilers open but marked."""
    content = request.POST.get("content")
    if content is None:
        return HttpResponse("Nothing to preview.", status=400)
    if len(content) > MAX_PREVIEW_CHARS:
        return HttpResponse(
            f'<p class="preview-errors">The text is too long to preview '
            f"({len(content):,} characters; at most {MAX_PREVIEW_CHARS:,}).</p>",
            status=400,
        )
    return HttpResponse(markdownify_preview(content))


@login_required
@require_POST
def wrap(request):
    """ "Wrap it" on a spoiler-lint warning: the text with that sentence in a spoiler of the
    suggested scope (checked by rendering it), or a sentence saying why not."""
    content = request.POST.get("content", "")
    term = request.POST.get("term", "").strip()
    scope = request.POST.get("scope", "").strip()
    if not term or not scope or len(content) > MAX_PREVIEW_CHARS:
        return JsonResponse({"error": "Nothing to wrap."}, status=400)
    try:
        Catalogue.current().parse(scope)
    except ScopeError as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    wrapped = wrap_in_spoiler(
        content, term=term, scope=scope, sentence=request.POST.get("sentence", "")
    )
    if wrapped is None:
        return JsonResponse(
            {"error": f"“{term}” is not used outside code and spoilers here: wrap it by hand."},
            status=422,
        )
    return JsonResponse({"content": wrapped})


def _refuse(message: str, status: int = 400) -> JsonResponse:
    return JsonResponse({"image": [message]}, status=status)


@login_required
@require_POST
def upload(request):
    """Accept PNG, JPEG, WebP or GIF (by content, not name); re-encode to drop metadata."""
    if not can_contribute(request.user):
        return _refuse("Your account cannot upload images at the moment.", 403)
    hourly = getattr(settings, "NLMG_UPLOADS_PER_HOUR", 20)
    since = timezone.now() - timedelta(hours=1)
    if UploadRecord.objects.filter(user=request.user, created_at__gte=since).count() >= hourly:
        return _refuse(f"You can upload {hourly} images an hour; please wait a little.", 429)
    upload_file = request.FILES.get("image")
    if upload_file is None:
        return _refuse("Choose an image to upload.")
    limit = settings.MARKDOWNX_UPLOAD_MAX_SIZE
    if upload_file.size > limit:
        return _refuse(f"Images can be at most {limit // (1024 * 1024)} MB.")
    data = upload_file.read(limit + 1)
    try:
        with Image.open(io.BytesIO(data)) as probe:
            kind = probe.format
            probe.verify()
        if kind not in FORMATS:
            raise UnidentifiedImageError(kind)
        image = Image.open(io.BytesIO(data))
        if image.width * image.height > MAX_PIXELS:
            return _refuse("That image has too many pixels.")
        output = io.BytesIO()
        _reencode(image, kind, output)
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        return _refuse("Only PNG, JPEG, WebP and GIF images can be uploaded (SVG is refused).")
    name = f"uploads/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.{FORMATS[kind]}"
    saved = default_storage.save(name, ContentFile(output.getvalue()))
    UploadRecord.objects.create(user=request.user, path=saved, size=len(output.getvalue()))
    url = default_storage.url(saved)
    return JsonResponse({"image_code": f"![]({url})"})


# Image.info entries that only say how to show the pixels; everything else (EXIF, comments,
# text chunks, ICC and XMP profiles) is metadata and is dropped.
DISPLAY_INFO = {"transparency", "background", "duration", "loop", "disposal"}


def _reencode(image: Image.Image, kind: str, output: io.BytesIO) -> None:
    """Save the pixels again, without EXIF, comments or other metadata. (Pillow would carry a
    JPEG or GIF comment over from ``image.info``, so it is cleared and an empty one given.)"""
    max_side = settings.MARKDOWNX_IMAGE_MAX_SIZE["size"][0]
    if kind == "GIF" and getattr(image, "is_animated", False):
        image.info = {k: v for k, v in image.info.items() if k in DISPLAY_INFO}
        image.save(output, format="GIF", save_all=True, optimize=True, comment=b"")
        return
    image = image.copy()
    image.info = {k: v for k, v in image.info.items() if k in DISPLAY_INFO}
    image.thumbnail((max_side, max_side))
    if kind == "JPEG":
        image = image.convert("RGB")
        image.info = {}
        image.save(output, format="JPEG", quality=88, optimize=True, comment=b"")
    elif kind == "WEBP":
        image.save(output, format="WEBP", quality=88)
    elif kind == "GIF":
        image.save(output, format="GIF", comment=b"")
    else:
        image.save(output, format=kind)
