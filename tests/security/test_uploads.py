"""Image uploads through the editor (POST /markdownx/upload/, field "image"): members only,
raster images judged by their content (PNG, JPEG, WebP, GIF), re-encoded without metadata,
SVG and everything else refused, a size and a pixel limit, and a rate limit."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from nlmg.moderation.models import UploadRecord
from tests.security.conftest import logged_in

pytestmark = pytest.mark.django_db

URL = "/markdownx/upload/"
SECRET = "GPS 51.5007 -0.1246 Kathy's camera"
SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b'<script>alert(document.cookie)</script><rect width="10" height="10"/></svg>'
)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.NLMG_UPLOADS_PER_HOUR = 20
    return tmp_path / "media"


def picture(size=(64, 48)) -> Image.Image:
    image = Image.new("RGB", size, (200, 30, 30))
    for x in range(size[0]):
        image.putpixel((x, x % size[1]), (10, 10, 240))
    return image


def exif() -> Image.Exif:
    data = Image.Exif()
    data[0x010F] = "Evil Camera Co."  # Make
    data[0x0110] = "Spy 3000"  # Model
    data[0x013B] = SECRET  # Artist
    data[0x9286] = SECRET  # UserComment
    return data


def encoded(kind: str, **options) -> bytes:
    buffer = io.BytesIO()
    picture().save(buffer, format=kind, **options)
    return buffer.getvalue()


def upload(client, data: bytes, name: str, content_type: str = "image/png"):
    return client.post(URL, {"image": SimpleUploadedFile(name, data, content_type=content_type)})


def stored_files(media: Path) -> list[Path]:
    return sorted(p for p in media.rglob("*") if p.is_file()) if media.exists() else []


def assert_accepted(response, media: Path, extension: str) -> Path:
    assert response.status_code == 200, response.content
    code = response.json()["image_code"]
    assert code.startswith("![](/media/uploads/") and code.endswith(f".{extension})")
    files = stored_files(media)
    assert len(files) == 1
    assert files[0].suffix == f".{extension}"
    assert code[4:-1].endswith(files[0].name)
    return files[0]


def assert_refused(response, media: Path, status: int = 400):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    assert response.json()["image"]
    assert stored_files(media) == []


def assert_no_metadata(path: Path):
    data = path.read_bytes()
    assert SECRET.encode() not in data and b"Evil Camera" not in data
    assert b"Exif" not in data
    with Image.open(path) as image:
        assert dict(image.getexif()) == {}
        assert "comment" not in image.info and "exif" not in image.info


def test_anonymous_readers_are_sent_to_log_in(client, media):
    response = upload(client, encoded("PNG"), "a.png")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/markdownx/upload/")
    assert stored_files(media) == []


def test_suspended_members_are_refused(suspended_member, media):
    assert_refused(upload(logged_in(suspended_member), encoded("PNG"), "a.png"), media, 403)


@pytest.mark.parametrize(
    ("kind", "name", "extension", "options"),
    [
        ("PNG", "a.png", "png", {}),
        ("JPEG", "a.jpg", "jpg", {"quality": 90}),
        ("WEBP", "a.webp", "webp", {"quality": 90}),
        ("GIF", "a.gif", "gif", {}),
    ],
)
def test_each_raster_format_is_accepted_and_re_encoded(
    member_client, media, kind, name, extension, options
):
    original = encoded(kind, **options)
    path = assert_accepted(upload(member_client, original, name), media, extension)
    with Image.open(path) as image:
        assert image.format == kind
        assert image.size == (64, 48)
    assert UploadRecord.objects.count() == 1


@pytest.mark.parametrize(
    ("kind", "extension", "options"),
    [
        ("JPEG", "jpg", {"exif": exif(), "comment": SECRET.encode()}),
        ("PNG", "png", {"exif": exif(), "pnginfo": "text"}),
        ("WEBP", "webp", {"exif": exif()}),
        ("GIF", "gif", {"comment": SECRET.encode()}),
    ],
)
def test_metadata_is_stripped(member_client, media, kind, extension, options):
    if options.get("pnginfo") == "text":
        from PIL.PngImagePlugin import PngInfo

        info = PngInfo()
        info.add_text("Comment", SECRET)
        info.add_text("Author", "Evil Camera Co.")
        options = {**options, "pnginfo": info}
    original = encoded(kind, **options)
    assert SECRET.encode() in original or b"Evil Camera" in original
    path = assert_accepted(upload(member_client, original, f"photo.{extension}"), media, extension)
    assert_no_metadata(path)


def test_an_animated_gif_keeps_its_frames_but_not_its_comment(member_client, media):
    frames = [picture(), picture().rotate(90, expand=False)]
    buffer = io.BytesIO()
    frames[0].save(
        buffer, format="GIF", save_all=True, append_images=frames[1:], comment=SECRET.encode()
    )
    path = assert_accepted(upload(member_client, buffer.getvalue(), "a.gif"), media, "gif")
    with Image.open(path) as image:
        assert image.n_frames == 2
    assert_no_metadata(path)


def test_a_scripted_svg_is_refused(member_client, media):
    assert_refused(upload(member_client, SVG, "drawing.svg", "image/svg+xml"), media)


def test_an_svg_named_png_is_refused(member_client, media):
    assert_refused(upload(member_client, SVG, "innocent.png", "image/png"), media)


def test_a_png_named_svg_is_accepted_as_a_png(member_client, media):
    assert_accepted(
        upload(member_client, encoded("PNG"), "drawing.svg", "image/svg+xml"), media, "png"
    )


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (b"<html><script>alert(1)</script></html>", "page.png"),
        (b"GIF89a<script>alert(1)</script>", "poly.gif"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "broken.png"),
        (b"%PDF-1.4 evil", "doc.jpg"),
        (b"", "empty.png"),
        (b"BM" + b"\x00" * 60, "bitmap.png"),  # a BMP header: a raster format we do not take
    ],
    ids=["html", "gif-magic-then-script", "truncated-png", "pdf", "empty", "bmp"],
)
def test_anything_that_is_not_one_of_the_four_formats_is_refused(member_client, media, data, name):
    assert_refused(upload(member_client, data, name), media)


def test_a_script_appended_to_a_real_image_does_not_survive(member_client, media):
    data = encoded("PNG") + b"<script>alert(1)</script>"
    path = assert_accepted(upload(member_client, data, "a.png"), media, "png")
    assert b"<script" not in path.read_bytes()


def test_an_over_size_file_is_refused(member_client, media, settings):
    data = encoded("PNG") + b"\x00" * (settings.MARKDOWNX_UPLOAD_MAX_SIZE + 1)
    response = upload(member_client, data, "big.png")
    assert_refused(response, media)
    assert "at most" in response.json()["image"][0]


def png_header_only(width: int, height: int) -> bytes:
    """A valid PNG that says it is width x height (the pixel data is a few bytes)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body))
            + kind
            + body
            + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize(
    ("width", "height"),
    [(50_000, 50_000), (100_000, 3), (8_000, 8_000)],
    ids=["decompression bomb", "absurd width", "over the pixel limit"],
)
def test_a_decompression_bomb_is_refused(member_client, media, width, height):
    import time

    started = time.monotonic()
    response = upload(member_client, png_header_only(width, height), "bomb.png")
    assert time.monotonic() - started < 10
    assert_refused(response, media)


