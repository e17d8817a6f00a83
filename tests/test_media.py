"""Uploaded images in production: the file system by default, served by the site with safe
headers, or S3-compatible object storage configured from the environment (django-storages;
here an in-process S3 from moto). Serving under gunicorn on two app servers is tested in
tests/test_two_servers.py."""

from __future__ import annotations

import io

import boto3
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from moto import mock_aws
from PIL import Image

from nlmg.settings import media_storage
from tests.factories import make_user

pytestmark = pytest.mark.django_db

UPLOAD = "/markdownx/upload/"


def png_bytes() -> bytes:
    output = io.BytesIO()
    Image.new("RGB", (32, 24), (200, 30, 30)).save(output, format="PNG")
    return output.getvalue()


def upload(client) -> str:
    """Upload a PNG through the editor's endpoint; the address it answers with."""
    response = client.post(UPLOAD, {"image": SimpleUploadedFile("kathy.png", png_bytes())})
    assert response.status_code == 200, response.content
    code = response.json()["image_code"]
    return code[len("![](") : -1]


@pytest.fixture
def uploader(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    client = Client()
    client.force_login(make_user(username="kathy"))
    return client


def test_an_upload_is_served_back_with_safe_headers(uploader):
    address = upload(uploader)

    response = Client().get(address)

    assert address.startswith("/media/uploads/")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"] == f'inline; filename="{address.rsplit("/", 1)[1]}"'
    assert "sandbox" in response["Content-Security-Policy"]
    assert "immutable" in response["Cache-Control"]
    assert Image.open(io.BytesIO(b"".join(response.streaming_content))).format == "PNG"


@pytest.mark.parametrize(
    "address",
    [
        "/media/uploads/2026/12/" + "0" * 32 + ".png",  # no such file
        "/media/uploads/2026/12/" + "0" * 32 + ".svg",  # not a kind the editor makes
        "/media/uploads/2026/12/../../../secret_key",
        "/media/../var/secret_key",
        "/media/uploads/2026/12/kathy.png",
        "/media/%2e%2e/%2e%2e/nlmg/settings.py",
    ],
)
def test_only_names_the_editor_gives_are_served(uploader, address):
    assert Client().get(address).status_code == 404


def test_a_file_of_another_kind_under_an_image_name_is_still_an_image(uploader, settings):
    """The type comes from the checked extension, never from the content (nosniff too)."""
    name = settings.MEDIA_ROOT / "uploads" / "2026" / "12" / ("a" * 32 + ".png")
    name.parent.mkdir(parents=True)
    name.write_bytes(b"<script>alert(1)</script>")

    response = Client().get("/media/uploads/2026/12/" + "a" * 32 + ".png")

    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_s3_storage_is_configured_from_the_environment():
    config = media_storage(
        {
            "AWS_STORAGE_BUCKET_NAME": "nlmg-media",
            "AWS_S3_ENDPOINT_URL": "https://s3.example.org",
            "AWS_S3_REGION_NAME": "eu-west-2",
            "AWS_S3_CUSTOM_DOMAIN": "media.example.org",
        }
    )

    assert config["BACKEND"] == "storages.backends.s3.S3Storage"
    assert config["OPTIONS"]["bucket_name"] == "nlmg-media"
    assert config["OPTIONS"]["endpoint_url"] == "https://s3.example.org"
    assert config["OPTIONS"]["custom_domain"] == "media.example.org"
    assert config["OPTIONS"]["querystring_auth"] is False
    assert media_storage({}) == {"BACKEND": "django.core.files.storage.FileSystemStorage"}


def test_an_upload_goes_to_the_bucket_and_comes_back(settings, monkeypatch):
    for variable, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(variable, value)
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="nlmg-media")
        settings.STORAGES = {
            **settings.STORAGES,
            "default": media_storage({"AWS_STORAGE_BUCKET_NAME": "nlmg-media"}),
        }
        client = Client()
        client.force_login(make_user(username="kathy"))

        address = upload(client)
        key = address.split("nlmg-media.s3.amazonaws.com/", 1)[1]
        stored = s3.get_object(Bucket="nlmg-media", Key=key)

    assert address.startswith("https://nlmg-media.s3.amazonaws.com/uploads/")
    assert "?" not in address  # a plain address, fit for cached pages
    assert stored["ContentType"] == "image/png"
    assert stored["CacheControl"] == "public, max-age=31536000, immutable"
    assert Image.open(io.BytesIO(stored["Body"].read())).format == "PNG"