def test_uploads_over_the_hourly_limit_are_refused_with_429(member_client, media, settings):
    settings.NLMG_UPLOADS_PER_HOUR = 3
    for n in range(3):
        assert upload(member_client, encoded("PNG"), f"{n}.png").status_code == 200
    response = upload(member_client, encoded("PNG"), "4.png")
    assert response.status_code == 429
    assert "3 images an hour" in response.json()["image"][0]
    assert len(stored_files(media)) == 3


def test_the_limit_is_per_member(member_client, other_member, media, settings):
    settings.NLMG_UPLOADS_PER_HOUR = 1
    assert upload(member_client, encoded("PNG"), "a.png").status_code == 200
    assert upload(logged_in(other_member), encoded("PNG"), "b.png").status_code == 200
    assert upload(member_client, encoded("PNG"), "c.png").status_code == 429


def test_an_upload_needs_a_post_with_an_image(member_client, media):
    assert member_client.get(URL).status_code == 405
    assert_refused(member_client.post(URL, {}), media)
    assert_refused(member_client.post(URL, {"image": "not a file"}), media)


def test_a_huge_image_is_scaled_down(member_client, media):
    buffer = io.BytesIO()
    Image.new("RGB", (3000, 2000), (1, 2, 3)).save(buffer, format="PNG")
    path = assert_accepted(upload(member_client, buffer.getvalue(), "wide.png"), media, "png")
    with Image.open(path) as image:
        assert max(image.size) <= 1600
